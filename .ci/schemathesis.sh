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
# API tokens are for machine accounts only, so the authenticated run is a district admin's
# browser session: log in through the form (double-submit cookie), then send the session
# cookie and its CSRF token with every request
base="http://127.0.0.1:$port"
csrf_of() { grep -o 'name="csrf" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//'; }
cookie_of() { tr -d '\r' | grep -i "^set-cookie: $1=" | head -1 | sed "s/^[^=]*=//; s/;.*//"; }
login_headers=$(curl -s -D - -o "$work/login.html" "$base/login")
login_cookie=$(cookie_of wangge_login_csrf <<<"$login_headers")
login_csrf=$(csrf_of <"$work/login.html")
session=$(curl -s -D - -o /dev/null -H "Cookie: wangge_login_csrf=$login_cookie" \
    --data-urlencode username=admin --data-urlencode password=wangge-demo-2026 \
    --data-urlencode "csrf=$login_csrf" "$base/login" | cookie_of wangge_session)
[ -n "$session" ] || { echo "schemathesis: could not log in as admin"; exit 1; }
csrf=$(curl -s -H "Cookie: wangge_session=$session" "$base/" | csrf_of)
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
run authenticated -H "Cookie: wangge_session=$session" -H "X-CSRF-Token: $csrf"
run unauthenticated
