#!/usr/bin/env bash
# Regenerates docs/images/run-page.png, the screenshot of a run's page in docs/SERVER.md ("The
# live page"): the documented example mid-cancellation, taken by headless Chromium
# (server/tests/browser/screenshot.py). Installs what it needs when missing
# (scripts/page-browser-env.sh).
#
#   scripts/page-screenshot.sh [OUT.png]
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${1:-docs/images/run-page.png}"
mkdir -p "$(dirname "$OUT")"
. scripts/page-browser-env.sh
PYTHONDONTWRITEBYTECODE=1 "$PAGE_PYTHON" server/tests/browser/screenshot.py "$OUT"
