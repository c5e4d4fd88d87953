#!/usr/bin/env bash
# Install everything the tests need (Debian chromium, Python dev requirements, axe-core) and run
# lint, the unit/API/property suite and the browser suite. Used as-is by CI (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

if ! command -v chromium >/dev/null 2>&1; then
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium >/dev/null
fi
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
echo "== browser tests (Playwright + Debian chromium)"
if [ -d tests/browser ]; then
  .venv/bin/python -m pytest tests/browser -q
fi
