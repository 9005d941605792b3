-- Schema version 4: two copies fewer (ARCHITECTURE.md, "Schema 4"). Derived tables only; a
-- rebuild from the log fills them again (the migration step runs it).
-- * `tickets` loses its uuid: `ticket_ids` holds it once (id -> uuid), and the rows the
--   searches read get shorter.
DROP TABLE tickets;
CREATE TABLE tickets (
    id INTEGER PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    status INTEGER NOT NULL,
    opened TEXT NOT NULL,
    last_update TEXT NOT NULL,
    earliest TEXT
);
CREATE INDEX tickets_number_order ON tickets(length(number), number, status);
CREATE INDEX tickets_status ON tickets(status);
CREATE INDEX tickets_last_update ON tickets(last_update);
CREATE INDEX tickets_opened ON tickets(opened);
CREATE INDEX tickets_earliest ON tickets(earliest);
-- * `properties` is kept in ticket order (a table without row ids, keyed by ticket, key and
--   the value's place among the ticket's values, counted from 1 as they are applied), so
--   the separate `properties_ticket` index goes.
DROP TABLE properties;
CREATE TABLE properties (
    ticket_id INTEGER NOT NULL,
    key_lc TEXT NOT NULL,
    id INTEGER NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    value_lc TEXT NOT NULL,
    value_num REAL,
    value_date TEXT,
    target INTEGER,
    PRIMARY KEY (ticket_id, key_lc, id)
) WITHOUT ROWID;
CREATE INDEX properties_kv ON properties(key_lc, value_lc, ticket_id);
CREATE INDEX properties_num ON properties(key_lc, value_num, ticket_id) WHERE value_num IS NOT NULL;
CREATE INDEX properties_date ON properties(key_lc, value_date, ticket_id) WHERE value_date IS NOT NULL;
-- * The log's per-record ticket index goes: `ticket_runs` holds each ticket's runs of
--   consecutive records (a row per run, not an index entry per record), written when a
--   transaction's sets are indexed; the migration step fills it for the whole log.
DROP INDEX changes_ticket;
CREATE TABLE ticket_runs (
    ticket INTEGER NOT NULL,
    first INTEGER NOT NULL,
    last INTEGER NOT NULL,
    PRIMARY KEY (ticket, first)
) WITHOUT ROWID;
-- * The undo records (op 16, whose value names the undone set) get a partial index of their
--   own: the timeline marks undone sets by reading it instead of scanning the whole log.
CREATE INDEX changes_undo ON changes(value) WHERE op = 16;
