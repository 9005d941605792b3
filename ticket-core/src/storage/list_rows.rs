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
use crate::apply::IdSet;
use crate::error::Result;
use crate::storage::db::{args, Arg, Db};
use crate::storage::kept::{multi_row_texts, power_of_two_runs};
use std::borrow::Cow;

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

/// PostgreSQL's refresh of the tickets noted stale. The tickets are named by an array
/// (`= ANY(ARRAY(…))`), not joined: a join is planned from `list_stale`'s statistics, and
/// once autovacuum had analysed the table in the middle of a big write (thousands of rows)
/// every later change set hashed the whole `tickets` table to refresh one row (6 ms a change
/// set on 10k tickets, growing with the silo; benches/README.md, session 10). An array of
/// unknown length is planned as a few index probes whatever the statistics say.
const PG_REFRESH: &str = "WITH {STALE} \
     UPDATE tickets t SET list_row = {ROW} WHERE t.id = ANY(ARRAY(SELECT ticket_id FROM s))";

/// [`PG_REFRESH`] with the touched tickets' latest times (`$1`, a JSON object of row id to
/// time) written in the same statement: one new version of a ticket's row per change set
/// instead of two (each a new entry in every index of `tickets`, as `last_update` is indexed).
/// A ticket's time is looked up in the object (`->>`, a binary search of its keys), parsed
/// once (`MATERIALIZED`); a ticket neither stale nor given a later time is left alone (a
/// rebuild's refresh touches every ticket and changes none). Not a correlated subquery over
/// the object's rows: that read every time for every ticket, and a rebuild of 100k tickets
/// never ended.
const PG_REFRESH_TIMES: &str = "WITH {STALE}, \
     j AS MATERIALIZED (SELECT ?1::text::jsonb AS times) \
     UPDATE tickets t SET \
     last_update = greatest(t.last_update, (SELECT times FROM j) ->> t.id::text), \
     list_row = CASE WHEN t.id IN (SELECT ticket_id FROM s) THEN {ROW} ELSE t.list_row END \
     WHERE t.id = ANY(ARRAY(SELECT ticket_id FROM s UNION ALL \
     SELECT key::bigint FROM jsonb_object_keys((SELECT times FROM j)) AS key)) \
     AND (t.id IN (SELECT ticket_id FROM s) OR t.last_update < (SELECT times FROM j) ->> t.id::text)";

/// The tickets noted stale (`s`), forgotten by the same statement.
const PG_STALE: &str = "s AS (DELETE FROM list_stale RETURNING ticket_id)";

/// [`PG_STALE`] without the tickets whose rows went out with their list rows (the array, the
/// statement's last parameter): the triggers noted them as their tags and values went in.
const PG_STALE_BUT: &str = "d AS (DELETE FROM list_stale RETURNING ticket_id), \
     s AS (SELECT ticket_id FROM d EXCEPT SELECT unnest(?{N}::bigint[]))";

/// PostgreSQL's refresh: [`PG_REFRESH_TIMES`] (times as `$1`) or [`PG_REFRESH`], leaving out
/// the tickets of an array (the last parameter) when `but_listed`.
fn pg_refresh(times: bool, but_listed: bool) -> String {
    let (sql, n) = match times {
        true => (PG_REFRESH_TIMES, "2"),
        false => (PG_REFRESH, "1"),
    };
    let stale = match but_listed {
        true => PG_STALE_BUT.replace("{N}", n),
        false => PG_STALE.to_string(),
    };
    sql.replace("{STALE}", &stale).replace("{ROW}", PG_ROW)
}

/// Rewrites the list rows of the tickets noted stale and forgets them: the end of a change
/// set (one statement each, however many tickets it touched). On PostgreSQL `times` (the
/// touched tickets' latest times, see [`PG_REFRESH_TIMES`]) go in the same statement, and
/// the tickets `listed` (whose new rows carried their list rows) are left alone; SQLite's
/// caller wrote the times, and its `listed` tickets were written with the triggers off (a
/// big batch), so they are not noted stale.
pub(crate) fn refresh(conn: &Db, times: Option<&str>, listed: &IdSet) -> Result<()> {
    if conn.is_postgres() {
        let sql = pg_refresh(times.is_some(), !listed.is_empty());
        let listed: Vec<i64> = listed.iter().copied().collect();
        // queued: nothing reads its outcome (one round trip less per change set)
        match (times, listed.is_empty()) {
            (Some(times), true) => conn.exec_later(&sql, args![times])?,
            (Some(times), false) => conn.exec_later(&sql, args![times, listed])?,
            (None, true) => conn.exec_later(&sql, args![])?,
            (None, false) => conn.exec_later(&sql, args![listed])?,
        }
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

/// Writes the list rows of `ids` (a directory silo's big batch, whose triggers were off).
pub(crate) fn refresh_tickets(conn: &Db, ids: &[i64]) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    conn.exec(
        &format!("UPDATE tickets AS t SET list_row = {SQLITE_ROW} WHERE t.id IN rarray(?1)"),
        args![ids.to_vec()],
    )?;
    Ok(())
}

/// A list row from its parts: the total minutes (left out when zero), the tags in the
/// order of their lower case, the values in the order of their ids; `None` for an empty one
/// (stored as NULL). The same text as [`SQLITE_ROW`] and [`PG_ROW`] make from the tables.
pub(crate) fn build<'a>(
    minutes: i64,
    tags: impl IntoIterator<Item = &'a str>,
    values: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Option<String> {
    let mut row = String::new();
    if minutes != 0 {
        row.push_str(&minutes.to_string());
    }
    row.push(PART);
    for (i, tag) in tags.into_iter().enumerate() {
        if i > 0 {
            row.push(ITEM);
        }
        row.push_str(tag);
    }
    row.push(PART);
    for (i, (key, value)) in values.into_iter().enumerate() {
        if i > 0 {
            row.push(ITEM);
        }
        row.push_str(key);
        row.push(ITEM);
        row.push_str(value);
    }
    (row.len() > 2).then_some(row)
}

/// Writes every ticket's list row (after a rebuild or the migration to schema 6).
pub(crate) fn refresh_all(conn: &Db) -> Result<()> {
    refresh_all_but(conn, &IdSet::default())
}

/// [`refresh_all`] but for the tickets `listed`, whose rows went out with their list rows
/// (a directory silo's rebuild; PostgreSQL writes all).
pub(crate) fn refresh_all_but(conn: &Db, listed: &IdSet) -> Result<()> {
    if conn.is_postgres() {
        conn.batch(&format!(
            "DELETE FROM list_stale; UPDATE tickets t SET list_row = {PG_ROW}"
        ))?;
    } else {
        write_all_lite(conn, listed)?;
        conn.exec("DELETE FROM list_stale", args![])?;
    }
    Ok(())
}

/// Tickets whose list rows [`write_all_lite`] builds at a time (a range of row ids).
const ALL_CHUNK: i64 = 4096;
/// List rows written by one statement of [`write_all_lite`].
const ALL_UPDATE_ROWS: usize = 64;

/// A directory silo's [`refresh_all`]: the list rows built here from the three tables read
/// in ticket order, a range of row ids at a time, and written 64 to a statement (`UPDATE …
/// FROM (VALUES …)`, a row-id probe each). The statement that builds them in SQLite
/// ([`SQLITE_ROW`] for every ticket) ran three correlated subqueries a ticket, two of them
/// sorting: 15.6% of a 10k rebuild's instructions (benches/README.md, "Session 16").
fn write_all_lite(conn: &Db, listed: &IdSet) -> Result<()> {
    #[derive(Default)]
    struct Parts {
        minutes: i64,
        tags: Vec<String>,
        values: Vec<(i64, String, String)>,
    }
    let (low, high): (i64, i64) = conn.one(
        "SELECT coalesce(min(id), 1), coalesce(max(id), 0) FROM tickets",
        args![],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let texts: Vec<String> = (multi_row_texts("", 2, ALL_UPDATE_ROWS).iter())
        .map(|values| {
            format!(
                "UPDATE tickets SET list_row = v.column2 FROM ({}) AS v \
                 WHERE tickets.id = v.column1",
                values.trim_start()
            )
        })
        .collect();
    let mut first = low;
    while first <= high {
        let last = first.saturating_add(ALL_CHUNK - 1).min(high);
        // the tickets to write: all of the range, or (a rebuild) those not listed already,
        // whose parts alone are read (reading every ticket's was most of the cost)
        let ids: Vec<i64> = conn.rows(
            "SELECT id FROM tickets WHERE id BETWEEN ?1 AND ?2",
            args![first, last],
            |r| r.get(0),
        )?;
        let ids: Vec<i64> = ids.into_iter().filter(|id| !listed.contains(id)).collect();
        if ids.is_empty() {
            first = last + 1;
            continue;
        }
        let mut parts: Vec<Parts> = (first..=last).map(|_| Parts::default()).collect();
        let at = |id: i64| (id - first) as usize;
        let whole = ids.len() as i64 == last - first + 1;
        // a whole range is read by its key's range, a part by its tickets' ids
        let (which, range) = match whole {
            true => (
                "ticket_id BETWEEN ?1 AND ?2",
                vec![Arg::Int(first), Arg::Int(last)],
            ),
            false => (
                "ticket_id IN rarray(?1)",
                vec![Arg::Ints(Cow::Borrowed(&ids))],
            ),
        };
        conn.each(
            &format!(
                "SELECT ticket_id, sum(minutes) FROM entry_rows \
                 WHERE {which} AND removed = 0 GROUP BY ticket_id"
            ),
            &range,
            |r| {
                parts[at(r.get(0)?)].minutes = r.get(1)?;
                Ok(())
            },
        )?;
        // the key's order is the tags' order (by lower case)
        conn.each(
            &format!("SELECT ticket_id, tag FROM tags WHERE {which} ORDER BY ticket_id, tag_lc"),
            &range,
            |r| {
                parts[at(r.get(0)?)].tags.push(r.get(1)?);
                Ok(())
            },
        )?;
        // in the key's order (by key); each ticket's few are put in id order below
        conn.each(
            &format!("SELECT ticket_id, id, key, value FROM properties WHERE {which}"),
            &range,
            |r| {
                parts[at(r.get(0)?)]
                    .values
                    .push((r.get(1)?, r.get(2)?, r.get(3)?));
                Ok(())
            },
        )?;
        let mut rows: Vec<(i64, Option<String>)> = Vec::with_capacity(ids.len());
        for id in ids {
            let p = &mut parts[at(id)];
            p.values.sort_unstable_by_key(|(value_id, _, _)| *value_id);
            let row = build(
                p.minutes,
                p.tags.iter().map(String::as_str),
                (p.values.iter()).map(|(_, k, v)| (k.as_str(), v.as_str())),
            );
            rows.push((id, row));
        }
        for run in power_of_two_runs(&rows, ALL_UPDATE_ROWS) {
            let args: Vec<Arg<'_>> = (run.iter())
                .flat_map(|(id, row)| [Arg::Int(*id), Arg::from(row.as_deref())])
                .collect();
            conn.exec(&texts[run.len().ilog2() as usize], &args)?;
        }
        first = last + 1;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Clock, Context, Silo};

    /// A new team silo in a schema of its own, and the schema's name (`None` without a
    /// server, which CI must have).
    fn team_silo() -> Option<(Silo, String)> {
        let url = crate::storage::postgres::test_server()?;
        let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
        let address = format!("{url}?schema={schema}");
        let clock =
            Clock::fixed(chrono::DateTime::parse_from_rfc3339("2024-03-01T10:00:00Z").unwrap());
        let silo =
            Silo::create(std::path::Path::new(&address), Context::new(clock, "ann")).unwrap();
        Some((silo, schema))
    }

    /// The refresh of one stale ticket probes its row, even when `list_stale`'s statistics
    /// (taken by autovacuum in the middle of a big write) say it holds every ticket: the join
    /// it replaced hashed all of `tickets` then (a plan, so counted, not timed).
    #[test]
    fn a_team_silo_refreshes_one_list_row_by_its_index_whatever_the_statistics() {
        let Some((silo, _)) = team_silo() else {
            return;
        };
        let mut batch = silo.batch();
        for i in 0..2000 {
            batch.add(crate::NewTicket {
                title: format!("ticket {i}"),
                tags: vec!["bug".into()],
                ..Default::default()
            });
        }
        batch.commit().unwrap();
        let db = silo.lock();
        db.batch(
            "ALTER TABLE list_stale SET (autovacuum_enabled = false); \
             INSERT INTO list_stale (ticket_id) SELECT id FROM tickets ON CONFLICT DO NOTHING; \
             ANALYZE list_stale; DELETE FROM list_stale; ANALYZE tickets",
        )
        .unwrap();
        db.begin_write().unwrap();
        db.batch("INSERT INTO list_stale (ticket_id) SELECT min(id) FROM tickets")
            .unwrap();
        let explain = |sql: &str, args: &[crate::storage::db::Arg<'_>]| {
            db.rows(&format!("EXPLAIN {sql}"), args, |r| r.get::<String>(0))
                .unwrap()
                .join("\n")
        };
        let one_time = r#"{"1": "2024-03-01T10:00:00.000000Z"}"#;
        let plans = [
            explain(&pg_refresh(false, false), args![]),
            explain(&pg_refresh(true, false), args![one_time]),
            explain(&pg_refresh(false, true), args![vec![2i64, 3]]),
            explain(&pg_refresh(true, true), args![one_time, vec![2i64, 3]]),
        ];
        // every node's rows over all its loops stay within a few times the tickets touched
        // (a correlated read of the times per ticket was quadratic)
        let ids: Vec<i64> = db
            .rows("SELECT id FROM tickets", args![], |r| r.get(0))
            .unwrap();
        let times: std::collections::BTreeMap<i64, &str> = ids
            .iter()
            .map(|&id| (id, "2030-01-01T00:00:00.000000Z"))
            .collect();
        let times = serde_json::to_string(&times).unwrap();
        let analysed = db
            .rows(
                &format!("EXPLAIN (ANALYZE, TIMING OFF) {}", pg_refresh(true, false)),
                args![times],
                |r| r.get::<String>(0),
            )
            .unwrap();
        let updated: i64 = db
            .value(
                "SELECT count(*) FROM tickets WHERE last_update = '2030-01-01T00:00:00.000000Z'",
                args![],
            )
            .unwrap();
        db.rollback();
        assert_eq!(updated, ids.len() as i64);
        let number = |line: &str, key: &str| -> u64 {
            line.split(key)
                .nth(1)
                .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
                .and_then(|n| n.parse().ok())
                .unwrap_or(0)
        };
        // rows a node returned or read and dropped (EXPLAIN gives both per loop)
        let mut loops = 1;
        for line in &analysed {
            let work = if line.contains("actual rows=") {
                loops = number(line, "loops=").max(1);
                number(line, "actual rows=") * loops
            } else {
                number(line, "Rows Removed by Filter: ") * loops
            };
            assert!(
                work <= 10 * ids.len() as u64,
                "{line}\n{}",
                analysed.join("\n")
            );
        }
        for plan in plans {
            assert!(
                !plan.contains("Hash Join") && plan.contains("Index Scan using tickets_pkey"),
                "{plan}"
            );
        }
    }

    /// A session notes stale list rows in a temporary table of its own: the schema's table,
    /// which bloated under concurrent writers, stays empty, and the list rows are right
    /// after hundreds of writes (the session's table truncated on the way).
    #[test]
    fn a_team_silo_session_notes_stale_rows_in_its_own_table() {
        let Some((silo, schema)) = team_silo() else {
            return;
        };
        let n = silo.new_ticket("one", None, "").unwrap().to_string();
        for i in 0..300 {
            silo.add_tag(&n, &format!("t{i}")).unwrap();
        }
        silo.add_property(&n, "Assigned", "ann").unwrap();
        let db = silo.lock();
        let shared: i64 = db
            .value(
                &format!("SELECT pg_relation_size('\"{schema}\".list_stale')"),
                args![],
            )
            .unwrap();
        assert_eq!(shared, 0, "the schema's list_stale was written to");
        let own: i64 = db
            .value(
                "SELECT count(*) FROM pg_class WHERE relname = 'list_stale' AND relnamespace = pg_my_temp_schema()",
                args![],
            )
            .unwrap();
        assert_eq!(own, 1);
        drop(db);
        let row = silo.get(&n).unwrap();
        assert_eq!(row.tags.len(), 300);
        let listed = silo.search("", "").unwrap();
        let listed = listed.iter().find(|r| r.number.as_str() == n).unwrap();
        assert_eq!(listed.tags.len(), 300);
        assert_eq!(listed.properties.len(), 1);
    }
}

#[cfg(test)]
mod built_here {
    use crate::context::{Clock, Context};
    use crate::silo::Silo;
    use crate::storage::db::args;
    use crate::write::Op;

    /// The list rows written from parts read in Rust ([`super::write_all_lite`]) are the ones
    /// SQLite builds from the tables ([`super::SQLITE_ROW`]): tags in the order of their lower
    /// case (non-ASCII included), values in applied order whatever their keys, minutes of the
    /// entries not removed, a ticket left with nothing (NULL), one never given anything, and
    /// more tickets than one range of row ids holds.
    #[test]
    fn rows_built_here_are_the_ones_sqlite_builds() {
        let dir = tempfile::tempdir().unwrap();
        let silo = Silo::create(
            &dir.path().join("silo"),
            Context::new(Clock::system(), "alice"),
        )
        .unwrap();
        let mut batch = silo.batch();
        for i in 0..(super::ALL_CHUNK + 70) {
            batch.add(crate::NewTicket {
                title: format!("ticket {i}"),
                tags: match i % 4 {
                    0 => vec![],
                    1 => vec![
                        "Zeta".into(),
                        "alpha".into(),
                        "Élan".into(),
                        "éclair".into(),
                    ],
                    _ => vec![format!("t{}", i % 7)],
                },
                properties: match i % 3 {
                    0 => vec![],
                    _ => vec![
                        ("Size".into(), format!("{}", i % 5)),
                        ("Assigned".into(), "ann".into()),
                        ("Size".into(), "9".into()),
                    ],
                },
                entries: (0..(i % 3))
                    .map(|n| (format!("note {n}"), (n * 7) as u32))
                    .collect(),
                ..Default::default()
            });
        }
        batch.commit().unwrap();
        silo.write(|w| {
            // a ticket emptied again, one whose only minutes go, one with an entry of none
            let t = w.ticket("2")?;
            for op in [
                Op::RemoveTag("Zeta".into()),
                Op::RemoveTag("alpha".into()),
                Op::RemoveTag("Élan".into()),
                Op::RemoveTag("éclair".into()),
            ] {
                w.perform(&t, op)?;
            }
            let t = w.ticket("3")?;
            w.perform(&t, Op::RemoveEntry(2))?;
            let t = w.ticket("4")?;
            w.perform(&t, Op::AddEntry("nothing spent".into(), 0))
        })
        .unwrap();
        let conn = silo.lock();
        let expected: Vec<(i64, Option<String>)> = conn
            .rows(
                &format!(
                    "SELECT t.id, {} FROM tickets t ORDER BY t.id",
                    super::SQLITE_ROW
                ),
                args![],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        let list_rows = || -> Vec<(i64, Option<String>)> {
            conn.rows(
                "SELECT id, list_row FROM tickets ORDER BY id",
                args![],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap()
        };
        conn.batch("BEGIN; UPDATE tickets SET list_row = 'stale';")
            .unwrap();
        super::write_all_lite(&conn, &Default::default()).unwrap();
        let written = list_rows();
        // tickets listed already are left as they are; the others' parts are read by id
        conn.batch("UPDATE tickets SET list_row = 'stale';")
            .unwrap();
        let listed: crate::apply::IdSet = (expected.iter())
            .map(|(id, _)| *id)
            .filter(|id| id % 3 != 0)
            .collect();
        super::write_all_lite(&conn, &listed).unwrap();
        let partly = list_rows();
        conn.batch("ROLLBACK").unwrap();
        for ((id, row), (_, e)) in partly.iter().zip(&expected) {
            match listed.contains(id) {
                true => assert_eq!(row.as_deref(), Some("stale")),
                false => assert_eq!(row, e, "ticket row {id}"),
            }
        }
        assert_eq!(written.len(), expected.len());
        assert!(expected.iter().any(|(_, row)| row.is_none()));
        assert!(expected
            .iter()
            .any(|(_, row)| row.as_deref().is_some_and(|r| r.contains("Élan"))));
        for (w, e) in written.iter().zip(&expected) {
            assert_eq!(w, e);
        }
    }
}
