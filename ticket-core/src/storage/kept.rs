//! Rows of the derived tables `tags`, `properties` and `entry_rows` that a write transaction
//! keeps, to write them several to a statement, as the change records are
//! ([`super::db::Db::insert_log_row`]).
//!
//! Why: a generated ticket's tags, property values and entries were some ten single-row
//! `INSERT`s, about half of a bulk creation's statements (benches/README.md, session 12).
//! Only rows whose place is known without asking the database are kept: every tag (its
//! insert ignores a duplicate, whatever the ticket), and the property values and entries of a
//! ticket the transaction created itself, numbered from what the writer holds of it
//! ([`crate::fresh::Fresh`]). Every other row is written at once, as before.
//!
//! The kept rows go to the database ahead of any statement that names one of their tables
//! (or the view `entries`, or `list_stale`, which their triggers fill), ahead of any batch
//! of statements and at the commit; a rollback forgets them. So whatever reads those tables
//! inside the transaction sees them, and a failure (a number taken) still fails the
//! transaction, at the statement that writes them.
use crate::error::{Error, Result};
use crate::storage::db::DbError;

/// A kept row of `tags` (`INSERT OR IGNORE`: a tag already there stays as it is).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TagRow {
    pub ticket_id: i64,
    pub tag: String,
    pub tag_lc: String,
}

/// A kept row of `properties`: a value of a ticket, with the id it is numbered with.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PropertyRow {
    pub ticket_id: i64,
    pub id: i64,
    pub key: String,
    pub key_lc: String,
    pub value: String,
    pub value_lc: String,
    pub value_num: Option<f64>,
    pub value_date: Option<String>,
    pub target: Option<i64>,
}

/// A kept row of `entry_rows`: an entry of a ticket, with its number; `text_lc` is
/// PostgreSQL's (SQLite's full text needs no such column).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct EntryRow {
    pub ticket_id: i64,
    pub n: i64,
    pub change: i64,
    pub minutes: i64,
    pub text_lc: String,
}

/// One kept row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum KeptRow {
    Tag(TagRow),
    Property(PropertyRow),
    Entry(EntryRow),
}

/// Kept rows past which they are written, whatever comes next (the memory they hold).
const LIMIT: usize = 8192;

/// The kept rows of a transaction, by table, in the order they came.
#[derive(Debug, Default)]
pub(crate) struct KeptRows {
    tags: Vec<TagRow>,
    properties: Vec<PropertyRow>,
    entries: Vec<EntryRow>,
}

impl KeptRows {
    /// Whether no row is kept.
    pub(crate) fn is_empty(&self) -> bool {
        self.tags.is_empty() && self.properties.is_empty() && self.entries.is_empty()
    }

    /// Keeps `row`; whether the rows are now so many that they should be written.
    pub(crate) fn keep(&mut self, row: KeptRow) -> bool {
        match row {
            KeptRow::Tag(r) => self.tags.push(r),
            KeptRow::Property(r) => self.properties.push(r),
            KeptRow::Entry(r) => self.entries.push(r),
        }
        self.tags.len() + self.properties.len() + self.entries.len() >= LIMIT
    }
}

/// Whether `sql` may read or change a table whose rows are kept: it names `tags`,
/// `properties`, `entry_rows`, the view `entries` over them, or `list_stale` (which their
/// triggers fill). A name inside a longer one (`properties_kv`) only writes them early.
pub(crate) fn names_kept_tables(sql: &str) -> bool {
    ["tags", "properties", "entry_rows", "entries", "list_stale"]
        .iter()
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

/// A kept row as a directory silo writes it.
trait LiteRow {
    /// The `INSERT … (columns)` its statements begin with. `OR IGNORE` on every table: a
    /// tag already there is ignored, and on the tables the list-row triggers watch it spares
    /// a statement journal (`inserted_one` in apply.rs); a value or an entry whose number is
    /// taken is caught by the count of rows written instead.
    const HEAD: &'static str;
    const COLUMNS: usize;
    /// Whether a row may be ignored (a duplicate tag).
    const MAY_BE_IGNORED: bool;
    /// The multi-row statement texts, once made.
    fn texts() -> &'static std::sync::OnceLock<Vec<String>>;
    /// Binds the row's values from parameter `at + 1` on.
    fn bind(&self, stmt: &mut rusqlite::CachedStatement<'_>, at: usize) -> rusqlite::Result<()>;
}

impl LiteRow for TagRow {
    const HEAD: &'static str = "INSERT OR IGNORE INTO tags (ticket_id, tag, tag_lc)";
    const COLUMNS: usize = 3;
    const MAY_BE_IGNORED: bool = true;
    fn texts() -> &'static std::sync::OnceLock<Vec<String>> {
        static TEXTS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
        &TEXTS
    }
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
    fn texts() -> &'static std::sync::OnceLock<Vec<String>> {
        static TEXTS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
        &TEXTS
    }
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
    fn texts() -> &'static std::sync::OnceLock<Vec<String>> {
        static TEXTS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
        &TEXTS
    }
    fn bind(&self, stmt: &mut rusqlite::CachedStatement<'_>, at: usize) -> rusqlite::Result<()> {
        stmt.raw_bind_parameter(at + 1, self.ticket_id)?;
        stmt.raw_bind_parameter(at + 2, self.n)?;
        stmt.raw_bind_parameter(at + 3, self.change)?;
        stmt.raw_bind_parameter(at + 4, self.minutes)
    }
}

/// Writes `rows` on a directory silo's connection in runs of 64, 32, … 1 rows a statement
/// (at most seven statement texts a table, all cached); returns the statements run.
fn write_lite_rows<R: LiteRow>(conn: &rusqlite::Connection, rows: &[R]) -> Result<u64> {
    let texts = R::texts().get_or_init(|| multi_row_texts(R::HEAD, R::COLUMNS, LITE_CHUNK));
    let mut statements = 0;
    let mut rest = rows;
    while !rest.is_empty() {
        let n = 1usize << (rest.len().min(LITE_CHUNK).ilog2());
        let mut stmt = conn.prepare_cached(&texts[n.ilog2() as usize])?;
        for (i, r) in rest[..n].iter().enumerate() {
            r.bind(&mut stmt, i * R::COLUMNS)?;
        }
        let inserted = stmt.raw_execute()?;
        statements += 1;
        if inserted != n && !R::MAY_BE_IGNORED {
            return Err(Error::Db(DbError::new(format!(
                "{inserted} of {n} kept rows were inserted: a row's number was taken"
            ))));
        }
        rest = &rest[n..];
    }
    Ok(statements)
}

/// Writes the kept rows on a directory silo's connection, table by table; returns the
/// statements run. Fails if a value or an entry was not inserted (its number taken).
pub(crate) fn write_lite(conn: &rusqlite::Connection, rows: KeptRows) -> Result<u64> {
    Ok(write_lite_rows(conn, &rows.tags)?
        + write_lite_rows(conn, &rows.properties)?
        + write_lite_rows(conn, &rows.entries)?)
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

/// The `INSERT` over arrays of each table with kept rows, and its arrays (a table without
/// kept rows has none).
pub(crate) fn pg_inserts(rows: &KeptRows) -> Vec<(&'static str, PgArrays)> {
    let mut out: Vec<(&'static str, PgArrays)> = Vec::new();
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
            vec![
                column(p, |r| r.ticket_id),
                column(p, |r| r.id),
                column(p, |r| r.key.clone()),
                column(p, |r| r.key_lc.clone()),
                column(p, |r| r.value.clone()),
                column(p, |r| r.value_lc.clone()),
                column(p, |r| r.value_num),
                column(p, |r| r.value_date.clone()),
                column(p, |r| r.target),
            ],
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
                column(e, |r| r.n),
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
            id,
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
            n: 1,
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
