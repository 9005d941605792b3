#!/usr/bin/env bash
# Whole-process CLI figures (quality spec §1):
#  - `ticket ltn KEY SORT` on a 100k-ticket silo: hyperfine median (target ≤ 60 ms);
#  - peak RSS of searches on a 1M-ticket silo with /usr/bin/time -v (target ≤ 150 MB).
#
# Usage: benches/cli_ltn.sh [WORKDIR]   (env: N=100000 BIG=1000000 RUNS=20 SKIP_BIG=1)
# The generated silos are kept in WORKDIR (default target/bench-silos) and reused.
set -euo pipefail

N=${N:-100000}
BIG=${BIG:-1000000}
RUNS=${RUNS:-20}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${1:-$ROOT/target/bench-silos}
mkdir -p "$WORK"
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine; }
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time; }

(cd "$ROOT" && cargo build --release -q -p ticket-benches --features silo -p ticket-cli)
BIN=$ROOT/target/release
export HOME=$WORK/home TICKET_CONFIG=$WORK/config.json TICKET_NOW=2024-06-28T12:00:00Z TICKET_USER=bench
mkdir -p "$HOME"

silo() { # silo N → path, generated once
    local dir=$WORK/silo-$1
    [ -f "$dir/silo.db" ] || "$BIN/ticket-benches" gen "$1" "$dir" >&2
    echo "$dir"
}

S=$(silo "$N")
echo "== ticket ltn on $N tickets ($S)"
hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$WORK/ltn-$N.json" \
    "$BIN/ticket --silo $S ltn 's:* g=tag7' d" \
    "$BIN/ticket --silo $S ltn 'p^assigned=user3:' '!vpriority:d'" \
    "$BIN/ticket --silo $S ltn 's:*' ''" \
    "$BIN/ticket --silo $S ltn 'x:restic' ''" >/dev/null
python3 - "$WORK/ltn-$N.json" <<'PY'
import json, sys, statistics
for r in json.load(open(sys.argv[1]))["results"]:
    print(f"median {statistics.median(r['times'])*1000:8.1f} ms  (target ≤ 60)  {r['command'].split(' ltn ',1)[1]}")
PY

[ -n "${SKIP_BIG:-}" ] && exit 0
B=$(silo "$BIG")
echo "== peak RSS on $BIG tickets ($B), target ≤ 150 MB"
for args in "ct 's:*'" "quiet ltn 's:*' '!vpriority:d'" "--format json lt 's:* g=tag7' d" "--format json lt '' ''"; do
    eval "/usr/bin/time -v $BIN/ticket --silo $B $args" 2>"$WORK/time.txt" >/dev/null
    kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time.txt")
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$WORK/time.txt")
    printf 'peak RSS %7.1f MB  wall %s  ticket %s\n' "$(echo "$kb/1024" | bc -l)" "$wall" "$args"
done
