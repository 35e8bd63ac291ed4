#!/usr/bin/env bash
# Schema-driven testing: schemathesis generates requests from /api/openapi.json against the
# real server (the demo district on a fresh SQLite file), with and without an API token; any
# 5xx fails. Prints the number of requests generated in each run.
set -euo pipefail
cd "$(dirname "$0")/.."
examples="${1:-100}"
command -v st >/dev/null || pip install -q "schemathesis>=4,<5"
bin=target/debug/wangge
[ -x "$bin" ] || cargo build -q
work=$(mktemp -d)
db="sqlite://$work/st.db"
port=18765
WANGGE_LOG=warn "$bin" demo --database "$db" --bind "127.0.0.1:$port" >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
token=$("$bin" user token --database "$db" --username admin --name schemathesis)
spec="http://127.0.0.1:$port/api/openapi.json"
run() {
    local label=$1; shift
    # the alert feed is an endless event stream: a client waits on it forever, so it is left
    # out here (tests/pushlists.rs reads it); a request that hangs fails after 30 s
    if ! st run "$spec" --checks not_a_server_error -n "$examples" --request-timeout 30 \
        --exclude-path /api/v1/alerts/stream "$@" >"$work/st.log" 2>&1; then
        echo "schemathesis ($label) FAILED:"; cat "$work/st.log"; exit 1
    fi
    echo "schemathesis ($label): $(grep -E '[0-9]+ generated' "$work/st.log" | tr -s ' ')"
}
run authenticated -H "Authorization: Bearer $token"
run unauthenticated
