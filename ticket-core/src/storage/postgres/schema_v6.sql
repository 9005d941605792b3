-- A team silo of schema version 5 brought to 6: the list row per ticket and the triggers
-- that note stale ones (as in `schema.sql`; the SQLite file `schema_v6.sql` explains them).
-- Every ticket's list row is written right after, in the same transaction.
ALTER TABLE tickets ADD COLUMN IF NOT EXISTS list_row TEXT;
CREATE TABLE IF NOT EXISTS list_stale (ticket_id BIGINT PRIMARY KEY);
CREATE OR REPLACE FUNCTION list_row_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    INSERT INTO list_stale (ticket_id) VALUES (OLD.ticket_id) ON CONFLICT DO NOTHING;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO list_stale (ticket_id) VALUES (NEW.ticket_id) ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS tags_list ON tags;
CREATE TRIGGER tags_list AFTER INSERT OR DELETE OR UPDATE ON tags
  FOR EACH ROW EXECUTE FUNCTION list_row_stale();
DROP TRIGGER IF EXISTS properties_list ON properties;
CREATE TRIGGER properties_list AFTER INSERT OR DELETE OR UPDATE ON properties
  FOR EACH ROW EXECUTE FUNCTION list_row_stale();
DROP TRIGGER IF EXISTS entry_rows_list ON entry_rows;
CREATE TRIGGER entry_rows_list AFTER INSERT OR DELETE OR UPDATE OF minutes, removed, ticket_id ON entry_rows
  FOR EACH ROW EXECUTE FUNCTION list_row_stale();
