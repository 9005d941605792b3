-- A team silo of schema version 6 brought to 7 (a directory silo stays at 6): each ticket's
-- row holds its uuid, copied from `ticket_ids` when the row is written, so that a listing
-- reads it with the row instead of probing `ticket_ids` once per ticket (a third of a
-- listing's time on the server; benches/README.md, session 13). Made with the new tables
-- too (`create` runs this after `schema.sql`).
ALTER TABLE tickets ADD COLUMN IF NOT EXISTS uuid TEXT COLLATE "C";
UPDATE tickets t SET uuid = i.uuid FROM ticket_ids i WHERE i.id = t.id AND t.uuid IS DISTINCT FROM i.uuid;
