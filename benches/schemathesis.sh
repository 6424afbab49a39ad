#!/usr/bin/env bash
# Property-based API testing: schemathesis generates requests from desk's own OpenAPI
# document (/api/v1/openapi.json) and checks every answer against it, that nothing
# answers 5xx, and that malformed input is refused. Against a throwaway demo desk on a
# free loopback port, signed in as the demo admin.
#
#   pip install schemathesis          # once
#   benches/schemathesis.sh           # EXAMPLES=100 per operation by default
#
# Logout is left out: it would revoke the token the rest of the run signs in with.
# DESK_BIN picks the binary (default: target/release/desk, built if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
examples="${EXAMPLES:-100}"
bin="${DESK_BIN:-target/release/desk}"
command -v schemathesis >/dev/null || { echo "schemathesis is not installed: pip install schemathesis"; exit 2; }
[ -x "$bin" ] || cargo build --release --bin desk
work="$(mktemp -d)"
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
: > "$work/server.toml"
DESK_CONFIG="$work/server.toml" "$bin" serve --demo --listen "127.0.0.1:$port" --db "$work/desk.db" \
    > "$work/server.log" 2>&1 &
server=$!
base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do curl -fs "$base/api/v1/openapi.json" >/dev/null && break; sleep 0.1; done
token="$(curl -fs -H 'content-type: application/json' \
    -d '{"email":"admin@example.com","password":"desk-demo"}' "$base/api/v1/auth/login" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')"
schemathesis --config-file benches/schemathesis.toml run "$base/api/v1/openapi.json" \
    --url "$base" \
    -H "Authorization: Bearer $token" \
    --checks all \
    --exclude-path /api/v1/auth/logout \
    --max-examples "$examples" \
    --report-junit-path "$work/junit.xml" \
    "$@" || status=$?
echo "server log lines with 'panicked' or ' 500 ': $(grep -c -E 'panicked| 500 ' "$work/server.log" || true)"
exit "${status:-0}"
