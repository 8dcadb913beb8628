#!/usr/bin/env bash
# Sets everything up and runs the main job: seed documents in data/seeds/ -> resolve -> crawl ->
# rank and tag -> summary, into data/kb.sqlite.
#   bash scripts/main.sh              against the live Semantic Scholar API (or $KB_S2_API_URL) and forum (or $KB_FORUM_API_URL)
#   bash scripts/main.sh --standin    against a local stand-in started for the run, into data/standin.sqlite
# Any further arguments go to `kb build` (e.g. --max-requests 600 --depth 2).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ "${1:-}" = "--standin" ]; then
    shift
    read -r port forum_port < <(.venv/bin/python -c 'import socket
ss = [socket.socket() for _ in range(2)]
for s in ss: s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in ss))')
    .venv/bin/kb standin serve --port "$port" --forum-port "$forum_port" ${KB_STANDIN_PAPERS:+--papers "$KB_STANDIN_PAPERS"} > .venv/standin.log 2>&1 &
    standin_pid=$!
    trap 'kill "$standin_pid" 2>/dev/null || true' EXIT
    .venv/bin/python - "$port" "$forum_port" <<'PY'
import socket, sys, time
deadline = time.time() + 120
for port in sys.argv[1:]:
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", int(port)), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    else:
        sys.exit("the stand-in did not start; see .venv/standin.log")
PY
    export KB_S2_API_URL="http://127.0.0.1:$port"
    export KB_FORUM_API_URL="http://127.0.0.1:$forum_port"
    export KB_FORUM_RATE="${KB_FORUM_RATE:-10}"
    export KB_DB="${KB_DB:-data/standin.sqlite}"
    export KB_RATE="${KB_RATE:-10}"
    echo "kb: using the local stand-ins at $KB_S2_API_URL and $KB_FORUM_API_URL (forum) (store $KB_DB, $KB_RATE requests/s)" >&2
fi
.venv/bin/kb build "$@"
