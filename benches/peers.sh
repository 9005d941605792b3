#!/usr/bin/env bash
# Peer comparison (quality spec §1): the same N generated tickets (default 10k) in a ticket silo,
# a Taskwarrior 2.6 data directory and a Fossil repository; equivalent filter + list queries
# timed with hyperfine; medians side by side with the ratio (target: ticket ≥ 10× faster).
#
# Usage: benches/peers.sh [WORKDIR]      (env: N=10000 RUNS=10 KEEP=1 to keep WORKDIR,
#                                        FLOOR=1 for the listing floor at the end)
#
# Every tool lists complete records of the matching tickets in a machine-readable form:
#   ticket --format json lt KEY SORT | task FILTER export | fossil ticket show 0 'WHERE'
# Nothing touches the user's configuration: TICKET_CONFIG, TICKET_SILO, TASKRC, TASKDATA
# and HOME point into WORKDIR.
set -euo pipefail

N=${N:-10000}
RUNS=${RUNS:-10}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${1:-$(mktemp -d /tmp/ticket-peers.XXXXXX)}
mkdir -p "$WORK"
[ -n "${1:-}" ] || [ -n "${KEEP:-}" ] || trap 'rm -rf "$WORK"' EXIT

need() { # need COMMAND PACKAGE
    command -v "$1" >/dev/null 2>&1 && return
    echo "installing $2" >&2
    apt-get update -qq && apt-get install -y -qq "$2" >/dev/null
}
need task taskwarrior
need fossil fossil
need hyperfine hyperfine
need python3 python3

echo "== building (release)" >&2
(cd "$ROOT" && cargo build --release -q -p ticket-benches --features silo -p ticket-cli)
BIN=$ROOT/target/release

export HOME=$WORK/home TICKET_CONFIG=$WORK/config.json TICKET_SILO=$WORK/silo
export TICKET_NOW=2024-06-28T12:00:00Z TICKET_USER=bench USER=bench
export TASKRC=$WORK/taskrc TASKDATA=$WORK/task
mkdir -p "$HOME" "$TASKDATA"

echo "== $N tickets" >&2
if [ ! -d "$WORK/silo" ]; then
    "$BIN/ticket-benches" gen "$N" "$WORK/silo"
fi
if [ ! -f "$TASKDATA/pending.data" ]; then
    "$BIN/ticket-benches" export-taskwarrior "$N" "$WORK/tasks.json"
    cat > "$TASKRC" <<RC
data.location=$TASKDATA
confirmation=off
verbose=nothing
hooks=off
gc=off
uda.assigned.type=string
uda.client.type=string
uda.estimate.type=numeric
RC
    task import "$WORK/tasks.json" >/dev/null
fi
if [ ! -f "$WORK/repo.fossil" ]; then
    echo "   (fossil ticket add, one process per ticket: a few minutes)" >&2
    "$BIN/ticket-benches" fossil "$N" "$WORK/repo.fossil"
fi

T="$BIN/ticket --format json"
FS="fossil ticket show -R $WORK/repo.fossil 0"
ACTIVE="status IN ('Open','In_Progress','Blocked','Waiting','Postponed')"

# name | ticket args | taskwarrior filter | fossil WHERE
QUERIES=(
"active|lt 's:*'|status:pending|$ACTIVE"
"active+tag|lt 's:* g=tag7'|status:pending +tag7|$ACTIVE AND tags LIKE '% tag7 %'"
"assigned|lt 'p=assigned=user3:'|assigned:user3|assigned = 'user3'"
"deadline 30d|lt 'p=deadline:].:[+30d:' d|due.after:2024-06-27 due.before:2024-07-29|deadline BETWEEN '2024-06-28' AND '2024-07-28'"
"title word|lt 't:disk'|description.has:disk|title LIKE '%disk%'"
"estimate>3|lt 's:* p=estimate:>3:'|status:pending estimate.above:3|$ACTIVE AND CAST(estimate AS REAL) > 3"
)

i=0
for q in "${QUERIES[@]}"; do
    IFS='|' read -r name targs tfilter fwhere <<<"$q"
    i=$((i + 1))
    echo "== $name" >&2
    hyperfine -N --warmup 2 --runs "$RUNS" --style none \
        --export-json "$WORK/hf-$i.json" \
        -n ticket "$T $targs" \
        -n task "task $tfilter export" \
        -n fossil "$FS \"$fwhere\"" >/dev/null 2>&1 \
        || hyperfine --warmup 2 --runs "$RUNS" --style none --export-json "$WORK/hf-$i.json" \
            -n ticket "$T $targs" -n task "task $tfilter export" -n fossil "$FS \"$fwhere\"" >/dev/null
    # result counts, to show the three answer the same question
    c_ticket=$(eval "$BIN/ticket ltn $(echo "$targs" | sed 's/^lt //')" | wc -l)
    c_task=$(eval "task $tfilter count")
    c_fossil=$(eval "$FS \"$fwhere\"" | tail -n +2 | grep -c '^[0-9]' || true)
    echo "$name|$c_ticket|$c_task|$c_fossil" >>"$WORK/counts.txt"
done

python3 - "$WORK" "${#QUERIES[@]}" <<'PY'
import json, sys, statistics
work, n = sys.argv[1], int(sys.argv[2])
counts = [l.rstrip("\n").split("|") for l in open(f"{work}/counts.txt")][-n:]
print(f"{'query':<14} {'rows t/tw/f':>18} {'ticket ms':>10} {'task ms':>9} {'fossil ms':>10} {'task/ticket':>12} {'fossil/ticket':>14}")
worst = None
for i in range(1, n + 1):
    res = {r["command"]: statistics.median(r["times"]) * 1000 for r in json.load(open(f"{work}/hf-{i}.json"))["results"]}
    name, ct, cw, cf = counts[i - 1]
    rt, rf = res["task"] / res["ticket"], res["fossil"] / res["ticket"]
    worst = min(worst or rt, rt, rf)
    print(f"{name:<14} {ct+'/'+cw+'/'+cf:>18} {res['ticket']:>10.1f} {res['task']:>9.1f} {res['fossil']:>10.1f} {rt:>11.1f}× {rf:>13.1f}×")
print(f"smallest ratio: {worst:.1f}× (target ≥ 10×)")
PY

# FLOOR=1: whole-row listings of the active tickets against Fossil's, beside SQLite's own
# shell printing the stored row of the same tickets from the same file (one table, no join,
# the list row's tags and properties left as stored), and each program's start with nothing
# to list: how far below Fossil any SQLite-based listing can go on this machine (issue 16).
# A/B pairs by benches/pair.py, CPU; B is always Fossil.
if [ -n "${FLOOR:-}" ]; then
    need sqlite3 sqlite3
    DB=$WORK/silo/silo.db
    ROWS="SELECT number, title, summary, status, opened, last_update, earliest, list_row
          FROM tickets WHERE status < 5 ORDER BY length(number), number"
    floor() { # floor LABEL "FOSSIL WHERE" A ARGS...
        local label=$1 where=$2
        shift 2
        echo "== $label (B: fossil ticket show 0 \"$where\")"
        python3 "$ROOT/benches/pair.py" -n "$RUNS" --vs "$FS \"$where\"" -- "$@" | grep -E 'cpu|A/B'
    }
    for f in json csv text; do
        floor "ticket --format $f lt 's:*'" "$ACTIVE" "$BIN/ticket" --format "$f" lt 's:*'
    done
    for m in list csv json; do
        floor "sqlite3 -$m, the stored rows" "$ACTIVE" sqlite3 "-$m" "$DB" "$ROWS"
    done
    floor "nothing listed: ticket" "1 = 0" "$BIN/ticket" --format json lt 'p=nothing=x:'
    floor "nothing listed: sqlite3" "1 = 0" sqlite3 -list "$DB" "$ROWS LIMIT 0"
fi
