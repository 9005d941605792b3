#!/usr/bin/env bash
# sync.md 4, whole processes, side by side with git doing the nearest equivalent:
#   - `ticket sync` of two copies already in sync (N tickets)   vs `git fetch` with nothing new
#   - syncing 10,000 new change sets from one copy to another    vs `git fetch` of 10,000 new commits
#   - `ticket clone` of the N-ticket silo                          vs its `ticket rebuild`
#   - `ticket undo`
# Needs: cargo build --release -p ticket-cli -p ticket-benches --features ticket-benches/silo; git;
# farm-bench (the workplace's timer). N defaults to 100000.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${N:-100000}"
T="$PWD/target/release/ticket"
B="$PWD/target/release/ticket-benches"
W="${WORK:-/tmp/ticket-sync-bench}"
rm -rf "$W"; mkdir -p "$W"
export TICKET_USER=bench
"$B" bulk "$N" "$W/a"
"$T" clone "$W/a" "$W/b" >/dev/null

echo "== clone of $N tickets vs rebuild of the same silo"
farm-bench -n 3 --timeout 900 --vs "$T --silo $W/b rebuild" -- sh -c "rm -rf $W/c && exec $T clone $W/a $W/c"

echo "== sync, already in sync ($N tickets each)"
git init -q "$W/ga"; (cd "$W/ga" && for i in $(seq 1 200); do echo "$i" > f; git add f; git -c user.name=b -c user.email=b@b commit -qm "$i"; done)
git clone -q "$W/ga" "$W/gb"
farm-bench -n 10 --vs "git -C $W/gb fetch -q origin" -- "$T" --silo "$W/a" -q sync "$W/b"

echo "== 10,000 new change sets from a to b"
# 10,000 one-record change sets on a (tags), timed as one sync into a fresh clone each run
"$B" tag-sets 10000 "$W/a"
{ for i in $(seq 1 10000); do printf 'commit refs/heads/master\ncommitter b <b@b> %d +0000\ndata 2\nx\nM 644 inline f%d\ndata 2\n%d\n\n' "$((1700000000+i))" "$i" "$i"; done; } > "$W/fi"
git -C "$W/ga" checkout -q -b fi; git -C "$W/ga" fast-import --quiet --force < "$W/fi" >/dev/null 2>&1 || true
farm-bench -n 3 --timeout 900 \
  --vs "sh -c 'rm -rf $W/gc && git clone -q --no-checkout $W/gb $W/gc && exec git -C $W/gc fetch -q $W/ga master'" \
  -- sh -c "rm -rf $W/c && cp -r $W/b $W/c && exec $T --silo $W/c -q sync $W/a --pull"

echo "== undo"
farm-bench -n 10 -- sh -c "$T --silo $W/a -q ag 1 undo-me && exec $T --silo $W/a -q undo"
