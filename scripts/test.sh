#!/usr/bin/env bash
# Every test: the workspace's Rust tests, then Zuora's official Python client (zuora-sdk)
# against `journal-run serve` (scripts/sdk-test.sh installs it in a virtualenv when missing),
# then the live page in headless Chromium (scripts/page-test.sh installs Chromium, its driver
# and Selenium when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --workspace
bash scripts/sdk-test.sh
bash scripts/page-test.sh
