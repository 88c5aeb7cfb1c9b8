# Sourced by scripts/page-test.sh and scripts/page-screenshot.sh: what driving the live page in
# a browser needs, installed when missing (so both are idempotent):
# - Debian's Chromium and ChromeDriver (packages chromium, chromium-driver), with apt-get as root;
# - Selenium's Python bindings in a virtualenv, target/page-venv (made once, reused while
#   server/tests/browser/requirements.txt is unchanged; the first run needs PyPI);
# - a debug build of journal-run, named by JOURNAL_RUN_BIN.
# Sets PAGE_PYTHON (the virtualenv's python), CHROMIUM and CHROMEDRIVER.

PAGE_VENV=target/page-venv
PAGE_REQUIREMENTS=server/tests/browser/requirements.txt
PAGE_STAMP="$PAGE_VENV/.requirements.txt"
PYTHON="${PYTHON:-python3}"

if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "page: installing Debian's chromium and chromium-driver"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
    else
        echo "page: chromium and chromedriver are missing: install Debian's packages chromium and chromium-driver (as root: apt-get install chromium chromium-driver)" >&2
        exit 1
    fi
fi
CHROMIUM="$(command -v chromium)"
CHROMEDRIVER="$(command -v chromedriver)"
export CHROMIUM CHROMEDRIVER

page_can_make_venv() { "$1" -c 'import venv, ensurepip' >/dev/null 2>&1; }

if ! "$PAGE_VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
    if ! page_can_make_venv "$PYTHON"; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
            echo "page: $PYTHON has no venv module; installing python3-venv"
            apt-get update -qq
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
            page_can_make_venv "$PYTHON" || PYTHON=/usr/bin/python3
        fi
        if ! page_can_make_venv "$PYTHON"; then
            echo "page: '$PYTHON -m venv' is unavailable: install python3-venv" >&2
            exit 1
        fi
    fi
    rm -rf "$PAGE_VENV"
    "$PYTHON" -m venv "$PAGE_VENV"
fi
if ! cmp -s "$PAGE_REQUIREMENTS" "$PAGE_STAMP"; then
    "$PAGE_VENV/bin/python" -m pip install --disable-pip-version-check --quiet -r "$PAGE_REQUIREMENTS"
    cp "$PAGE_REQUIREMENTS" "$PAGE_STAMP"
fi
PAGE_PYTHON="$PAGE_VENV/bin/python"

cargo build -q -p journal-run-cli
JOURNAL_RUN_BIN="$(cargo metadata --format-version 1 --no-deps | "$PAGE_PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')/debug/journal-run"
export JOURNAL_RUN_BIN
