//! The list row of each ticket (schema 6): `tickets.list_row`, one text holding what a
//! listing shows besides the ticket's own columns, so that a listing reads one row per ticket
//! (issue 16): the total minutes (empty for none), the tags and the properties, the three
//! parts separated by U+001E and the items of a part by U+001F:
//! `minutes ␞ tag ␟ tag ␞ key ␟ value ␟ key ␟ value`. NULL when all three are empty (a new
//! ticket). The separators cannot occur in the texts: tags, keys and values are refused with
//! control characters (`log::record::check_text`). Chosen over JSON (the first cut): 30% fewer
//! bytes (the generator's 10k silo at 3.00× the text it holds instead of 3.05×) and decoded
//! by splitting, with nothing to unescape.
//!
//! Triggers on `tags`, `properties` and `entry_rows` note each ticket a statement changed in
//! `list_stale`; [`refresh`] rewrites those tickets' list rows at the end of every change set,
//! inside its transaction, and empties the table. The row is built by the database from the
//! tables themselves (tags by lower case, properties in applied order, the minutes of the
//! entries not removed), the orders the detail queries of schema 5 read them in.
use crate::error::Result;
use crate::storage::db::{args, Db};

/// Between the three parts of a list row.
pub(crate) const PART: char = '\u{1e}';
/// Between the items of a part (and a property's key and value).
pub(crate) const ITEM: char = '\u{1f}';

/// The list row of `tickets` row `t`, built by SQLite.
const SQLITE_ROW: &str = "nullif(coalesce(nullif((SELECT CAST(sum(minutes) AS INTEGER) FROM entry_rows WHERE ticket_id = t.id AND removed = 0), 0), '') \
     || char(30) || coalesce((SELECT group_concat(tag, char(31) ORDER BY tag_lc) FROM tags WHERE ticket_id = t.id), '') \
     || char(30) || coalesce((SELECT group_concat(key || char(31) || value, char(31) ORDER BY id) FROM properties WHERE ticket_id = t.id), ''), \
     char(30, 30))";

/// The list row of `tickets` row `t`, built by PostgreSQL: the same text as SQLite's, so a
/// team silo and its directory copy hold equal rows.
const PG_ROW: &str = "nullif(concat(nullif((SELECT sum(minutes) FROM entry_rows WHERE ticket_id = t.id AND removed = 0), 0), \
     chr(30), (SELECT string_agg(tag, chr(31) ORDER BY tag_lc) FROM tags WHERE ticket_id = t.id), \
     chr(30), (SELECT string_agg(key || chr(31) || value, chr(31) ORDER BY id) FROM properties WHERE ticket_id = t.id)), \
     chr(30) || chr(30))";

/// Rewrites the list rows of the tickets noted stale and forgets them: the end of a change
/// set (one statement each, however many tickets it touched).
pub(crate) fn refresh(conn: &Db) -> Result<()> {
    if conn.is_postgres() {
        // queued: nothing reads its outcome (one round trip less per change set)
        conn.exec_later(
            &format!(
                "WITH s AS (DELETE FROM list_stale RETURNING ticket_id) \
                 UPDATE tickets t SET list_row = {PG_ROW} FROM s WHERE t.id = s.ticket_id"
            ),
            args![],
        )?;
    } else {
        conn.exec(
            &format!(
                "UPDATE tickets AS t SET list_row = {SQLITE_ROW} WHERE t.id IN (SELECT ticket_id FROM list_stale)"
            ),
            args![],
        )?;
        conn.exec("DELETE FROM list_stale", args![])?;
    }
    Ok(())
}

/// Writes every ticket's list row (after a rebuild or the migration to schema 6).
pub(crate) fn refresh_all(conn: &Db) -> Result<()> {
    if conn.is_postgres() {
        conn.batch(&format!(
            "DELETE FROM list_stale; UPDATE tickets t SET list_row = {PG_ROW}"
        ))?;
    } else {
        conn.exec(
            &format!("UPDATE tickets AS t SET list_row = {SQLITE_ROW}"),
            args![],
        )?;
        conn.exec("DELETE FROM list_stale", args![])?;
    }
    Ok(())
}

/// Turns the triggers that note stale list rows off (a rebuild empties and refills the
/// tables, then writes every list row once) or on again, inside the caller's transaction: on
/// SQLite they are dropped and made again from their definitions (`sqlite_defs`, read before
/// by [`triggers`]), so that emptying the tables stays a truncation. On PostgreSQL they stay
/// on: turning them off takes `ALTER TABLE`, which only the tables' owner may run, and any
/// member of a team may rebuild; the rows they note are forgotten by [`refresh_all`].
pub(crate) fn set_triggers(conn: &Db, on: bool, sqlite_defs: &[(String, String)]) -> Result<()> {
    if conn.is_postgres() {
        return Ok(());
    }
    for (name, sql) in sqlite_defs {
        if on {
            conn.batch(sql)?;
        } else {
            conn.batch(&format!("DROP TRIGGER \"{}\"", name.replace('"', "\"\"")))?;
        }
    }
    Ok(())
}

/// The definitions of a directory silo's list-row triggers (none on PostgreSQL, whose
/// triggers are disabled in place).
pub(crate) fn triggers(conn: &Db) -> Result<Vec<(String, String)>> {
    if conn.is_postgres() {
        return Ok(Vec::new());
    }
    conn.rows(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%\\_list\\_%' ESCAPE '\\' ORDER BY name",
        args![],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
}

/// Whether the silo has list rows yet (a directory silo of schema 5 made by an earlier
/// release has not; one migrated from schema 4 got them in the same step as its rebuild).
pub(crate) fn present(conn: &Db) -> Result<bool> {
    if conn.is_postgres() {
        return Ok(true);
    }
    let n: i64 = conn.value(
        "SELECT count(*) FROM pragma_table_info('tickets') WHERE name = 'list_row'",
        args![],
    )?;
    Ok(n > 0)
}
