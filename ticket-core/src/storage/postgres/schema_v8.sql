-- A team silo of schema version 7 brought to 8 (a directory silo stays at 6): the triggers
-- that note stale list rows fire once per statement, not once per row. A kept row is
-- written with others, hundreds to an `INSERT … SELECT FROM unnest(…)`, and a row trigger
-- ran its function (an `INSERT INTO list_stale … ON CONFLICT`) for each of them; a
-- statement trigger reads the statement's rows from its transition table and notes each
-- ticket once. One trigger per event: PostgreSQL allows transition tables only on a
-- trigger of one event, and not on one limited to columns (the entries' trigger so fires on
-- any update of `entry_rows`: a removal, a restore, a renumbering, all rare).
CREATE OR REPLACE FUNCTION list_rows_stale_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO list_stale (ticket_id) SELECT DISTINCT ticket_id FROM new_rows ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION list_rows_stale_old() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO list_stale (ticket_id) SELECT DISTINCT ticket_id FROM old_rows ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION list_rows_stale_both() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO list_stale (ticket_id)
    SELECT ticket_id FROM old_rows UNION SELECT ticket_id FROM new_rows ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;
-- (idempotent: an upgrade may meet the new triggers made already)
DO $$
DECLARE t text; e text;
BEGIN
  FOREACH t IN ARRAY ARRAY['tags', 'properties', 'entry_rows'] LOOP
    EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I', t || '_list', t);
    FOREACH e IN ARRAY ARRAY['insert', 'delete', 'update'] LOOP
      EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I', t || '_list_' || e, t);
    END LOOP;
  END LOOP;
END $$;
DROP FUNCTION IF EXISTS list_row_stale();
CREATE TRIGGER tags_list_insert AFTER INSERT ON tags
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION list_rows_stale_new();
CREATE TRIGGER tags_list_delete AFTER DELETE ON tags
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION list_rows_stale_old();
CREATE TRIGGER tags_list_update AFTER UPDATE ON tags
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION list_rows_stale_both();
CREATE TRIGGER properties_list_insert AFTER INSERT ON properties
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION list_rows_stale_new();
CREATE TRIGGER properties_list_delete AFTER DELETE ON properties
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION list_rows_stale_old();
CREATE TRIGGER properties_list_update AFTER UPDATE ON properties
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION list_rows_stale_both();
CREATE TRIGGER entry_rows_list_insert AFTER INSERT ON entry_rows
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION list_rows_stale_new();
CREATE TRIGGER entry_rows_list_delete AFTER DELETE ON entry_rows
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION list_rows_stale_old();
CREATE TRIGGER entry_rows_list_update AFTER UPDATE ON entry_rows
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION list_rows_stale_both();
