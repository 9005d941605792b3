-- Schema version 5: the repairs (ARCHITECTURE.md, "Issue 13: merge chains and repairs in the
-- history"). A derived table like the others: the projection writes a row where a record met
-- a state only a peer's records make and repaired it (sync.md 2), under that record's local
-- row id; `rebuild` empties and refills it. The migration step then rebuilds, so that the
-- repairs of the log's past records are there too.
CREATE TABLE repairs (
    change INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX repairs_ticket ON repairs(ticket_id);
