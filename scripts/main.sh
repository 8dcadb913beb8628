#!/usr/bin/env bash
# Sets everything up and runs the main job: seed documents in data/seeds/ -> resolve -> crawl -> summary.
# Against the live API by default; against the local stand-in when KB_S2_API_URL points at it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/kb build "$@"
