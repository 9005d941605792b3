-- A team silo of schema version 4 brought to 5: the derived table of repairs (as in
-- `schema.sql`); the rebuild that fills it follows in the same transaction.
CREATE TABLE IF NOT EXISTS repairs (
    change BIGINT PRIMARY KEY,
    ticket_id BIGINT NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS repairs_ticket ON repairs(ticket_id);
