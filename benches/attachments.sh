#!/usr/bin/env bash
# Attachment benchmark (issue 15): a 20 MB file up and down over loopback against the
# real release binary on a fresh SQLite desk (content in the database, the default), the
# server's resident memory around it, and the ticket view with 20 attachments beside the
# same view with none (wrk, 1 thread, 16 connections, as benches/server.sh).
#
#     benches/attachments.sh
#     STORE=dir benches/attachments.sh         # content in a directory instead
#     DESK_BIN=/path/to/desk benches/attachments.sh
#
# Needs curl and wrk. Results go in BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."

MB=${MB:-20}
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-6}
PORT=${PORT:-7519}
BASE=http://127.0.0.1:$PORT/api/v1

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 2; }
if [ -n "${DESK_BIN:-}" ]; then
  DESK=$DESK_BIN
else
  cargo build --release --quiet
  DESK=${CARGO_TARGET_DIR:-target}/release/desk
fi

WORK=$(mktemp -d)
SERVER=
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
DB=$WORK/desk.db
CONFIG=$WORK/desk.toml
: > "$CONFIG"
if [ "${STORE:-db}" = dir ]; then printf '[attachments]\nstore = "dir:%s/files"\n' "$WORK" >> "$CONFIG"; fi
"$DESK" --config "$CONFIG" generate --db "$DB" --tickets 1000 >/dev/null
echo "bench-password" | "$DESK" users add --db "$DB" --email bench@example.com \
  --name "Bench Agent" --role agent --password-stdin >/dev/null
RUST_LOG=warn TMPDIR=$WORK "$DESK" --config "$CONFIG" serve --listen 127.0.0.1:$PORT --db "$DB" &
SERVER=$!
for _ in $(seq 50); do curl -sf http://127.0.0.1:$PORT/healthz >/dev/null && break; sleep 0.2; done
TOKEN=$(curl -sf -X POST "$BASE/auth/login" -H 'content-type: application/json' \
  -d '{"email":"bench@example.com","password":"bench-password"}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
AUTH="Authorization: Bearer $TOKEN"
rss() { awk '/VmRSS/ {print $2}' /proc/$SERVER/status; }
hwm() { awk '/VmHWM/ {print $2}' /proc/$SERVER/status; }

head -c $((MB * 1024 * 1024)) /dev/urandom > "$WORK/big.bin"
echo "== $MB MB up and down, $ROUNDS rounds (MB/s as curl reports it; MB = 10^6 bytes)"
echo "server RSS before: $(rss) kB (peak so far $(hwm) kB)"
ID=
for i in $(seq "$ROUNDS"); do
  up=$(curl -sf -o "$WORK/up.json" -w '%{speed_upload}' -H "$AUTH" \
    -F "f=@$WORK/big.bin;filename=big-$i.bin" "$BASE/tickets/TKT-$i/attachments")
  ID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["attachments"][0]["id"])' "$WORK/up.json")
  down=$(curl -sf -o "$WORK/down.bin" -w '%{speed_download}' -H "$AUTH" "$BASE/attachments/$ID")
  cmp -s "$WORK/big.bin" "$WORK/down.bin" || { echo "download $i differs" >&2; exit 1; }
  awk -v u="$up" -v d="$down" -v i="$i" 'BEGIN {printf "round %d: upload %.0f MB/s, download %.0f MB/s\n", i, u/1e6, d/1e6}'
done
echo "== the same download, 5 times more (after the first, the database pages are cached)"
for _ in $(seq 5); do
  curl -sf -o /dev/null -w '%{speed_download}\n' -H "$AUTH" "$BASE/attachments/$ID"
done | sort -n | awk '{v[NR]=$1} END {printf "download median %.0f MB/s (slowest %.0f, fastest %.0f)\n", v[3]/1e6, v[1]/1e6, v[5]/1e6}'
echo "server RSS after: $(rss) kB (peak $(hwm) kB)"

# The ticket view: TKT-900 without files, then with 20 small ones on one comment each.
KEY=TKT-900
run() {
  echo "== $1"
  wrk -t1 -c16 -d"${DURATION}s" --latency -H "$AUTH" "$BASE/tickets/$KEY" |
    grep -E 'Requests/sec|Latency  |  50%|  99%|Non-2xx'
}
run "GET $KEY, no attachments"
printf 'a small log line\n%.0s' $(seq 200) > "$WORK/small.log"
for i in $(seq 20); do
  curl -sf -o /dev/null -H "$AUTH" -F "f=@$WORK/small.log;filename=log-$i.txt" \
    -F "body=log $i" "$BASE/tickets/$KEY/attachments"
done
run "GET $KEY, 20 attachments (20 comments, one file each)"
