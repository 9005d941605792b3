-- Schema version 3, after the old log is converted: the old log goes, and the derived tables that refer to records are made again (empty: a rebuild fills them).
DROP TABLE changes_v2;
CREATE INDEX changes_ticket ON changes(ticket);
DROP TABLE entries;
CREATE TABLE entry_rows (
    ticket_id INTEGER NOT NULL,
    n INTEGER NOT NULL,
    change INTEGER NOT NULL,
    minutes INTEGER NOT NULL,
    removed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (ticket_id, n)
) WITHOUT ROWID;
CREATE VIEW entries AS
  SELECT e.ticket_id, e.n, c.value AS text, s.author, s.at, e.minutes, e.removed, e.change
  FROM entry_rows e JOIN changes c ON c.id = e.change JOIN change_sets s ON s.id = c.id >> 16;
DROP TABLE attachments;
CREATE TABLE attachments (
    ticket_id INTEGER NOT NULL,
    n INTEGER NOT NULL,
    change INTEGER NOT NULL,
    name TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    comment TEXT NOT NULL,
    author TEXT NOT NULL,
    at TEXT NOT NULL,
    removed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (ticket_id, n)
) WITHOUT ROWID;
ALTER TABLE properties ADD COLUMN target INTEGER;
-- ticket uuids are looked up in ticket_ids: the derived copy needs no index of its own
DROP TABLE tickets;
CREATE TABLE tickets (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL,
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
