-- Schema version 6: a list row per ticket (ARCHITECTURE.md, "Issue 16: the list row").
-- `tickets.list_row` holds what a listing shows besides the ticket's own columns (total
-- minutes, tags by lower case, properties in applied order: `storage/list_rows.rs` gives
-- the format), so a listing reads one row per ticket and no detail tables. It is derived like the rest: the
-- triggers below note every ticket whose tags, properties or entries a statement changed in
-- `list_stale`, and the end of each change set (`storage::list_rows::refresh`) rewrites
-- those tickets' list rows and empties the table, inside the same transaction, so no reader
-- ever sees a stale row. `rebuild` writes every ticket's list row once at the end instead.
-- A new ticket starts with NULL, the empty list row, until a trigger notes it.
ALTER TABLE tickets ADD COLUMN list_row TEXT;
CREATE TABLE list_stale (ticket_id INTEGER PRIMARY KEY);
CREATE TRIGGER tags_list_insert AFTER INSERT ON tags
  BEGIN INSERT OR IGNORE INTO list_stale (ticket_id) VALUES (new.ticket_id); END;
CREATE TRIGGER tags_list_delete AFTER DELETE ON tags
  BEGIN INSERT OR IGNORE INTO list_stale (ticket_id) VALUES (old.ticket_id); END;
CREATE TRIGGER properties_list_insert AFTER INSERT ON properties
  BEGIN INSERT OR IGNORE INTO list_stale (ticket_id) VALUES (new.ticket_id); END;
CREATE TRIGGER properties_list_delete AFTER DELETE ON properties
  BEGIN INSERT OR IGNORE INTO list_stale (ticket_id) VALUES (old.ticket_id); END;
CREATE TRIGGER properties_list_update AFTER UPDATE ON properties
  BEGIN INSERT OR IGNORE INTO list_stale (ticket_id) VALUES (old.ticket_id), (new.ticket_id); END;
CREATE TRIGGER entry_rows_list_insert AFTER INSERT ON entry_rows
  BEGIN INSERT OR IGNORE INTO list_stale (ticket_id) VALUES (new.ticket_id); END;
CREATE TRIGGER entry_rows_list_delete AFTER DELETE ON entry_rows
  BEGIN INSERT OR IGNORE INTO list_stale (ticket_id) VALUES (old.ticket_id); END;
CREATE TRIGGER entry_rows_list_update AFTER UPDATE OF minutes, removed, ticket_id ON entry_rows
  BEGIN INSERT OR IGNORE INTO list_stale (ticket_id) VALUES (old.ticket_id), (new.ticket_id); END;
