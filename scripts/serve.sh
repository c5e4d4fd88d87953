#!/usr/bin/env bash
# Install the runtime into .venv (and Debian's nginx) and serve the shipped data as production does:
# nginx in front of gunicorn (deploy/run.py).
# Usage: bash scripts/serve.sh [PORT]   (default 8000; honours KRATOM_* variables)
set -euo pipefail
cd "$(dirname "$0")/.."
port="${1:-${PORT:-8000}}"
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  own_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then  # install nginx without starting its service on :80
    printf '#!/bin/sh\nexit 101\n' | $sudo_cmd tee /usr/sbin/policy-rc.d >/dev/null
    $sudo_cmd chmod 755 /usr/sbin/policy-rc.d
    own_policy=1
  fi
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq nginx >/dev/null
  if [ -n "$own_policy" ]; then $sudo_cmd rm -f /usr/sbin/policy-rc.d; fi
fi
python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
echo "Serving on http://127.0.0.1:${port}/  (API: http://127.0.0.1:${port}/v1/meta, Ctrl-C stops)"
PORT="$port" exec .venv/bin/python deploy/run.py
