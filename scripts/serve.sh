#!/usr/bin/env bash
# Install the runtime into .venv (and Debian's nginx) and serve the shipped data as production does:
# nginx in front of gunicorn (deploy/run.py).
# Usage: bash scripts/serve.sh [PORT]   (default 8000; honours KRATOM_* variables)
set -euo pipefail
cd "$(dirname "$0")/.."
port="${1:-${PORT:-8000}}"
bash scripts/apt_install.sh nginx nginx
python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
# The boundary index, built once per set of boundary files (tens of seconds, with a progress
# line; nothing to do on later starts). Meanwhile the service already answers, from the exact
# path, and takes the index over when it is ready.
.venv/bin/python -m service.geo.build --nice &
echo "Serving on http://127.0.0.1:${port}/  (API: http://127.0.0.1:${port}/v1/meta, Ctrl-C stops)"
PORT="$port" exec .venv/bin/python deploy/run.py
