#!/usr/bin/env bash
# The live page of `journal-run serve` in a real headless browser: Debian's Chromium driven
# through ChromeDriver by Selenium (server/tests/browser/), against servers it starts on
# 127.0.0.1. Installs what it needs when missing (scripts/page-browser-env.sh); idempotent.
# The page's HTTP tests are `cargo test -p journal-run-server --test page`.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== the live page in headless Chromium (scripts/page-test.sh)"
. scripts/page-browser-env.sh
PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 "$PAGE_PYTHON" server/tests/browser/run.py
