#!/usr/bin/env bash
# Drives `journal-run serve` with Zuora's official Python client, zuora-sdk from PyPI, unmodified
# (pinned in server/tests/sdk/requirements.txt): a virtualenv in target/sdk-venv (made once,
# reused while the requirements file is unchanged), a debug build of journal-run, then
# server/tests/sdk/run.py, whose tests each start their own server on 127.0.0.1.
# The first run needs PyPI; later runs need no network beyond 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== zuora-sdk against journal-run serve (scripts/sdk-test.sh)"

VENV=target/sdk-venv
REQUIREMENTS=server/tests/sdk/requirements.txt
STAMP="$VENV/.requirements.txt"
PYTHON="${PYTHON:-python3}"

can_make_venv() { "$1" -c 'import venv, ensurepip' >/dev/null 2>&1; }

if ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
    if ! command -v "$PYTHON" >/dev/null 2>&1; then
        echo "sdk-test: $PYTHON not found; install Python 3 (or set PYTHON)" >&2
        exit 1
    fi
    if ! can_make_venv "$PYTHON"; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
            echo "sdk-test: $PYTHON has no venv module; installing python3-venv"
            apt-get update -qq
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
            can_make_venv "$PYTHON" || PYTHON=/usr/bin/python3
        fi
        if ! can_make_venv "$PYTHON"; then
            echo "sdk-test: '$PYTHON -m venv' is unavailable: install python3-venv (as root: apt-get install python3-venv)" >&2
            exit 1
        fi
    fi
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
fi

if ! cmp -s "$REQUIREMENTS" "$STAMP"; then
    "$VENV/bin/python" -m pip install --disable-pip-version-check --quiet -r "$REQUIREMENTS"
    cp "$REQUIREMENTS" "$STAMP"
fi
"$VENV/bin/python" -c 'import importlib.metadata as m, sys; v = m.version("zuora-sdk"); sys.exit(0 if v == "3.21.0" else f"sdk-test: zuora-sdk {v} installed, 3.21.0 expected")'

cargo build -p journal-run-cli
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps | "$VENV/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
export JOURNAL_RUN_BIN="$TARGET_DIR/debug/journal-run"

PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 "$VENV/bin/python" server/tests/sdk/run.py
