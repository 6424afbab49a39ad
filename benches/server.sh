#!/usr/bin/env bash
# Server benchmark: the real release binary serving a generated desk, loaded by wrk over
# loopback with 32 connections (the load generator shares the machine's cores).
#
#     benches/server.sh                 # 100,000 tickets
#     TICKETS=10000 DURATION=5 benches/server.sh
#
# Prints requests/s and latency percentiles per scenario, the server's memory, and its
# CPU use while idle. Needs wrk (apt-get install wrk). Results go in BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."

TICKETS=${TICKETS:-100000}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
PORT=${PORT:-7499}
DB=target/bench-data/server-$TICKETS.db
BASE=http://127.0.0.1:$PORT/api/v1

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 2; }
cargo build --release --quiet
DESK=target/release/desk
mkdir -p target/bench-data

if [ ! -f "$DB" ]; then
  "$DESK" generate --db "$DB" --tickets "$TICKETS"
  echo "bench-password" | "$DESK" users add --db "$DB" --email bench@example.com \
    --name "Bench Agent" --role agent --password-stdin
fi

RUST_LOG=warn "$DESK" serve --listen 127.0.0.1:$PORT --db "$DB" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf http://127.0.0.1:$PORT/healthz >/dev/null && break; sleep 0.2; done

TOKEN=$(curl -sf -X POST "$BASE/auth/login" -H 'content-type: application/json' \
  -d '{"email":"bench@example.com","password":"bench-password"}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
AUTH="Authorization: Bearer $TOKEN"

LUA=$(mktemp -d)
# A different ticket each request, spread over the whole desk.
cat > "$LUA/get.lua" <<LUA
counter = 0
request = function()
  counter = counter + 7919
  return wrk.format("GET", "/api/v1/tickets/TKT-" .. (counter % $TICKETS + 1))
end
LUA
cat > "$LUA/create.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"title":"Load test: printer on fire","description":"Filed by the server benchmark.","category":"General","priority":"High","requester_email":"load@example.com"}'
LUA

LAST=$(curl -sf "$BASE/changes?after=0&limit=1" -H "$AUTH" >/dev/null; curl -sf "$BASE/stats" -H "$AUTH" >/dev/null; \
  curl -sf "$BASE/changes?after=999999999" -H "$AUTH" | python3 -c 'import json,sys; print(json.load(sys.stdin)["last_seq"])')
ETAG=$(curl -sfI "$BASE/changes?after=$LAST" -H "$AUTH" | awk -F': ' 'tolower($1)=="etag" {print $2}' | tr -d '\r')

run() {
  local name=$1; shift
  echo "== $name"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -H "$AUTH" "$@" |
    grep -E 'Requests/sec|Latency  |  50%|  99%|Non-2xx|Socket errors'
}

run "GET one ticket (with timeline)" -s "$LUA/get.lua" "$BASE/tickets/TKT-1"
run "GET a page of 50" "$BASE/tickets?limit=50&q=status:open"
run "conditional poll answered 304" -H "If-None-Match: $ETAG" "$BASE/changes?after=$LAST"
run "create a ticket" -s "$LUA/create.lua" "$BASE/tickets"

echo "== server memory"
grep -E 'VmRSS|VmHWM' /proc/$SERVER/status
echo "== server CPU while idle (10 s)"
cpu() { awk '{print $14 + $15}' /proc/$SERVER/stat; }
before=$(cpu); sleep 10; after=$(cpu)
echo "clock ticks used: $((after - before)) (of $(( $(getconf CLK_TCK) * 10 )) per core)"
