#!/usr/bin/env bash
# Install the runtime into .venv and serve the shipped data with gunicorn.
# Usage: bash scripts/serve.sh [PORT]   (default 8000; honours KRATOM_* variables)
set -euo pipefail
cd "$(dirname "$0")/.."
port="${1:-${PORT:-8000}}"
python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
# The boundary index, built once per set of boundary files (tens of seconds, with a progress
# line; nothing to do on later starts). Meanwhile the service already answers, from the exact
# path, and takes the index over when it is ready.
.venv/bin/python -m service.geo.build --nice &
echo "Serving on http://127.0.0.1:${port}/  (API: http://127.0.0.1:${port}/v1/meta, Ctrl-C stops)"
exec .venv/bin/gunicorn -c gunicorn.conf.py --bind "0.0.0.0:${port}" "service:create_app()"
