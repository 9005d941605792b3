-- Schema version 1: the change log and the tables derived from it (see ARCHITECTURE.md).
CREATE TABLE changes (
    seq INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    set_id TEXT NOT NULL,
    ticket_uuid TEXT NOT NULL,
    at TEXT NOT NULL,
    author TEXT NOT NULL,
    op TEXT NOT NULL,
    key TEXT,
    old_value TEXT,
    new_value TEXT,
    item INTEGER,
    minutes INTEGER,
    size INTEGER,
    sha256 TEXT
);
CREATE INDEX changes_ticket ON changes(ticket_uuid, at, uuid);
CREATE INDEX changes_order ON changes(at, uuid);

CREATE TABLE tickets (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    number TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    status INTEGER NOT NULL,
    opened TEXT NOT NULL,
    last_update TEXT NOT NULL,
    earliest TEXT
);
CREATE INDEX tickets_number_order ON tickets(length(number), number);
CREATE INDEX tickets_status ON tickets(status);
CREATE INDEX tickets_last_update ON tickets(last_update);
CREATE INDEX tickets_opened ON tickets(opened);
CREATE INDEX tickets_earliest ON tickets(earliest);

CREATE TABLE tags (
    ticket_id INTEGER NOT NULL,
    tag TEXT NOT NULL,
    tag_lc TEXT NOT NULL,
    PRIMARY KEY (ticket_id, tag_lc)
) WITHOUT ROWID;
CREATE INDEX tags_lc ON tags(tag_lc, ticket_id);

CREATE TABLE properties (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL,
    key TEXT NOT NULL,
    key_lc TEXT NOT NULL,
    value TEXT NOT NULL,
    value_lc TEXT NOT NULL,
    value_num REAL,
    value_date TEXT
);
CREATE INDEX properties_ticket ON properties(ticket_id, key_lc);
CREATE INDEX properties_kv ON properties(key_lc, value_lc, ticket_id);
CREATE INDEX properties_num ON properties(key_lc, value_num, ticket_id);
CREATE INDEX properties_date ON properties(key_lc, value_date, ticket_id);

CREATE TABLE entries (
    ticket_id INTEGER NOT NULL,
    n INTEGER NOT NULL,
    text TEXT NOT NULL,
    author TEXT NOT NULL,
    at TEXT NOT NULL,
    minutes INTEGER NOT NULL DEFAULT 0,
    removed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (ticket_id, n)
) WITHOUT ROWID;

CREATE TABLE attachments (
    ticket_id INTEGER NOT NULL,
    n INTEGER NOT NULL,
    name TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    comment TEXT NOT NULL,
    author TEXT NOT NULL,
    at TEXT NOT NULL,
    removed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (ticket_id, n)
) WITHOUT ROWID;

CREATE VIRTUAL TABLE ticket_fts USING fts5(title, summary, entries, tokenize = 'unicode61 remove_diacritics 0');

CREATE TABLE numbering (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_x INTEGER,
    issued INTEGER NOT NULL
);
INSERT INTO numbering (id, last_x, issued) VALUES (1, NULL, 0);
