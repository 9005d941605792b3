#!/usr/bin/env bash
# sync.md 4, whole processes, side by side with git doing the nearest equivalent:
#   - `ticket sync` of two copies already in sync (N tickets)   vs `git fetch` with nothing new
#   - syncing 10,000 new change sets from one copy to another    vs `git fetch` of 10,000 new commits
#   - `ticket clone` of the N-ticket silo                          vs its `ticket rebuild`
#   - `ticket undo`
# Needs: cargo build --release -p ticket-cli -p ticket-benches --features ticket-benches/silo; git;
# python3 (benches/pair.py times the runs). N defaults to 100000.
#
# Copies made for a run are flushed (`sync`) before it is timed: a copy's dirty pages would
# otherwise be written out by the first fsync of the command under test (a 10,000-set pull
# into a copy just made by `cp -r` spent 0.5 s of its 1.2 s flushing the copy).
set -euo pipefail
cd "$(dirname "$0")/.."
N="${N:-100000}"
RUNS="${RUNS:-5}"
T="$PWD/target/release/ticket"
B="$PWD/target/release/ticket-benches"
P="python3 $PWD/benches/pair.py"
W="${WORK:-/tmp/ticket-sync-bench}"
rm -rf "$W"; mkdir -p "$W"
export TICKET_USER=bench
"$B" bulk "$N" "$W/a"
"$T" clone "$W/a" "$W/b" >/dev/null

echo "== clone of $N tickets vs rebuild of the same silo"
$P -n 3 --prepare "rm -rf $W/c; sync" --vs "$T --silo $W/b rebuild" -- "$T" clone "$W/a" "$W/c"

echo "== sync, already in sync ($N tickets each)"
git init -q "$W/ga"; (cd "$W/ga" && for i in $(seq 1 200); do echo "$i" > f; git add f; git -c user.name=b -c user.email=b@b commit -qm "$i"; done)
git clone -q "$W/ga" "$W/gb"
$P -n 10 --vs "git -C $W/gb fetch -q origin" -- "$T" --silo "$W/a" -q sync "$W/b"

echo "== 10,000 new change sets from a to b"
# 10,000 one-record change sets on a (a tag each), pulled into a fresh copy of b each run;
# git: 10,000 commits, each changing one line of one small file, on top of the history the
# clone already has, fetched into a fresh copy of the clone
"$B" tag-sets 10000 "$W/a"
branch=$(git -C "$W/ga" symbolic-ref --short HEAD)
{
    for i in $(seq 1 10000); do
        printf 'commit refs/heads/%s\ncommitter b <b@b> %d +0000\ndata 2\nx\n' "$branch" "$((1700000000 + i))"
        [ "$i" = 1 ] && printf 'from refs/heads/%s^0\n' "$branch"
        printf 'M 644 inline f\ndata %d\n%d\n\n' "$((${#i} + 1))" "$i"
    done
} > "$W/fi"
git -C "$W/ga" fast-import --quiet < "$W/fi"
echo "git: $(git -C "$W/ga" rev-list --count HEAD) commits in a, $(git -C "$W/gb" rev-list --count HEAD) in b"
$P -n "$RUNS" --prepare "rm -rf $W/c $W/gc && cp -r $W/b $W/c && cp -r $W/gb $W/gc && sync" \
  --vs "git -C $W/gc fetch -q origin" \
  -- "$T" --silo "$W/c" -q sync "$W/a" --pull

echo "== undo"
$P -n 10 --prepare "$T --silo $W/a -q ag 1 undo-me" -- "$T" --silo "$W/a" -q undo
