//! SQLite storage: opening the database, the versioned migrations, SQL functions.
use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::functions::FunctionFlags;
use rusqlite::Connection;

use crate::error::{Error, Result};

pub(crate) mod log;

/// One migration step: a script, or code for what SQL alone cannot do.
enum Step {
    Sql(&'static str),
    Code(fn(&Connection) -> Result<()>),
}

/// The migrations, in order: index `i` brings the schema from version `i` to `i + 1`.
const MIGRATIONS: &[Step] = &[
    Step::Sql(include_str!("schema_v1.sql")),
    Step::Sql(include_str!("schema_v2.sql")),
    Step::Code(crate::log::migrate::to_v3),
    Step::Code(to_v4),
];

/// Schema 4 reshapes derived tables and the log's ticket index: new shapes, the index of every
/// set, then a rebuild from the log.
fn to_v4(conn: &Connection) -> Result<()> {
    conn.execute_batch(include_str!("schema_v4.sql"))?;
    let sets: Vec<i64> = conn
        .prepare("SELECT id FROM change_sets ORDER BY id")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    log::index_sets(conn, &sets)?;
    crate::rebuild::rebuild_in(conn)?;
    Ok(())
}

/// The newest schema version this program knows.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// Page cache while only reading, in KiB: measured on 100k tickets, `ticket ltn` took 30 ms
/// with 4 MiB against 63–76 ms with 64 MiB (the difference is page faults on fresh memory).
const READ_CACHE_KIB: i64 = 4 * 1024;
/// Page cache once the connection writes, in KiB: large change sets and rebuilds stay in memory.
const WRITE_CACHE_KIB: i64 = 64 * 1024;

/// Before a write transaction: the large page cache.
pub(crate) fn prepare_for_writing(conn: &Connection) -> Result<()> {
    conn.pragma_update(None, "cache_size", -WRITE_CACHE_KIB)?;
    Ok(())
}

/// After a committed write: refresh the query planner's statistics where they no longer fit.
/// Without statistics SQLite drove `s:* g=tag7` through the status index instead of the tag's
/// few rows; with statistics from a tenth of today's tickets it sorted `s:*` instead of reading
/// the numbering-order index. So: when the tickets have more than doubled since the last
/// analysis, a full `ANALYZE` of the tables searches read (`tickets`, `tags`, `properties`:
/// 0.17 s on 100k tickets; sampled statistics, `analysis_limit`, misjudged the status index
/// by a factor of 10); otherwise `PRAGMA optimize` with sampling, which does nothing while the
/// statistics are current. A failure here loses nothing (the write is committed), so it is
/// ignored.
pub(crate) fn after_writing(conn: &Connection) {
    let _ = refresh_statistics(conn);
}

fn refresh_statistics(conn: &Connection) -> Result<()> {
    let tickets: i64 = conn
        .prepare_cached("SELECT coalesce(max(id), 0) FROM tickets")?
        .query_row([], |r| r.get(0))?;
    // the first number of a table's sqlite_stat1 row is its row count when it was analysed
    let analysed: Option<i64> = conn
        .prepare("SELECT CAST(stat AS INTEGER) FROM sqlite_stat1 WHERE tbl = 'tickets' LIMIT 1")
        .and_then(|mut s| s.query_row([], |r| r.get(0)))
        .ok();
    let stale = match analysed {
        None => tickets > 0,
        Some(n) => tickets > 2 * n + 100,
    };
    conn.execute_batch(if stale {
        "PRAGMA analysis_limit = 0; ANALYZE tickets; ANALYZE tags; ANALYZE properties;"
    } else {
        "PRAGMA analysis_limit = 1000; PRAGMA optimize = 0x10002;"
    })?;
    Ok(())
}

/// Opens (or creates) the database file with WAL, the busy timeout and our SQL functions,
/// then migrates it to [`SCHEMA_VERSION`].
pub(crate) fn open_db(path: &Path, busy: Duration) -> Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(busy)?;
    // 16 KiB pages for a new database (an existing one keeps its size: SQLite ignores this
    // once the file has pages): a search reads a quarter of the pages' count — and makes a
    // quarter of the read calls — of 4 KiB pages for the same rows and index ranges
    conn.pragma_update(None, "page_size", 16384)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    // a small page cache for reading (a one-shot search reuses a few MiB instead of faulting
    // in fresh memory for every page it reads); writes raise it (`prepare_for_writing`)
    conn.pragma_update(None, "cache_size", -READ_CACHE_KIB)?;
    // temp_store stays at its default (files): a sort of 700k rows spills to a temporary file
    // instead of holding every row in memory
    // checkpoint when the WAL holds 8192 pages (128 MiB at 16 KiB) rather than SQLite's 1000:
    // bulk change sets copy each hot index page into the database once per checkpoint, not
    // once per commit (measured: 11.6k tickets/s against 9.5k with 2048 pages)
    conn.pragma_update(None, "wal_autocheckpoint", 8192)?;
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    // the write path alone uses some 40 distinct statements: with rusqlite's default of 16
    // cached statements a bulk change set re-prepared most of them for every ticket
    conn.set_prepared_statement_cache_capacity(128);
    register_functions(&conn)?;
    rusqlite::vtab::array::load_module(&conn)?;
    migrate(&conn)?;
    Ok(conn)
}

fn migrate(conn: &Connection) -> Result<()> {
    let version: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(Error::SchemaTooNew {
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    for (i, step) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        // each step in its own transaction, with the version bump inside it
        conn.execute_batch("BEGIN IMMEDIATE")?;
        let done = match step {
            Step::Sql(sql) => conn.execute_batch(sql).map_err(Error::from),
            Step::Code(f) => f(conn),
        }
        .and_then(|()| {
            conn.execute_batch(&format!("PRAGMA user_version = {}; COMMIT;", i + 1))
                .map_err(Error::from)
        });
        if let Err(e) = done {
            let _ = conn.execute_batch("ROLLBACK");
            return Err(e);
        }
    }
    Ok(())
}

/// `regexp(pattern, text)` (case-insensitive, Rust `regex` syntax) and a Unicode-aware
/// `lower(text)` replacing SQLite's ASCII-only one.
fn register_functions(conn: &Connection) -> Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    let cache: Mutex<HashMap<String, Option<regex::Regex>>> = Mutex::new(HashMap::new());
    conn.create_scalar_function("regexp", 2, flags, move |ctx| {
        let pattern: String = ctx.get(0)?;
        let text: Option<String> = ctx.get(1)?;
        let Some(text) = text else { return Ok(false) };
        let mut cache = cache
            .lock()
            .map_err(|_| rusqlite::Error::UserFunctionError("regexp cache poisoned".into()))?;
        if cache.len() > 64 {
            cache.clear();
        }
        let re = cache.entry(pattern.clone()).or_insert_with(|| {
            regex::RegexBuilder::new(&pattern)
                .case_insensitive(true)
                .size_limit(1 << 20)
                .build()
                .ok()
        });
        Ok(re.as_ref().is_some_and(|re| re.is_match(&text)))
    })?;
    conn.create_scalar_function("lower", 1, flags, |ctx| {
        let text: Option<String> = ctx.get(0)?;
        Ok(text.map(|t| t.to_lowercase()))
    })?;
    Ok(())
}
