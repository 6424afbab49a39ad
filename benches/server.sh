#!/usr/bin/env bash
# Server benchmark: the real release binary serving a generated desk, loaded by wrk over
# loopback with 16 connections on one wrk thread (issue 21's settings; the load
# generator shares the machine's cores).
#
#     benches/server.sh                 # 100,000 tickets
#     TICKETS=1000000 benches/server.sh # a million (generated once, about 8 minutes)
#     TICKETS=10000 DURATION=5 benches/server.sh
#     DESK_BIN=/path/to/desk benches/server.sh   # a binary built elsewhere (no build)
#     DATABASE=postgres://postgres@127.0.0.1/desk_bench benches/server.sh   # an empty
#     DATABASE=postgres://... INSTANCES=2 benches/server.sh   # two servers, load split
#
# With INSTANCES=2 each server gets half the connections (its own wrk) and the printed
# rates are per instance: add them up.
#
# Prints requests/s and latency percentiles per scenario, the server's memory, and its
# CPU use while idle. Needs wrk (apt-get install wrk). Results go in BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."

TICKETS=${TICKETS:-100000}
DURATION=${DURATION:-6}
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-1}
PORT=${PORT:-7499}
INSTANCES=${INSTANCES:-1}
DB=${DATABASE:-target/bench-data/server-$TICKETS.db}
BASE=http://127.0.0.1:$PORT/api/v1

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 2; }
if [ -n "${DESK_BIN:-}" ]; then
  DESK=$DESK_BIN
else
  cargo build --release --quiet
  DESK=${CARGO_TARGET_DIR:-target}/release/desk
fi
mkdir -p target/bench-data

generate() {
  "$DESK" generate --db "$DB" --tickets "$TICKETS"
  echo "bench-password" | "$DESK" users add --db "$DB" --email bench@example.com \
    --name "Bench Agent" --role agent --password-stdin
}
case "$DB" in
  postgres://*|postgresql://*)
    # Generated once: a database that already holds the desk is used as it is.
    if ! "$DESK" users list --db "$DB" 2>/dev/null | grep -q bench@example.com; then generate; fi ;;
  *) [ -f "$DB" ] || generate ;;
esac

# Every seed-compatible surface on, as a migrating team would run it (tokens required).
CONFIG=$(mktemp)
for surface in tracking intake service_requests reports helpdesk; do
  printf '[compat.%s]\nenabled = true\n' "$surface" >> "$CONFIG"
done

SERVERS=()
trap 'kill "${SERVERS[@]}" 2>/dev/null || true; rm -f "$CONFIG"' EXIT
for i in $(seq 0 $((INSTANCES - 1))); do
  RUST_LOG=warn "$DESK" --config "$CONFIG" serve --listen 127.0.0.1:$((PORT + i)) --db "$DB" &
  SERVERS+=($!)
  for _ in $(seq 50); do curl -sf http://127.0.0.1:$((PORT + i))/healthz >/dev/null && break; sleep 0.2; done
done
SERVER=${SERVERS[0]}

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
cat > "$LUA/helpdesk.lua" <<LUA
counter = 0
request = function()
  counter = counter + 7919
  return wrk.format("GET", "/tickets/" .. (counter % $TICKETS + 1))
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
  if [ "$INSTANCES" = 1 ]; then
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -H "$AUTH" "$@" |
      grep -E 'Requests/sec|Latency  |  50%|  99%|Non-2xx|Socket errors'
    return
  fi
  # The same load split over the instances, at the same time; the URL's port is
  # rewritten per instance.
  local out; out=$(mktemp -d)
  local pids=()
  for i in $(seq 0 $((INSTANCES - 1))); do
    local args=()
    for a in "$@"; do args+=("${a//:$PORT\//:$((PORT + i))/}"); done
    wrk -t1 -c$((CONNECTIONS / INSTANCES)) -d"${DURATION}s" --latency -H "$AUTH" "${args[@]}" \
      > "$out/$i" &
    pids+=($!)
  done
  wait "${pids[@]}"
  for i in $(seq 0 $((INSTANCES - 1))); do
    echo "-- instance $i"
    grep -E 'Requests/sec|Latency  |  50%|  99%|Non-2xx|Socket errors' "$out/$i"
  done
}

# Reads first, on the generated desk as it is (the create scenario adds short tickets,
# which would make later pages cheaper than real ones).
run "GET one ticket (with timeline)" -s "$LUA/get.lua" "$BASE/tickets/TKT-1"
run "GET a page of 50 newest" "$BASE/tickets?limit=50"
run "GET a page of 50 (status:open)" "$BASE/tickets?limit=50&q=status:open"
run "GET a page of 50 (status:new priority:high)" "$BASE/tickets?limit=50&q=status:new%20priority:high"
run "search \"login\", 20 results" "$BASE/tickets?limit=20&q=login"
run "GET /stats" "$BASE/stats"
echo "== GET /stats, one connection (the latency of one call)"
wrk -t1 -c1 -d"${DURATION}s" --latency -H "$AUTH" "$BASE/stats" |
  grep -E 'Requests/sec|Latency  |  50%|  99%|Non-2xx|Socket errors'
run "conditional poll answered 304" -H "If-None-Match: $ETAG" "$BASE/changes?after=$LAST"

# The compat surfaces against the native calls they translate to (same data, same load).
ROOT=http://127.0.0.1:$PORT
SR=$(curl -sf -G "$BASE/tickets" -H "$AUTH" --data-urlencode 'q=category:"Service request"' \
  --data-urlencode limit=1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["tickets"][0]["id"])')
run "native: GET a page of 50 (status:new)" "$BASE/tickets?limit=50&q=status:new"
run "helpdesk: GET /tickets/{id}" -s "$LUA/helpdesk.lua" "$ROOT/tickets/1"
run "helpdesk: GET /tickets?status_id=1 (page of 50)" "$ROOT/tickets?status_id=1&limit=50"
run "helpdesk: GET /stats" "$ROOT/stats"
run "helpdesk: GET /dashboard" "$ROOT/dashboard"
run "service_requests: GET /api/service-requests/{id}" "$ROOT/api/service-requests/$SR"
run "native: GET the same service request" "$BASE/tickets/TKT-$SR"

run "create a ticket" -s "$LUA/create.lua" "$BASE/tickets"
run "GET /stats (after the creates)" "$BASE/stats"

# Tracking and intake are rate limited per address (a burst of 30, then 1/s), so wrk
# would measure the limiter: time 20 sequential calls within the burst instead, each
# beside the native call it translates to.
EMAIL=$(curl -sf "$BASE/tickets/TKT-1" -H "$AUTH" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["ticket"]["requester"]["email"])')
median() {
  local name=$1; shift
  for _ in $(seq 20); do curl -s -o /dev/null -w '%{time_total}\n' "$@"; done |
    sort -n | awk -v n="$name" '{t[NR]=$1} END {printf "== %s: median %.2f ms (20 calls)\n", n, t[10]*1000}'
}
median "tracking: GET /api/tickets/{id}?email=" "$ROOT/api/tickets/TKT-1?email=$EMAIL"
median "native: GET /track/{key}?email=" "$BASE/track/TKT-1?email=$EMAIL"
median "intake: POST /create_ticket" -X POST "$ROOT/create_ticket" -H 'content-type: application/json' \
  -d '{"user_id":"bench_user","pdf_link":"https://example.com/a.pdf"}'
median "native: POST /tickets" -X POST "$BASE/tickets" -H "$AUTH" -H 'content-type: application/json' \
  -d '{"title":"Load test","description":"Filed by the server benchmark.","requester_email":"load@example.com"}'

echo "== server memory"
grep -E 'VmRSS|VmHWM' /proc/$SERVER/status
echo "== server CPU while idle (10 s)"
cpu() { awk '{print $14 + $15}' /proc/$SERVER/stat; }
before=$(cpu); sleep 10; after=$(cpu)
echo "clock ticks used: $((after - before)) (of $(( $(getconf CLK_TCK) * 10 )) per core)"
