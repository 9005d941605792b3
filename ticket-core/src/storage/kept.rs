//! Rows of the derived tables `tickets`, `tags`, `properties` and `entry_rows` that a write
//! transaction keeps, to write them several to a statement, as the change records are
//! ([`super::db::Db::insert_log_row`]).
//!
//! Why: a generated ticket's row, tags, property values and entries were some fourteen
//! single-row statements, the ticket's row an `INSERT` and three `UPDATE`s (its title, summary
//! and status), about half of a bulk creation's statements (benches/README.md, session 12).
//! Kept are the row of a ticket the writer creates (amended in place by the title, summary
//! and status records that follow), every tag (its insert ignores a duplicate, whatever the
//! ticket), every property value, and every entry. The values and entries of a ticket the
//! writer holds ([`crate::fresh::Fresh`]), or a rebuild follows
//! ([`crate::apply::RowNumbers`]), come numbered; others (a relation's mirror on an older
//! ticket) are numbered when they are written, after the ticket's greatest, in the order
//! they came.
//!
//! The kept rows go to the database ahead of any statement that names one of their tables
//! (or the view `entries`, or `list_stale`, which their triggers fill; the tickets' rows go
//! apart, ahead of a statement that names `tickets`), ahead of any batch of statements and at
//! the commit; a rollback forgets them. So whatever reads those tables inside the
//! transaction sees them, and a failure (a number taken) still fails the transaction, at
//! the statement that writes them.
use crate::error::{Error, Result};
use crate::storage::db::DbError;

/// A kept row of `tags` (`INSERT OR IGNORE`: a tag already there stays as it is).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TagRow {
    pub ticket_id: i64,
    pub tag: String,
    pub tag_lc: String,
}

/// A kept row of `properties`: a value of a ticket, with the id it is numbered with, if the
/// writer knows it (else the ticket's greatest id plus one when it is written).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PropertyRow {
    pub ticket_id: i64,
    pub id: Option<i64>,
    pub key: String,
    pub key_lc: String,
    pub value: String,
    pub value_lc: String,
    pub value_num: Option<f64>,
    pub value_date: Option<String>,
    pub target: Option<i64>,
}

/// A kept row of `entry_rows`: an entry of a ticket, with its number if the writer knows it
/// (else the ticket's greatest plus one when it is written); `text_lc` is PostgreSQL's
/// (SQLite's full text needs no such column).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct EntryRow {
    pub ticket_id: i64,
    pub n: Option<i64>,
    pub change: i64,
    pub minutes: i64,
    pub text_lc: String,
}

/// A kept row of `tickets`: a ticket the writer created in this transaction, its title,
/// summary and status as the records after its create left them (each was an `UPDATE`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TicketRow {
    pub id: i64,
    pub number: String,
    pub title: String,
    pub summary: String,
    pub status: i64,
    /// Its create's time: `opened` and `last_update`.
    pub at: String,
    /// Its list row ([`super::list_rows`]) when the writer made it from what it holds of the
    /// ticket (a directory silo's big batch, whose end then writes only the others'); else
    /// NULL until that end, or the change set's, writes it.
    pub list_row: Option<String>,
    /// Its `earliest` date, made with its list row (the writer's kept row); else NULL until
    /// the change set's end writes it.
    pub earliest: Option<String>,
}

/// One kept row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum KeptRow {
    Ticket(TicketRow),
    Tag(TagRow),
    Property(PropertyRow),
    Entry(EntryRow),
}

/// Kept rows past which they are written, whatever comes next. Small: a statement takes 64
/// rows at most, so more rows kept gain nothing, and 8,192 (a rebuild, which names the tables
/// seldom, always reached it) made a 1M rebuild some 10% slower: the allocator's slow path,
/// freeing and making again tens of thousands of strings at a time (`perf`).
pub(crate) const LIMIT: usize = 256;

/// A team silo's [`LIMIT`]: its statements take any number of rows (arrays), and a statement
/// costs the server a fixed part besides its rows (a statement of 45 values took 7.3 µs a
/// value, one of 22,757 took 4.8).
pub(crate) const PG_LIMIT: usize = 4096;

/// The kept rows of a transaction, by table, in the order they came.
#[derive(Debug, Default)]
pub(crate) struct KeptRows {
    tickets: Vec<TicketRow>,
    tags: Vec<TagRow>,
    properties: Vec<PropertyRow>,
    /// Values without an id: written after the numbered ones (a ticket's numbered values,
    /// kept while the writer held it, come before any of its others).
    unnumbered: Vec<PropertyRow>,
    entries: Vec<EntryRow>,
    /// Entries without a number, written after the numbered ones (as values).
    unnumbered_entries: Vec<EntryRow>,
}

impl KeptRows {
    /// Whether no row is kept.
    pub(crate) fn is_empty(&self) -> bool {
        self.tickets.is_empty()
            && self.tags.is_empty()
            && self.properties.is_empty()
            && self.unnumbered.is_empty()
            && self.entries.is_empty()
            && self.unnumbered_entries.is_empty()
    }

    /// Keeps `row`; whether the rows are now `limit` or more, so that they should be written.
    pub(crate) fn keep(&mut self, row: KeptRow, limit: usize) -> bool {
        match row {
            KeptRow::Ticket(r) => self.tickets.push(r),
            KeptRow::Tag(r) => self.tags.push(r),
            KeptRow::Property(r) if r.id.is_some() => self.properties.push(r),
            KeptRow::Property(r) => self.unnumbered.push(r),
            KeptRow::Entry(r) if r.n.is_some() => self.entries.push(r),
            KeptRow::Entry(r) => self.unnumbered_entries.push(r),
        }
        self.tickets.len()
            + self.tags.len()
            + self.properties.len()
            + self.unnumbered.len()
            + self.entries.len()
            + self.unnumbered_entries.len()
            >= limit
    }
}

impl KeptRows {
    /// The kept row of ticket `id`, to amend (a title, summary or status record right after
    /// its create).
    pub(crate) fn ticket(&mut self, id: i64) -> Option<&mut TicketRow> {
        self.tickets.iter_mut().rev().find(|t| t.id == id)
    }

    /// Takes the rows `sql` needs written before it runs (all of them for `None`): those of
    /// each kept table it names ([`READERS`]). Table by table: a ticket's lookup by number
    /// (every relation to an older ticket) would otherwise write the tags and values too, and
    /// a relation's probe of `properties` the tags and entries, each time in smaller
    /// statements.
    pub(crate) fn take_for(&mut self, sql: Option<&str>) -> KeptRows {
        use std::mem::take;
        let names = |table: usize| sql.is_none_or(|s| READERS[table].iter().any(|t| s.contains(t)));
        let mut taken = KeptRows::default();
        if names(0) {
            taken.tickets = take(&mut self.tickets);
        }
        if names(1) {
            taken.tags = take(&mut self.tags);
        }
        if names(2) {
            taken.properties = take(&mut self.properties);
            taken.unnumbered = take(&mut self.unnumbered);
        }
        if names(3) {
            taken.entries = take(&mut self.entries);
            taken.unnumbered_entries = take(&mut self.unnumbered_entries);
        }
        taken
    }
}

/// For each kept table (`tickets`, `tags`, `properties`, `entry_rows`), the names whose
/// presence in a statement means it may read or change the table's rows: its own, the view
/// `entries` over `entry_rows`, and `list_stale` (which the triggers of the last three fill).
/// A name inside a longer one (`properties_kv`) only writes them early.
const READERS: [&[&str]; 4] = [
    &["tickets"],
    &["tags", "list_stale"],
    &["properties", "list_stale"],
    &["entry_rows", "entries", "list_stale"],
];

/// Whether `sql` may read or change a table whose rows are kept, other than `tickets`
/// ([`READERS`]).
#[cfg(test)]
fn names_kept_tables(sql: &str) -> bool {
    READERS[1..]
        .iter()
        .flat_map(|names| names.iter())
        .any(|t| sql.contains(t))
}

/// The largest multi-row `INSERT` of a directory silo (rows a statement).
const LITE_CHUNK: usize = 64;

/// `head VALUES (?, …), …` for 1, 2, 4 … `most` rows of `columns` values.
pub(crate) fn multi_row_texts(head: &str, columns: usize, most: usize) -> Vec<String> {
    let one = format!("({})", vec!["?"; columns].join(", "));
    (0..=most.ilog2())
        .map(|k| format!("{head} VALUES {}", vec![one.as_str(); 1 << k].join(", ")))
        .collect()
}

/// `rows` cut in order into runs of the largest power of two, up to `most`, that still fits
/// (100 rows, at most 64: 64, 32, 4): a run of `n` rows goes to the text of
/// [`multi_row_texts`] at `n.ilog2()`.
pub(crate) fn power_of_two_runs<T>(mut rows: &[T], most: usize) -> impl Iterator<Item = &[T]> {
    std::iter::from_fn(move || {
        if rows.is_empty() {
            return None;
        }
        let (run, rest) = rows.split_at(1 << rows.len().min(most).ilog2());
        rows = rest;
        Some(run)
    })
}

/// The multi-row statement texts of each [`LiteRow`] type, by its `SLOT`: the kept rows'
/// four tables and the change records (`storage::db`).
static LITE_TEXTS: [std::sync::OnceLock<Vec<String>>; 5] =
    [const { std::sync::OnceLock::new() }; 5];

/// A row as a directory silo writes it, several to a statement ([`write_lite_rows`]).
pub(crate) trait LiteRow {
    /// The `INSERT … (columns)` its statements begin with. `OR IGNORE` on every table: a
    /// tag already there is ignored, and everywhere it spares a statement journal: a
    /// statement of several rows that may abort on a constraint (the default `ABORT`: a
    /// unique number, a `NOT NULL`, a trigger) makes SQLite copy each page it first changes
    /// into a journal of the statement, a temporary file with 16 KiB pages (15% of bulk
    /// creation's time once, `perf`; in session 16 still 722 MB written to it by a 100k
    /// rebuild, from the tickets' and the change records' inserts). A row whose number is
    /// taken (a ticket's, a value's, an entry's, a record's) cannot happen (the writer
    /// issued or checked it, or the statement numbers it after the greatest) and is still
    /// caught, by the count of rows written: the error fails the transaction.
    const HEAD: &'static str;
    const COLUMNS: usize;
    /// Whether a row may be ignored (a duplicate tag).
    const MAY_BE_IGNORED: bool;
    /// Its place in [`LITE_TEXTS`], where its statement texts are kept once made.
    const SLOT: usize;
    /// Binds the row's values from parameter `at + 1` on.
    fn bind(&self, stmt: &mut rusqlite::CachedStatement<'_>, at: usize) -> rusqlite::Result<()>;
}

/// A new ticket's row (the writer issued or checked the number, so a clash cannot happen, and
/// would fail the transaction, by the count of rows written).
impl LiteRow for TicketRow {
    const HEAD: &'static str =
        "INSERT OR IGNORE INTO tickets (id, number, title, summary, status, opened, last_update, list_row, earliest)";
    const COLUMNS: usize = 9;
    const MAY_BE_IGNORED: bool = false;
    const SLOT: usize = 0;
    fn bind(&self, stmt: &mut rusqlite::CachedStatement<'_>, at: usize) -> rusqlite::Result<()> {
        stmt.raw_bind_parameter(at + 1, self.id)?;
        stmt.raw_bind_parameter(at + 2, &self.number)?;
        stmt.raw_bind_parameter(at + 3, &self.title)?;
        stmt.raw_bind_parameter(at + 4, &self.summary)?;
        stmt.raw_bind_parameter(at + 5, self.status)?;
        stmt.raw_bind_parameter(at + 6, &self.at)?;
        stmt.raw_bind_parameter(at + 7, &self.at)?;
        stmt.raw_bind_parameter(at + 8, &self.list_row)?;
        stmt.raw_bind_parameter(at + 9, &self.earliest)
    }
}

impl LiteRow for TagRow {
    const HEAD: &'static str = "INSERT OR IGNORE INTO tags (ticket_id, tag, tag_lc)";
    const COLUMNS: usize = 3;
    const MAY_BE_IGNORED: bool = true;
    const SLOT: usize = 1;
    fn bind(&self, stmt: &mut rusqlite::CachedStatement<'_>, at: usize) -> rusqlite::Result<()> {
        stmt.raw_bind_parameter(at + 1, self.ticket_id)?;
        stmt.raw_bind_parameter(at + 2, &self.tag)?;
        stmt.raw_bind_parameter(at + 3, &self.tag_lc)
    }
}

impl LiteRow for PropertyRow {
    const HEAD: &'static str = "INSERT OR IGNORE INTO properties (ticket_id, id, key, key_lc, value, value_lc, value_num, value_date, target)";
    const COLUMNS: usize = 9;
    const MAY_BE_IGNORED: bool = false;
    const SLOT: usize = 2;
    fn bind(&self, stmt: &mut rusqlite::CachedStatement<'_>, at: usize) -> rusqlite::Result<()> {
        stmt.raw_bind_parameter(at + 1, self.ticket_id)?;
        stmt.raw_bind_parameter(at + 2, self.id)?;
        stmt.raw_bind_parameter(at + 3, &self.key)?;
        stmt.raw_bind_parameter(at + 4, &self.key_lc)?;
        stmt.raw_bind_parameter(at + 5, &self.value)?;
        stmt.raw_bind_parameter(at + 6, &self.value_lc)?;
        stmt.raw_bind_parameter(at + 7, self.value_num)?;
        stmt.raw_bind_parameter(at + 8, &self.value_date)?;
        stmt.raw_bind_parameter(at + 9, self.target)
    }
}

impl LiteRow for EntryRow {
    const HEAD: &'static str = "INSERT OR IGNORE INTO entry_rows (ticket_id, n, change, minutes)";
    const COLUMNS: usize = 4;
    const MAY_BE_IGNORED: bool = false;
    const SLOT: usize = 3;
    fn bind(&self, stmt: &mut rusqlite::CachedStatement<'_>, at: usize) -> rusqlite::Result<()> {
        stmt.raw_bind_parameter(at + 1, self.ticket_id)?;
        stmt.raw_bind_parameter(at + 2, self.n)?;
        stmt.raw_bind_parameter(at + 3, self.change)?;
        stmt.raw_bind_parameter(at + 4, self.minutes)
    }
}

/// Writes `rows` on a directory silo's connection in runs of 64, 32, … 1 rows a statement
/// (at most seven statement texts a table, all cached); returns the statements run.
pub(crate) fn write_lite_rows<R: LiteRow>(conn: &rusqlite::Connection, rows: &[R]) -> Result<u64> {
    let texts =
        LITE_TEXTS[R::SLOT].get_or_init(|| multi_row_texts(R::HEAD, R::COLUMNS, LITE_CHUNK));
    let mut statements = 0;
    for run in power_of_two_runs(rows, LITE_CHUNK) {
        let n = run.len();
        let mut stmt = conn.prepare_cached(&texts[n.ilog2() as usize])?;
        for (i, r) in run.iter().enumerate() {
            r.bind(&mut stmt, i * R::COLUMNS)?;
        }
        let inserted = stmt.raw_execute()?;
        statements += 1;
        if inserted != n && !R::MAY_BE_IGNORED {
            return Err(Error::Db(DbError::new(format!(
                "{inserted} of {n} kept rows were inserted: a row's number was taken"
            ))));
        }
    }
    Ok(statements)
}

/// Numbers rows that came without a number after their ticket's greatest (asked once a
/// ticket with `greatest`), in the order they came; returns the statements run.
fn number_lite<R>(
    conn: &rusqlite::Connection,
    rows: &mut [R],
    greatest: &str,
    ticket: fn(&R) -> i64,
    set: fn(&mut R, i64),
) -> Result<u64> {
    let mut next: std::collections::HashMap<i64, i64> = std::collections::HashMap::new();
    let mut statements = 0;
    for r in rows.iter_mut() {
        let t = ticket(r);
        let n = match next.get_mut(&t) {
            Some(n) => {
                *n += 1;
                *n
            }
            None => {
                let max: i64 = conn
                    .prepare_cached(greatest)?
                    .query_row([t], |x| x.get(0))?;
                statements += 1;
                next.insert(t, max + 1);
                max + 1
            }
        };
        set(r, n);
    }
    Ok(statements)
}

/// Writes the kept rows on a directory silo's connection, table by table; returns the
/// statements run. Rows without a number are numbered here, after the numbered rows of their
/// table are written (a ticket's numbered rows come before its others): one question for the
/// greatest number a ticket (numbering them in the statement, with a window over the rows,
/// made SQLite sort every statement's rows: a 1M rebuild 10% slower, `perf`). Fails if a
/// value or an entry was not inserted (its number taken).
pub(crate) fn write_lite(conn: &rusqlite::Connection, rows: KeptRows) -> Result<u64> {
    let KeptRows {
        tickets,
        tags,
        properties,
        mut unnumbered,
        entries,
        mut unnumbered_entries,
    } = rows;
    let mut n = write_lite_rows(conn, &tickets)?
        + write_lite_rows(conn, &tags)?
        + write_lite_rows(conn, &properties)?;
    if !unnumbered.is_empty() {
        n += number_lite(
            conn,
            &mut unnumbered,
            "SELECT coalesce(max(id), 0) FROM properties WHERE ticket_id = ?1",
            |r| r.ticket_id,
            |r, id| r.id = Some(id),
        )?;
        n += write_lite_rows(conn, &unnumbered)?;
    }
    n += write_lite_rows(conn, &entries)?;
    if !unnumbered_entries.is_empty() {
        n += number_lite(
            conn,
            &mut unnumbered_entries,
            "SELECT coalesce(max(n), 0) FROM entry_rows WHERE ticket_id = ?1",
            |r| r.ticket_id,
            |r, number| r.n = Some(number),
        )?;
        n += write_lite_rows(conn, &unnumbered_entries)?;
    }
    Ok(n)
}

/// A team silo's statement for kept rows of one table: one `INSERT … SELECT … FROM
/// unnest(…)` over arrays, one array a column.
pub(crate) type PgArrays = Vec<Box<dyn postgres::types::ToSql + Sync + Send>>;

/// One column of `rows` as an array parameter.
fn column<R, T>(rows: &[R], f: impl Fn(&R) -> T) -> Box<dyn postgres::types::ToSql + Sync + Send>
where
    Vec<T>: postgres::types::ToSql + Sync + Send + 'static,
{
    Box::new(rows.iter().map(f).collect::<Vec<T>>())
}

/// A value's columns after its ticket and id (key … target), as arrays.
fn value_columns(rows: &[PropertyRow]) -> PgArrays {
    vec![
        column(rows, |r| r.key.clone()),
        column(rows, |r| r.key_lc.clone()),
        column(rows, |r| r.value.clone()),
        column(rows, |r| r.value_lc.clone()),
        column(rows, |r| r.value_num),
        column(rows, |r| r.value_date.clone()),
        column(rows, |r| r.target),
    ]
}

/// The `INSERT` over arrays of each table with kept rows, and its arrays (a table without
/// kept rows has none).
pub(crate) fn pg_inserts(rows: &KeptRows) -> Vec<(&'static str, PgArrays)> {
    let mut out: Vec<(&'static str, PgArrays)> = Vec::new();
    let k = &rows.tickets;
    if !k.is_empty() {
        // the lower cases are Rust's, as the single-row updates wrote them; the uuid is the
        // log's (its `ticket_ids` row went out before, in the same queue)
        out.push((
            "INSERT INTO tickets (id, number, title, title_lc, summary, summary_lc, status, opened, last_update, list_row, earliest, uuid) \
             SELECT u.i, u.n, u.t, u.tl, u.s, u.sl, u.st, u.a, u.a, u.l, u.e, (SELECT uuid FROM ticket_ids WHERE id = u.i) \
             FROM unnest(?1::bigint[], ?2::text[], ?3::text[], ?4::text[], ?5::text[], ?6::text[], ?7::bigint[], ?8::text[], ?9::text[], ?10::text[]) \
             AS u(i, n, t, tl, s, sl, st, a, l, e)",
            vec![
                column(k, |r| r.id),
                column(k, |r| r.number.clone()),
                column(k, |r| r.title.clone()),
                column(k, |r| r.title.to_lowercase()),
                column(k, |r| r.summary.clone()),
                column(k, |r| r.summary.to_lowercase()),
                column(k, |r| r.status),
                column(k, |r| r.at.clone()),
                column(k, |r| r.list_row.clone()),
                column(k, |r| r.earliest.clone()),
            ],
        ));
    }
    let t = &rows.tags;
    if !t.is_empty() {
        out.push((
            "INSERT INTO tags (ticket_id, tag, tag_lc) \
             SELECT * FROM unnest(?1::bigint[], ?2::text[], ?3::text[]) ON CONFLICT DO NOTHING",
            vec![
                column(t, |r| r.ticket_id),
                column(t, |r| r.tag.clone()),
                column(t, |r| r.tag_lc.clone()),
            ],
        ));
    }
    let p = &rows.properties;
    if !p.is_empty() {
        out.push((
            "INSERT INTO properties (ticket_id, id, key, key_lc, value, value_lc, value_num, value_date, target) \
             SELECT * FROM unnest(?1::bigint[], ?2::bigint[], ?3::text[], ?4::text[], ?5::text[], ?6::text[], ?7::float8[], ?8::text[], ?9::bigint[])",
            [
                column(p, |r| r.ticket_id),
                column(p, |r| r.id.unwrap_or_default()),
            ]
            .into_iter()
            .chain(value_columns(p))
            .collect(),
        ));
    }
    let u = &rows.unnumbered;
    if !u.is_empty() {
        // numbered in the statement (no round trip to ask the greatest): the subquery reads the
        // table as it was before the statement, the window numbers the rows after it
        out.push((
            "INSERT INTO properties (ticket_id, id, key, key_lc, value, value_lc, value_num, value_date, target) \
             SELECT u.t, coalesce((SELECT max(id) FROM properties p WHERE p.ticket_id = u.t), 0) \
             + row_number() OVER (PARTITION BY u.t ORDER BY u.o), u.k, u.kl, u.v, u.vl, u.vn, u.vd, u.tg \
             FROM unnest(?1::bigint[], ?2::text[], ?3::text[], ?4::text[], ?5::text[], ?6::float8[], ?7::text[], ?8::bigint[]) \
             WITH ORDINALITY AS u(t, k, kl, v, vl, vn, vd, tg, o)",
            [column(u, |r| r.ticket_id)]
                .into_iter()
                .chain(value_columns(u))
                .collect(),
        ));
    }
    let e = &rows.entries;
    if !e.is_empty() {
        // `n` and `minutes` are `INTEGER` columns: the insert's assignment cast refuses a
        // value out of their range, as the single-row insert did
        out.push((
            "INSERT INTO entry_rows (ticket_id, n, change, minutes, text_lc) \
             SELECT * FROM unnest(?1::bigint[], ?2::bigint[], ?3::bigint[], ?4::bigint[], ?5::text[])",
            vec![
                column(e, |r| r.ticket_id),
                column(e, |r| r.n.unwrap_or_default()),
                column(e, |r| r.change),
                column(e, |r| r.minutes),
                column(e, |r| r.text_lc.clone()),
            ],
        ));
    }
    let e = &rows.unnumbered_entries;
    if !e.is_empty() {
        out.push((
            "INSERT INTO entry_rows (ticket_id, n, change, minutes, text_lc) \
             SELECT u.t, coalesce((SELECT max(n) FROM entry_rows e WHERE e.ticket_id = u.t), 0) \
             + row_number() OVER (PARTITION BY u.t ORDER BY u.o), u.c, u.m, u.l \
             FROM unnest(?1::bigint[], ?2::bigint[], ?3::bigint[], ?4::text[]) \
             WITH ORDINALITY AS u(t, c, m, l, o)",
            vec![
                column(e, |r| r.ticket_id),
                column(e, |r| r.change),
                column(e, |r| r.minutes),
                column(e, |r| r.text_lc.clone()),
            ],
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::db::{args, Db};

    /// A connection with the three tables (their keys as the schema's) and a transaction
    /// open.
    fn keeping() -> Db {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE tags (ticket_id INTEGER NOT NULL, tag TEXT NOT NULL, tag_lc TEXT NOT NULL, PRIMARY KEY (ticket_id, tag_lc)); \
             CREATE TABLE properties (ticket_id INTEGER NOT NULL, id INTEGER NOT NULL, key TEXT NOT NULL, key_lc TEXT NOT NULL, value TEXT NOT NULL, value_lc TEXT NOT NULL, value_num REAL, value_date TEXT, target INTEGER, PRIMARY KEY (ticket_id, id)); \
             CREATE TABLE entry_rows (ticket_id INTEGER NOT NULL, n INTEGER NOT NULL, change INTEGER NOT NULL, minutes INTEGER NOT NULL, removed INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (ticket_id, n));",
        )
        .unwrap();
        let db = Db::lite(conn);
        db.begin_write().unwrap();
        db
    }

    fn tag(ticket_id: i64, tag: &str) -> KeptRow {
        KeptRow::Tag(TagRow {
            ticket_id,
            tag: tag.into(),
            tag_lc: tag.to_lowercase(),
        })
    }

    fn property(ticket_id: i64, id: i64, value: &str) -> KeptRow {
        KeptRow::Property(PropertyRow {
            ticket_id,
            id: Some(id),
            key: "Size".into(),
            key_lc: "size".into(),
            value: value.into(),
            value_lc: value.to_lowercase(),
            value_num: value.parse().ok(),
            value_date: None,
            target: None,
        })
    }

    fn count(db: &Db, table: &str) -> i64 {
        db.value(&format!("SELECT count(*) FROM {table}"), args![])
            .unwrap()
    }

    #[test]
    fn kept_rows_are_written_before_a_statement_naming_their_table_and_at_the_commit() {
        let db = keeping();
        for i in 1..=3 {
            db.keep_row(property(1, i, &i.to_string())).unwrap();
        }
        db.keep_row(tag(1, "Bug")).unwrap();
        // a statement naming none of their tables leaves them kept
        let one: i64 = db.value("SELECT 1", args![]).unwrap();
        assert_eq!(one, 1);
        // one naming a table sees every kept row
        assert_eq!(count(&db, "properties"), 3);
        assert_eq!(count(&db, "tags"), 1);
        db.keep_row(KeptRow::Entry(EntryRow {
            ticket_id: 1,
            n: Some(1),
            change: 7,
            minutes: 5,
            text_lc: String::new(),
        }))
        .unwrap();
        // a duplicate tag is ignored, as the single-row insert ignores it
        db.keep_row(tag(1, "BUG")).unwrap();
        db.commit().unwrap();
        assert_eq!(count(&db, "entry_rows"), 1);
        let tags: Vec<String> = db
            .rows("SELECT tag FROM tags", args![], |r| r.get(0))
            .unwrap();
        assert_eq!(tags, ["Bug"]);
        let nums: Vec<f64> = db
            .rows(
                "SELECT value_num FROM properties ORDER BY id",
                args![],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(nums, [1.0, 2.0, 3.0]);
    }

    /// Values without ids are numbered after their ticket's greatest id, in the order they
    /// came, after the numbered values kept with them; runs of different sizes agree.
    #[test]
    fn values_without_ids_are_numbered_after_the_greatest_in_order() {
        for count in [1usize, 3, 64, 100] {
            let db = keeping();
            db.keep_row(property(1, 1, "a")).unwrap();
            db.keep_row(property(1, 2, "b")).unwrap();
            db.commit().unwrap();
            db.begin_write().unwrap();
            // ticket 1 has ids 1 and 2 in the table; ticket 2 none; ticket 3 a kept numbered
            // value (a ticket created in the transaction the writer no longer holds)
            db.keep_row(property(3, 1, "numbered")).unwrap();
            let mut expected = vec![(1, 1, "a".to_string()), (1, 2, "b".into())];
            expected.push((3, 1, "numbered".into()));
            for i in 0..count {
                let ticket = [1, 2, 3][i % 3];
                let value = format!("v{i}");
                let mut row = property(ticket, 0, &value);
                if let KeptRow::Property(p) = &mut row {
                    p.id = None;
                }
                db.keep_row(row).unwrap();
                let next = expected.iter().filter(|e| e.0 == ticket).map(|e| e.1).max();
                expected.push((ticket, next.unwrap_or(0) + 1, value));
            }
            db.commit().unwrap();
            expected.sort();
            let rows: Vec<(i64, i64, String)> = db
                .rows(
                    "SELECT ticket_id, id, value FROM properties ORDER BY 1, 2",
                    args![],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .unwrap();
            assert_eq!(rows, expected, "{count} values without ids");
        }
    }

    /// A new ticket's kept row takes the amendments of the records after its create, goes
    /// ahead of a statement naming `tickets` without the other kept rows, and a clash of its
    /// number fails the write.
    #[test]
    fn a_kept_ticket_row_is_amended_and_written_apart_from_the_others() {
        let db = keeping();
        db.batch("CREATE TABLE tickets (id INTEGER PRIMARY KEY, number TEXT NOT NULL UNIQUE, title TEXT NOT NULL, summary TEXT NOT NULL, status INTEGER NOT NULL, opened TEXT NOT NULL, last_update TEXT NOT NULL, list_row TEXT, earliest TEXT)")
            .unwrap();
        let row = |id: i64, number: &str| {
            KeptRow::Ticket(TicketRow {
                id,
                number: number.into(),
                title: String::new(),
                summary: String::new(),
                status: 0,
                at: "2026-12-03T08:00:00.000000Z".into(),
                list_row: None,
                earliest: None,
            })
        };
        db.keep_row(row(1, "1")).unwrap();
        db.keep_row(tag(1, "bug")).unwrap();
        assert!(db.amend_kept_ticket(1, |t| t.title = "a title".into()));
        assert!(db.amend_kept_ticket(1, |t| t.status = 3));
        assert!(!db.amend_kept_ticket(2, |t| t.status = 3), "not kept");
        let before = db.statements().unwrap();
        let title: String = db
            .value("SELECT title FROM tickets WHERE id = 1", args![])
            .unwrap();
        assert_eq!(title, "a title");
        // the query and the ticket's insert: the tag stayed kept
        assert_eq!(db.statements().unwrap() - before, 2);
        // written: no longer amended here
        assert!(!db.amend_kept_ticket(1, |t| t.status = 4));
        assert_eq!(count(&db, "tags"), 1);
        db.commit().unwrap();
        let status: i64 = db
            .value("SELECT status FROM tickets WHERE id = 1", args![])
            .unwrap();
        assert_eq!(status, 3);
        db.begin_write().unwrap();
        db.keep_row(row(2, "1")).unwrap();
        assert!(db.commit().is_err(), "number 1 is taken");
        db.rollback();
        assert_eq!(count(&db, "tickets"), 1);
    }

    /// No multi-row insert of kept rows or change records may abort part-way (`Halt` or
    /// `HaltIfNull` with `ABORT`, 2, in its program): such a statement makes SQLite keep a
    /// statement journal, a copy of every page it first changes in a temporary file (722 MB
    /// written by a 100k rebuild before the tickets' and records' inserts took `OR IGNORE`).
    /// Read from `EXPLAIN` on a silo's own schema, not timed.
    #[test]
    fn kept_rows_inserts_never_abort_part_way() {
        /// The aborting `Halt`s of a statement's program (its parameters left unbound).
        fn aborts(conn: &rusqlite::Connection, sql: &str) -> usize {
            let mut stmt = conn.prepare(&format!("EXPLAIN {sql}")).unwrap();
            let mut rows = stmt.raw_query();
            let mut n = 0;
            while let Some(r) = rows.next().unwrap() {
                let (op, p2): (String, i64) = (r.get(1).unwrap(), r.get(3).unwrap());
                n += usize::from(matches!(op.as_str(), "Halt" | "HaltIfNull") && p2 == 2);
            }
            n
        }
        fn text<R: LiteRow>() -> (&'static str, String) {
            (R::HEAD, multi_row_texts(R::HEAD, R::COLUMNS, 2)[1].clone())
        }
        let dir = tempfile::tempdir().unwrap();
        let ctx = crate::Context::new(crate::Clock::system(), "me");
        drop(crate::Silo::create(&dir.path().join("s"), ctx).unwrap());
        let conn = rusqlite::Connection::open(dir.path().join("s/silo.db")).unwrap();
        for (head, sql) in [
            text::<TicketRow>(),
            text::<TagRow>(),
            text::<PropertyRow>(),
            text::<EntryRow>(),
            text::<crate::storage::db::LogRow>(),
        ] {
            assert_eq!(aborts(&conn, &sql), 0, "{head}");
        }
        // the plain INSERT the tickets' rows had aborts (what the test tells apart)
        let plain = "INSERT INTO tickets (id, number, title, summary, status, opened, last_update) VALUES (?, ?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?, ?)";
        assert!(aborts(&conn, plain) > 0);
    }

    #[test]
    fn a_rollback_forgets_kept_rows_and_a_taken_number_fails_the_write() {
        let db = keeping();
        db.keep_row(property(1, 1, "a")).unwrap();
        db.rollback();
        assert_eq!(count(&db, "properties"), 0);
        // 100 rows: 64 + 32 + 4 a statement, then the COMMIT
        db.begin_write().unwrap();
        for i in 1..=100 {
            db.keep_row(property(2, i, "b")).unwrap();
        }
        let before = db.statements().unwrap();
        db.commit().unwrap();
        assert_eq!(db.statements().unwrap() - before, 4);
        assert_eq!(count(&db, "properties"), 100);
        // a number already taken: the write fails and leaves nothing of its transaction
        db.begin_write().unwrap();
        db.keep_row(property(3, 1, "c")).unwrap();
        db.keep_row(property(2, 5, "c")).unwrap();
        let e = db.commit().unwrap_err();
        assert!(e.to_string().contains("number was taken"), "{e}");
        db.rollback();
        assert_eq!(count(&db, "properties"), 100);
        // outside a transaction a row is written at once
        db.keep_row(tag(4, "x")).unwrap();
        assert_eq!(count(&db, "tags"), 1);
    }

    #[test]
    fn statements_naming_a_kept_table_are_told_apart() {
        assert!(names_kept_tables("SELECT 1 FROM tags WHERE ticket_id = ?1"));
        assert!(names_kept_tables("SELECT text FROM entries"));
        assert!(names_kept_tables("DELETE FROM list_stale"));
        assert!(!names_kept_tables(
            "UPDATE tickets SET title = ?2 WHERE id = ?1"
        ));
        assert!(!names_kept_tables("INSERT INTO changes (id) VALUES (?1)"));
    }

    /// A statement takes the kept rows of the tables it names, and leaves the others kept:
    /// a relation's probe of `properties` does not write the tags and entries early.
    #[test]
    fn a_statement_takes_the_kept_rows_of_the_tables_it_names() {
        let mut rows = KeptRows::default();
        rows.keep(tag(1, "bug"), LIMIT);
        rows.keep(property(1, 1, "3"), LIMIT);
        rows.keep(
            KeptRow::Entry(EntryRow {
                ticket_id: 1,
                n: Some(1),
                change: 7,
                minutes: 5,
                text_lc: String::new(),
            }),
            LIMIT,
        );
        let taken = rows.take_for(Some("SELECT 1 FROM properties WHERE ticket_id = ?1"));
        assert_eq!(
            (
                taken.tags.len(),
                taken.properties.len(),
                taken.entries.len()
            ),
            (0, 1, 0)
        );
        let taken = rows.take_for(Some("SELECT text FROM entries WHERE ticket_id = ?1"));
        assert_eq!((taken.tags.len(), taken.entries.len()), (0, 1));
        assert!(rows.take_for(Some("SELECT 1 FROM tickets")).is_empty());
        let taken = rows.take_for(Some("DELETE FROM list_stale"));
        assert_eq!(taken.tags.len(), 1);
        assert!(rows.is_empty());
    }

    #[test]
    fn runs_are_the_largest_powers_of_two_that_fit() {
        let rows: Vec<u32> = (0..100).collect();
        let runs: Vec<usize> = power_of_two_runs(&rows, 64).map(<[u32]>::len).collect();
        assert_eq!(runs, [64, 32, 4]);
        let joined: Vec<u32> = power_of_two_runs(&rows, 64).flatten().copied().collect();
        assert_eq!(joined, rows);
        assert_eq!(power_of_two_runs(&rows[..0], 64).count(), 0);
        assert_eq!(
            power_of_two_runs(&rows[..7], 64)
                .map(<[u32]>::len)
                .collect::<Vec<_>>(),
            [4, 2, 1]
        );
    }

    #[test]
    fn multi_row_texts_double_up_to_the_most() {
        let texts = multi_row_texts("INSERT INTO t (a, b)", 2, 4);
        assert_eq!(
            texts,
            [
                "INSERT INTO t (a, b) VALUES (?, ?)",
                "INSERT INTO t (a, b) VALUES (?, ?), (?, ?)",
                "INSERT INTO t (a, b) VALUES (?, ?), (?, ?), (?, ?), (?, ?)",
            ]
        );
    }
}
