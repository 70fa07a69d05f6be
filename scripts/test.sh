#!/usr/bin/env bash
# Runs the whole test suite, browser tests included, offline.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  echo "no .venv/: run scripts/setup.sh first" >&2
  exit 1
fi
# The browser tests drive Debian's Chromium (Playwright downloads no browser here).
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && apt-get install -y -qq chromium) >/dev/null
  else
    echo "chromium is missing: browser tests will be skipped (sudo apt-get install chromium)" >&2
  fi
fi
export HF_HUB_OFFLINE=1 GRADIO_ANALYTICS_ENABLED=False
.venv/bin/ruff check qa tests bench scripts app.py
.venv/bin/mypy qa scripts
exec .venv/bin/python -m pytest "$@"
