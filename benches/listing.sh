#!/usr/bin/env bash
# Listing whole rows (quality spec §1, issue 16): `ticket lt ''` in JSON, CSV and text against the
# `sqlite3` shell printing the same fields from the same file (number, uuid, status, title, summary,
# opened, last_update, tags and properties through group_concat subqueries, total minutes), in the
# same order; A/B pairs with benches/pair.py (A = ticket, B = the shell); then the peak RSS of `lt 's:*'`
# in every format on each silo given.
#
# Usage: benches/listing.sh SILO [SILO ...]   (env: RUNS=10, BIN=target/release)
# The silos come from `ticket-benches gen N DIR` (or `bulk N DIR`); nothing is written to them.
# The system sqlite3 (3.40) reads these tables; it cannot read the full-text index, which no
# listing touches.
set -euo pipefail

RUNS=${RUNS:-10}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$ROOT/target/release}
T=$BIN/ticket
[ -x "$T" ] || (cd "$ROOT" && cargo build --release -q -p ticket-cli)
command -v sqlite3 >/dev/null || { apt-get update -qq && apt-get install -y -qq sqlite3; }

WORK=$(mktemp -d /tmp/ticket-listing.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
export HOME=$WORK TICKET_CONFIG=$WORK/config.json TICKET_NOW=2024-06-28T12:00:00Z TICKET_USER=bench

cat >"$WORK/rows.sql" <<'SQL'
SELECT t.number, (SELECT uuid FROM ticket_ids WHERE id = t.id) AS uuid, t.status, t.title,
       t.summary, t.opened, t.last_update,
       (SELECT group_concat(tag, ' ') FROM tags WHERE ticket_id = t.id) AS tags,
       (SELECT group_concat(key || '=' || value, ' ') FROM properties WHERE ticket_id = t.id) AS properties,
       (SELECT sum(minutes) FROM entry_rows WHERE ticket_id = t.id AND removed = 0) AS total_minutes
FROM tickets t ORDER BY length(t.number), t.number;
SQL

pair() { # pair LABEL "B command (split as a shell splits)" A ARGS...
    local label=$1 b=$2
    shift 2
    echo "== $label"
    python3 "$ROOT/benches/pair.py" -n "$RUNS" --vs "$b" -- "$@"
}

for S in "$@"; do
    DB=$S/silo.db
    n=$("$T" --silo "$S" ct '')
    echo "#### $S ($n tickets)"
    pair "json: ticket --format json lt '' vs sqlite3 -json" \
        "sqlite3 -json $DB '.read $WORK/rows.sql'" "$T" --silo "$S" --format json lt ''
    pair "csv: ticket --format csv lt '' vs sqlite3 -csv -header" \
        "sqlite3 -csv -header $DB '.read $WORK/rows.sql'" "$T" --silo "$S" --format csv lt ''
    pair "text: ticket lt '' vs sqlite3 -column -header (aligned)" \
        "sqlite3 -column -header $DB '.read $WORK/rows.sql'" "$T" --silo "$S" lt ''
    pair "text: ticket lt '' vs sqlite3 -list (not aligned)" \
        "sqlite3 -list $DB '.read $WORK/rows.sql'" "$T" --silo "$S" lt 
    for f in text json csv; do
        /usr/bin/time -f "peak RSS $f lt 's:*': %M KB, %e s wall, %U+%S s cpu" \
            "$T" --silo "$S" --format "$f" lt 's:*' >/dev/null
    done
done
