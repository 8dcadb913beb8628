#!/usr/bin/env bash
# Sets everything up and runs the whole test suite, on both store backends (SQLite and a
# throwaway PostgreSQL cluster this script starts and stops).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh "[test]"
# Debian packages: headless Chromium for the graph-view test, pandoc, and the PostgreSQL server
# for the PostgreSQL backend's tests (needs root and the package registry).
have_pg() { [ -x "$(command -v pg_ctl 2>/dev/null)" ] || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; }
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v pandoc >/dev/null 2>&1 || missing+=(pandoc)
have_pg || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null) \
        || echo "warning: could not install ${missing[*]}; the tests that need them will be skipped" >&2
fi
# One PostgreSQL cluster for the whole run, in a temporary directory on a free port.
if have_pg && [ -z "${KB_TEST_PG:-}" ]; then
    pg_dir="$(mktemp -d -t kb-pg-XXXXXX)"
    trap '.venv/bin/python tests/pg_cluster.py stop "$pg_dir"' EXIT
    KB_TEST_PG="$(.venv/bin/python tests/pg_cluster.py start "$pg_dir")"
    export KB_TEST_PG
fi
# Python writes bytecode for what the run imports (test modules, helpers, kb's kept tables): where
# PYTHONDONTWRITEBYTECODE is set, every process compiled them again, 15.5 against 11.6 min of CPU
# for the same suite. The kb processes the tests start still write nothing (tests/reliability_helpers.py).
unset PYTHONDONTWRITEBYTECODE
.venv/bin/python -m pytest -n 2 --dist loadfile --no-loadscope-reorder "$@"
