-- Schema version 3: the compact, causally ordered change log (sync.md 1, ARCHITECTURE.md).
-- The old `changes` table is converted by Rust code (`log::migrate`) between this script and
-- `schema_v3_post.sql`.
ALTER TABLE changes RENAME TO changes_v2;
CREATE TABLE replicas (id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE);
CREATE TABLE log_meta (id INTEGER PRIMARY KEY CHECK (id = 1), replica INTEGER NOT NULL);
CREATE TABLE ticket_ids (id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE);
CREATE TABLE change_sets (
    id INTEGER PRIMARY KEY,
    clock INTEGER NOT NULL,
    replica INTEGER NOT NULL,
    at TEXT NOT NULL,
    author TEXT NOT NULL,
    records INTEGER NOT NULL DEFAULT 0,
    UNIQUE (clock, replica)
);
CREATE TABLE changes (
    id INTEGER PRIMARY KEY,
    ticket INTEGER NOT NULL,
    op INTEGER NOT NULL,
    key TEXT,
    value TEXT,
    num INTEGER,
    sha TEXT
);
