#!/usr/bin/env bash
# `ticket serve` on the 100k-ticket silo (web.md 4, quality):
#  - server time of one search page and one ticket page (curl, sequential, medians);
#  - 50 clients searching (wrk) while 4 clients add entries through the API (wrk + Lua),
#    30 s: latency percentiles, errors, and that every acknowledged entry is in the silo.
# Loopback only; every loop is bounded by wrk's duration.
#
# Usage: benches/serve_load.sh [WORKDIR]   (env: N=100000 DURATION=30s)
set -euo pipefail

N=${N:-100000}
DURATION=${DURATION:-30s}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${1:-$ROOT/target/bench-silos}
mkdir -p "$WORK"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
command -v curl >/dev/null || { apt-get update -qq && apt-get install -y -qq curl; }

(cd "$ROOT" && cargo build --release -q -p ticket-benches --features silo -p ticket-cli)
BIN=$ROOT/target/release
export HOME=$WORK/home TICKET_CONFIG=$WORK/config.json TICKET_NOW=2024-06-28T12:00:00Z TICKET_USER=bench
mkdir -p "$HOME"

SRC=$WORK/silo-$N
[ -f "$SRC/silo.db" ] || "$BIN/ticket-benches" gen "$N" "$SRC" >&2
# the load writes entries: work on a copy
S=$WORK/serve-silo-$N
rm -rf "$S"
cp -r "$SRC" "$S"

OUT=$WORK/serve-out.txt
"$BIN/ticket" --silo "$S" serve --port 0 > "$OUT" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 50); do grep -q '^open ' "$OUT" 2>/dev/null && break; sleep 0.1; done
BASE=$(sed -n 's/^ticket serve: listening on //p' "$OUT")
export TOKEN=$(sed -n 's/^open .*token=//p' "$OUT")
AUTH="Authorization: Bearer $TOKEN"

median_ms() { # URL → median of 20 sequential requests (ms), after 3 warm-ups
    for _ in 1 2 3; do curl -s -o /dev/null -H "$AUTH" "$1"; done
    for _ in $(seq 20); do curl -s -o /dev/null -w '%{time_total}\n' -H "$AUTH" "$1"; done |
        sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]*1000}'
}

SEARCH="/?q=s%3A%2A%20g%3Dtag7&sort=d"
ALL="/?q=s%3A%2A"
FIRST=$(curl -s -H "$AUTH" "$BASE/api/v1/search?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["rows"][0]["number"])')
echo "== one request at a time (curl time_total, median of 20)"
echo "search page 's:* g=tag7' sort d : $(median_ms "$BASE$SEARCH") ms (target ≤ 100)"
echo "search page 's:*'               : $(median_ms "$BASE$ALL") ms (target ≤ 100)"
echo "ticket page /t/$FIRST             : $(median_ms "$BASE/t/$FIRST") ms (target ≤ 20)"

# the tickets the writers add entries to
export NUMBERS=$(curl -s -H "$AUTH" "$BASE/api/v1/search?limit=20&q=s%3A%2A" |
    python3 -c 'import json,sys; print(",".join(r["number"] for r in json.load(sys.stdin)["rows"]))')
minutes() {
    curl -s -H "$AUTH" "$BASE/api/v1/time?by=Priority" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total_minutes"])'
}
BEFORE=$(minutes)

cat > "$WORK/edit.lua" <<'LUA'
-- each request adds an entry of 1 minute to one of the tickets in NUMBERS, in turn
local numbers = {}
for n in string.gmatch(os.getenv("NUMBERS"), "[^,]+") do numbers[#numbers + 1] = n end
local token = os.getenv("TOKEN")
local i = 0
request = function()
  i = i + 1
  local body = '{"operations":[{"op":"add_entry","text":"load test entry","minutes":1}]}'
  return wrk.format("POST", "/api/v1/tickets/" .. numbers[(i % #numbers) + 1] .. "/edit",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
end
LUA

echo "== 50 clients searching and 4 editing for $DURATION (load average before: $(cut -d" " -f1-3 /proc/loadavg))"
wrk -t 2 -c 50 -d "$DURATION" --timeout 10s --latency -H "$AUTH" "$BASE$SEARCH" > "$WORK/wrk-search.txt" &
READERS=$!
wrk -t 1 -c 4 -d "$DURATION" --timeout 10s --latency -s "$WORK/edit.lua" "$BASE" > "$WORK/wrk-edit.txt"
wait $READERS
echo "-- searching (50 connections)"; cat "$WORK/wrk-search.txt"
echo "-- editing (4 connections)"; cat "$WORK/wrk-edit.txt"
sleep 1
AFTER=$(minutes)
DONE=$(awk '/requests in/ {print $1}' "$WORK/wrk-edit.txt")
echo "== entries: $((AFTER - BEFORE)) written, $DONE acknowledged (≥ acknowledged, at most 4 more in flight at the end)"
