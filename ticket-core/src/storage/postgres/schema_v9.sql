-- A team silo of schema version 8 brought to 9 (a directory silo stays at 6): the first
-- change set of a writer that read its ticket before taking the writers' lock
-- (`Silo::write_guarded`; ARCHITECTURE.md, "Session 18"), in one statement: the lock, the
-- check that the ticket is as the writer read it, and the set's row with its clock (and,
-- when its records are known already, their count and the ticket's runs).
--
-- A ticket's row gets a new version (`xmin`) from every change set that changes what a
-- guarded write's rules read (title, summary, status, number, tags, property values): its
-- own columns, or its list row, which every tag, property and entry change refreshes. So if
-- the row's version is still the one the writer read, nothing the writer's rules read about
-- the ticket has changed and its decision stands; otherwise the function
-- fails with SQLSTATE TK001, the transaction is rolled back, and the writer runs again the
-- way every writer runs (the lock first, then its reads). The clock is one more than the
-- greatest in the log, or the writer's wall clock if that is greater (`log::next_clock`),
-- read under the lock: each statement of a volatile function reads what was committed when
-- it starts, and every other writer commits before its lock is released. The lock's keys
-- are `storage::db::WRITERS_LOCK`'s. (Idempotent: `create` runs this after `schema.sql`.)
CREATE OR REPLACE FUNCTION writer_set(
  ticket BIGINT, version TEXT, set_id BIGINT, wall BIGINT, replica_row BIGINT,
  set_at TEXT, set_author TEXT, set_records BIGINT, run_tickets BIGINT[],
  run_firsts BIGINT[], run_lasts BIGINT[]
) RETURNS void LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(1953063787, hashtext(current_schema())::integer);
  IF NOT EXISTS (SELECT 1 FROM tickets t WHERE t.id = ticket AND t.xmin::text = version) THEN
    RAISE EXCEPTION 'ticket row % changed after this writer read it', ticket
      USING ERRCODE = 'TK001';
  END IF;
  INSERT INTO change_sets (id, clock, replica, at, author, records)
    SELECT set_id, greatest(wall, coalesce(max(c.clock), 0) + 1), replica_row, set_at,
      set_author, coalesce(set_records, 0)
    FROM change_sets c;
  -- a set whose records are all written already (a tag's): its index, in the same call
  IF set_records IS NOT NULL THEN
    INSERT INTO ticket_runs (ticket, first, last)
      SELECT * FROM unnest(run_tickets, run_firsts, run_lasts);
  END IF;
END $$;
