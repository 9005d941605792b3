-- Schema version 2: the same tables, written more cheaply (see ARCHITECTURE.md, "Schema").
-- * The numbering-order index also holds the status, so a search by status listed in number
--   order (`s:*`, the commonest list) reads that index alone, never the ticket rows.
DROP INDEX tickets_number_order;
CREATE INDEX tickets_number_order ON tickets(length(number), number, status);
-- * Number and date indexes only hold rows that have a number or a date: a comparison
--   (`value_num > ?`, `value_date >= ?`) implies IS NOT NULL, so searches still use them, and
--   most property values (names, words) no longer cost two index entries each.
DROP INDEX properties_num;
CREATE INDEX properties_num ON properties(key_lc, value_num, ticket_id) WHERE value_num IS NOT NULL;
DROP INDEX properties_date;
CREATE INDEX properties_date ON properties(key_lc, value_date, ticket_id) WHERE value_date IS NOT NULL;
-- * The change log loses one of its four b-trees: `(at, uuid)` is unique (a record's uuid
--   is) and serves replay order, `max(at)` and duplicate detection on import at once; a
--   ticket's history is found by its uuid (its few records are then sorted by time).
CREATE TABLE changes_v2 (
    seq INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL,
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
    sha256 TEXT,
    UNIQUE (at, uuid)
);
INSERT INTO changes_v2 SELECT * FROM changes ORDER BY seq;
DROP TABLE changes;
ALTER TABLE changes_v2 RENAME TO changes;
CREATE INDEX changes_ticket ON changes(ticket_uuid);
-- * The full-text index keeps no copy of the texts (they are in `tickets` and `entries`, and
--   in the change log): contentless, with deletes by rowid.
DROP TABLE ticket_fts;
CREATE VIRTUAL TABLE ticket_fts USING fts5(title, summary, entries, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 0');
INSERT INTO ticket_fts (rowid, title, summary, entries)
  SELECT t.id, t.title, t.summary, coalesce(e.texts, '') FROM tickets t
  LEFT JOIN (SELECT ticket_id, group_concat(text, char(10)) AS texts FROM entries WHERE removed = 0 GROUP BY ticket_id) e ON e.ticket_id = t.id;
