#!/usr/bin/env bash
# Install everything the tests need (Debian chromium and nginx, Python dev requirements, axe-core) and run
# lint, the unit/API/property suite and the browser suite. Used as-is by CI (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

# Debian's chromium (browser tests) and nginx (the production front proxy, deploy/run.py)
bash scripts/apt_install.sh chromium chromium nginx nginx
python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
if [ -f package-lock.json ]; then npm ci --silent --no-audit --no-fund; fi

# High-resolution Census boundaries for the tests that need them (never committed).
if [ -z "${KRATOM_TEST_BOUNDARIES_DIR:-}" ] && [ -d "$root/../shared/boundaries" ]; then
  export KRATOM_TEST_BOUNDARIES_DIR="$root/../shared/boundaries"
fi
export KRATOM_CACHE_DIR="${KRATOM_CACHE_DIR:-$root/.cache/kratom}"
echo "== boundary index (build step)"
.venv/bin/python -m service.geo.build
if [ -n "${KRATOM_TEST_BOUNDARIES_DIR:-}" ]; then
  .venv/bin/python -m service.geo.build --override "$KRATOM_TEST_BOUNDARIES_DIR"
fi

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== unit, API, property and contract tests"
.venv/bin/python -m pytest -m "not browser" --ignore=tests/browser -q
echo "== attacks on the production stack (nginx + gunicorn): junk batches, slow clients, a dripping source, a 500 MB file"
.venv/bin/python scripts/attack.py
echo "== browser tests (Playwright + Debian chromium)"
if [ -d tests/browser ]; then
  .venv/bin/python -m pytest tests/browser -q
fi
