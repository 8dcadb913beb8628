#!/usr/bin/env bash
# Creates .venv (if missing) and installs kb into it. Sourced by main.sh and test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
extras="${1:-}"
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${extras}"
# Bytecode for kb itself (an editable install compiles nothing), so that every `kb` process,
# including the hundreds the tests start, reads it instead of compiling kb again; this matters
# where PYTHONDONTWRITEBYTECODE is set. Python recompiles any file edited since.
.venv/bin/python -m compileall -q kb cli.py >/dev/null
# kb's kept tables too (the compiled patterns, the gazetteer's index and the alias prefix trees,
# kb/pycache.py), built the way a first `kb mentions` builds them, so that the processes the tests
# and the main job start read them instead of compiling ~450 patterns each; they are stamped with
# what they were built from and rebuilt or ignored once that changes.
env -u PYTHONDONTWRITEBYTECODE .venv/bin/kb mentions data/seeds/000_*.txt >/dev/null 2>&1 || true
