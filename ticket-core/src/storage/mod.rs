//! SQLite storage: opening the database, the versioned migrations, SQL functions.
use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::functions::FunctionFlags;
use rusqlite::{Connection, OpenFlags, MAIN_DB};

use crate::error::{Error, Result};

pub mod db;
pub(crate) mod deferred_indexes;
pub(crate) mod kept;
pub(crate) mod list_rows;
pub(crate) mod log;
pub mod postgres;
pub(crate) mod state;

/// One migration step: a script, or code for what SQL alone cannot do.
enum Step {
    Sql(&'static str),
    Code(fn(&db::Db) -> Result<()>),
}

/// The migrations, in order: index `i` brings the schema from version `i` to `i + 1`.
const MIGRATIONS: &[Step] = &[
    Step::Sql(include_str!("schema_v1.sql")),
    Step::Sql(include_str!("schema_v2.sql")),
    Step::Code(crate::log::migrate::to_v3),
    Step::Code(to_v4),
    Step::Code(to_v5),
    Step::Code(to_v6),
];

/// Schema 4 reshapes derived tables and the log's ticket index: new shapes, the index of every
/// set. The rebuild that fills the new tables is the next step's, so a silo is replayed once,
/// by the code of the newest schema (whose tables the replay writes).
fn to_v4(conn: &db::Db) -> Result<()> {
    conn.batch(include_str!("schema_v4.sql"))?;
    let sets: Vec<i64> = conn.rows("SELECT id FROM change_sets ORDER BY id", db::args![], |r| {
        r.get(0)
    })?;
    log::index_sets(conn, &sets)?;
    Ok(())
}

/// Schema 5 adds the derived table of repairs, filled by a rebuild from the log (which also
/// applies the repairs of merges to the log's past records).
/// The rebuild is the newest code's, so schema 6's list rows come first (`to_v6` then finds
/// them made and written).
fn to_v5(conn: &db::Db) -> Result<()> {
    conn.batch(include_str!("schema_v5.sql"))?;
    conn.batch(include_str!("schema_v6.sql"))?;
    crate::rebuild::rebuild_in(conn)?;
    Ok(())
}

/// Schema 6 adds the list row per ticket (`list_rows`), written for every ticket at once
/// (unless the step from schema 4 made them already).
fn to_v6(conn: &db::Db) -> Result<()> {
    if list_rows::present(conn)? {
        return Ok(());
    }
    conn.batch(include_str!("schema_v6.sql"))?;
    list_rows::refresh_all(conn)
}

/// The newest schema version this program knows.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// Page cache while only reading, in KiB: measured on 100k tickets, `ticket ltn` took 30 ms
/// with 4 MiB against 63–76 ms with 64 MiB (the difference is page faults on fresh memory).
const READ_CACHE_KIB: i64 = 4 * 1024;
/// Page cache once the connection writes, in KiB: large change sets and rebuilds stay in memory.
const WRITE_CACHE_KIB: i64 = 64 * 1024;

/// Page cache of a big batch of new tickets (`Batch`, `create_many`), in KiB per ticket:
/// what the generator's tickets take in the file (2.8 KiB at 100k) with room for the
/// indexes made again at the end. With the write cache (64 MiB) a 100k batch spilled its
/// pages to the write-ahead log and read them back, a gigabyte of `pread`s (each index made
/// again reads its table; the final analysis and the checkpoint read it all once more);
/// with 512 MiB its kernel time went from some 0.6 s to 0.35 s (benches/README.md, session
/// 19). The pages are taken as they are used, and given back when the write ends.
const BATCH_CACHE_KIB_PER_TICKET: i64 = 4;
/// A batch's page cache at most: a million tickets' batch.
const BATCH_CACHE_MAX_KIB: i64 = 1024 * 1024;
/// Records from which a write ends by giving its batch's page cache back.
const BATCH_RECORDS: u64 = 64;

/// Before a write transaction: the large page cache.
pub(crate) fn prepare_for_writing(db: &db::Db) -> Result<()> {
    if let db::Db::Sqlite(conn) = db {
        conn.pragma_update(None, "cache_size", -WRITE_CACHE_KIB)?;
    }
    Ok(())
}

/// Inside the write of a batch of `new` tickets on a directory silo: a page cache that holds
/// what the batch writes ([`BATCH_CACHE_KIB_PER_TICKET`]), given back by [`after_writing`]
/// (or by the next write's [`prepare_for_writing`], when the batch failed).
pub(crate) fn prepare_for_batch(db: &db::Db, new: usize) -> Result<()> {
    if let db::Db::Sqlite(conn) = db {
        let kib = (i64::try_from(new).unwrap_or(i64::MAX))
            .saturating_mul(BATCH_CACHE_KIB_PER_TICKET)
            .clamp(WRITE_CACHE_KIB, BATCH_CACHE_MAX_KIB);
        conn.pragma_update(None, "cache_size", -kib)?;
    }
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
pub(crate) fn after_writing(db: &db::Db, records: u64) {
    match db {
        db::Db::Sqlite(conn) => {
            let _ = refresh_statistics(conn);
            if records >= BATCH_RECORDS {
                let _ = conn.pragma_update(None, "cache_size", -WRITE_CACHE_KIB);
            }
        }
        // a round trip or two per write is not nothing on a team silo: look only after big
        // ones (imports, pulls, bulk creation)
        db::Db::Postgres(_) if records >= PG_BULK_RECORDS => {
            let _ = refresh_pg_statistics(db);
        }
        db::Db::Postgres(_) => {}
    }
}

/// How many records a transaction writes before PostgreSQL's statistics are looked at.
const PG_BULK_RECORDS: u64 = 1000;

/// PostgreSQL: `ANALYZE` the log and derived tables when the change log has outgrown the row
/// count the planner last saw (more than doubled, or never analysed). Autovacuum comes too
/// late for the statement right after a big import: measured on a 10,000-ticket pull into an
/// empty team silo, the renumbering check after it (a join of tickets, runs and the log)
/// planned for empty tables ran for minutes.
fn refresh_pg_statistics(db: &db::Db) -> Result<()> {
    let sets: i64 = db.value("SELECT count(*) FROM change_sets", db::args![])?;
    let seen: f64 = db.value(
        "SELECT reltuples::float8 FROM pg_class WHERE oid = 'change_sets'::regclass",
        db::args![],
    )?;
    if seen >= 0.0 && (sets as f64) <= 2.0 * seen + 100.0 {
        return Ok(());
    }
    for table in LOG_TABLES.iter().chain(DERIVED_TABLES) {
        db.batch(&format!("ANALYZE {table}"))?;
    }
    Ok(())
}

/// After a rebuild of `records` records, in place of [`after_writing`]: PostgreSQL's derived
/// tables were emptied and filled again in one transaction, leaving as many dead rows as live
/// ones and no statistics until autovacuum comes; besides `after_writing`'s look at the log,
/// `VACUUM ANALYZE` each (outside the transaction; a failure loses nothing). Measured on 10k
/// generated tickets: `s:* g=tag7` read every ticket by a sequential scan of the bloated table
/// (34 ms) before. SQLite: a full analysis (below).
pub(crate) fn after_rebuild(db: &db::Db, records: u64) {
    match db {
        db::Db::Postgres(_) => {
            after_writing(db, records);
            for table in DERIVED_TABLES {
                let _ = db.batch(&format!("VACUUM ANALYZE {table}"));
            }
        }
        // the rebuild dropped and made the searched tables' indexes again, so their
        // statistics were gone and the sampled analysis of `after_writing` estimated them
        // (`analysis_limit`): on the generator's 10k silo it put 1,001 tickets on each
        // status where the real counts run from 536 to 2,912, and `s:*` read the status
        // index and sorted every row instead of walking the number order (140 M against
        // 112 M instructions for the JSON listing). A full analysis, as after a big write
        // (in place of `after_writing`'s: the rebuild was one).
        db::Db::Sqlite(conn) => {
            let _ = full_statistics(conn);
        }
    }
}

/// A full `ANALYZE` of the tables searches read, averages only ([`drop_histograms`]).
fn full_statistics(conn: &Connection) -> Result<()> {
    conn.execute_batch(FULL_ANALYSIS)?;
    drop_histograms(conn)
}

/// The statements of a full analysis of the searched tables (0.17 s on 100k tickets). The
/// limit is the largest SQLite takes: every row is still read (a limit only skips ahead past
/// that many rows of an index), but with a limit SQLite collects no histogram samples, which
/// [`drop_histograms`] would only delete: the same `sqlite_stat1` rows for less work (the
/// analysis after a bulk creation of 2,000 tickets: 75.7 M → 55.2 M instructions;
/// benches/README.md, "Session 15").
const FULL_ANALYSIS: &str =
    "PRAGMA analysis_limit = 2147483647; ANALYZE tickets; ANALYZE tags; ANALYZE properties;";

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
    if stale {
        return full_statistics(conn);
    }
    // sampled (`analysis_limit`): it writes no histogram samples
    conn.execute_batch("PRAGMA analysis_limit = 1000; PRAGMA optimize = 0x10002;")?;
    Ok(())
}

/// Removes the histogram samples a full `ANALYZE` writes (`sqlite_stat4`: the bundled SQLite
/// is built with `SQLITE_ENABLE_STAT4`) and reloads the statistics without them. With samples,
/// SQLite marks a statement whose plan could depend on a bound value and prepares it again
/// whenever that value changes: the write path's property insert and the merge-links probe
/// were compiled again at every execution (a rebuild after a bulk creation: 1,451 preparations,
/// 8% of its instructions; session 8 measured a 100k rebuild at 8.1 s instead of 4.6 s). The
/// averages in `sqlite_stat1` stay.
fn drop_histograms(conn: &Connection) -> Result<()> {
    let samples: i64 = conn
        .prepare("SELECT count(*) FROM sqlite_stat4")
        .and_then(|mut s| s.query_row([], |r| r.get(0)))
        .unwrap_or(0);
    if samples > 0 {
        conn.execute_batch("DELETE FROM sqlite_stat4; ANALYZE sqlite_schema;")?;
    }
    Ok(())
}

/// Whether opening may create the database file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// `create`: a new, empty database is made and migrated.
    Create,
    /// Everything else: the file must exist and hold a ticket database; nothing is created.
    Existing,
}

/// An opened silo database.
pub(crate) struct Opened {
    pub conn: Connection,
    /// Opened read-only (this user may not write the file or its directory).
    pub read_only: bool,
    /// Derived tables that are missing (`rebuild` recreates them), in words.
    pub damage: Option<String>,
}

/// The tables of the change log and the numbering state: what a rebuild cannot recreate.
/// Without one of them the database is damaged beyond `rebuild`.
pub(crate) const LOG_TABLES: &[&str] = &[
    "replicas",
    "log_meta",
    "ticket_ids",
    "change_sets",
    "changes",
    "ticket_runs",
    "numbering",
];
/// The derived tables: a cache of the log that `rebuild` recreates and fills.
pub(crate) const DERIVED_TABLES: &[&str] = &[
    "tickets",
    "tags",
    "properties",
    "entry_rows",
    "attachments",
    "ticket_fts",
    "repairs",
    "list_stale",
];

/// Opens a writable existing silo database (a clone's fresh copy).
pub(crate) fn open_db(path: &Path, busy: Duration) -> Result<Connection> {
    let db = open_silo_db(path, busy, Access::Existing)?;
    if db.read_only {
        return Err(Error::ReadOnly {
            path: path.to_path_buf(),
            reason: "writing needs write permission on the silo's files".to_string(),
        });
    }
    Ok(db.conn)
}

/// Opens the silo's database with WAL, the busy timeout and our SQL functions, then migrates
/// it to [`SCHEMA_VERSION`]. Only [`Access::Create`] makes a database: an existing file that
/// is empty, not a database, or not a ticket database (no schema version, a negative one, the
/// log's tables missing) is [`Error::Corrupt`] and is left exactly as it was. A database this
/// user may read but not write is opened read-only (see [`open_read_only`]).
pub(crate) fn open_silo_db(path: &Path, busy: Duration, access: Access) -> Result<Opened> {
    let corrupt = |detail: &str| Error::Corrupt {
        path: path.to_path_buf(),
        detail: detail.to_string(),
    };
    if access == Access::Existing {
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        if meta.len() == 0 {
            return Err(corrupt("the file is empty"));
        }
    }
    let db = (|| {
        let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        if access == Access::Create {
            flags |= OpenFlags::SQLITE_OPEN_CREATE;
        }
        let conn = Connection::open_with_flags(path, flags)?;
        conn.busy_timeout(busy)?;
        let writable = !conn.is_readonly(MAIN_DB)?;
        match probe(&conn) {
            Ok(()) if writable => return open_writable(conn, path, access),
            Ok(()) => {}
            Err(e) if !unwritable(&e) => return Err(e.into()),
            Err(_) => {}
        }
        drop(conn);
        open_read_only(path, busy)
    })()
    .map_err(|e| match e {
        Error::Db(d) if matches!(d.code.as_deref(), Some("NotADatabase" | "DatabaseCorrupt")) => {
            corrupt(&d.message)
        }
        other => other,
    })?;
    Ok(db)
}

/// Reads the schema: the first read of the file (and of its WAL).
fn probe(conn: &Connection) -> rusqlite::Result<()> {
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))
}

/// Whether an error means the file or its directory cannot be written (the WAL's files
/// cannot be made): reading may still work read-only.
fn unwritable(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(
            rusqlite::ErrorCode::CannotOpen
                | rusqlite::ErrorCode::ReadOnly
                | rusqlite::ErrorCode::PermissionDenied
        )
    )
}

fn open_writable(conn: Connection, path: &Path, access: Access) -> Result<Opened> {
    let version = check_version(&conn, path, access)?;
    // 16 KiB pages for a new database (an existing one keeps its size: SQLite ignores this
    // once the file has pages): a search reads a quarter of the pages' count — and makes a
    // quarter of the read calls — of 4 KiB pages for the same rows and index ranges
    conn.pragma_update(None, "page_size", 16384)?;
    // a new database gives its free pages back to the file system at each commit
    // (`Db::commit_write`); an existing one keeps its mode (SQLite changes it only by
    // `VACUUM`). Only when new: on an existing auto-vacuum file the pragma writes the header,
    // a write transaction at every open
    if version == 0 {
        conn.pragma_update(None, "auto_vacuum", "INCREMENTAL")?;
    }
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    // checkpoint when the WAL holds 8192 pages (128 MiB at 16 KiB) rather than SQLite's 1000:
    // bulk change sets copy each hot index page into the database once per checkpoint, not
    // once per commit (measured: 11.6k tickets/s against 9.5k with 2048 pages)
    conn.pragma_update(None, "wal_autocheckpoint", 8192)?;
    configure(&conn)?;
    if version > 0 {
        check_log_tables(&conn, path, version)?;
    }
    let db = db::Db::lite(conn);
    migrate(&db)?;
    let db::Db::Sqlite(conn) = db else {
        unreachable!("made as SQLite above")
    };
    let conn = conn.into_inner()?;
    let damage = missing_derived(&conn)?;
    Ok(Opened {
        conn,
        read_only: false,
        damage,
    })
}

/// Opens a database this user may read but not write: read-only, so no statistics are
/// refreshed and nothing is written; where SQLite cannot even make the WAL's shared-memory
/// file (the directory is not writable and no writer has it open), as `immutable`, which
/// reads the database file alone. A database that still needs a migration cannot be read
/// this way.
fn open_read_only(path: &Path, busy: Duration) -> Result<Opened> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(busy)?;
    let conn = match probe(&conn) {
        Ok(()) => conn,
        Err(e) if unwritable(&e) => {
            drop(conn);
            let conn = Connection::open_with_flags(
                immutable_uri(path),
                flags | OpenFlags::SQLITE_OPEN_URI,
            )?;
            probe(&conn)?;
            conn
        }
        Err(e) => return Err(e.into()),
    };
    let version = check_version(&conn, path, Access::Existing)?;
    check_log_tables(&conn, path, version)?;
    if version < i64::from(SCHEMA_VERSION) {
        return Err(Error::ReadOnly {
            path: path.to_path_buf(),
            reason: format!(
                "its database has schema version {version} and must be upgraded to {SCHEMA_VERSION}, which needs write permission"
            ),
        });
    }
    configure(&conn)?;
    let damage = missing_derived(&conn)?;
    Ok(Opened {
        conn,
        read_only: true,
        damage,
    })
}

/// `file:` URI of `path` with `immutable=1` (and `mode=ro`).
fn immutable_uri(path: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let mut uri = String::from("file:");
    for &b in path.as_os_str().as_bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            uri.push(b as char);
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri.push_str("?mode=ro&immutable=1");
    uri
}

/// What every connection gets, writable or not.
fn configure(conn: &Connection) -> Result<()> {
    // a small page cache for reading (a one-shot search reuses a few MiB instead of faulting
    // in fresh memory for every page it reads); writes raise it (`prepare_for_writing`)
    conn.pragma_update(None, "cache_size", -READ_CACHE_KIB)?;
    // temp_store stays at its default (files): a sort of 700k rows spills to a temporary file
    // instead of holding every row in memory
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    // the write path alone uses some 40 distinct statements: with rusqlite's default of 16
    // cached statements a bulk change set re-prepared most of them for every ticket
    conn.set_prepared_statement_cache_capacity(128);
    register_functions(conn)?;
    rusqlite::vtab::array::load_module(conn)?;
    Ok(())
}

/// The schema version, checked: a negative one, or none in a file that should hold a silo,
/// is not a ticket database; a newer one needs a newer program.
fn check_version(conn: &Connection, path: &Path, access: Access) -> Result<i64> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let corrupt = |detail: String| Error::Corrupt {
        path: path.to_path_buf(),
        detail,
    };
    if version < 0 {
        return Err(corrupt(format!(
            "schema version {version} is not one this program ever wrote"
        )));
    }
    if version == 0 && access == Access::Existing {
        return Err(corrupt(
            "it holds no ticket schema (schema version 0)".to_string(),
        ));
    }
    if version > i64::from(SCHEMA_VERSION) {
        return Err(Error::SchemaTooNew {
            found: u32::try_from(version).unwrap_or(u32::MAX),
            supported: SCHEMA_VERSION,
        });
    }
    Ok(version)
}

fn table_exists(conn: &Connection, name: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1")?
        .exists([name])?)
}

/// At the current schema version, the log's tables must all be there.
fn check_log_tables(conn: &Connection, path: &Path, version: i64) -> Result<()> {
    if version != i64::from(SCHEMA_VERSION) {
        return Ok(());
    }
    for table in LOG_TABLES {
        if !table_exists(conn, table)? {
            return Err(Error::Corrupt {
                path: path.to_path_buf(),
                detail: format!(
                    "the change log's table {table} is missing; restore the silo from a backup or clone it again from a copy"
                ),
            });
        }
    }
    Ok(())
}

/// The derived tables that are missing, in words (`None`: all there).
fn missing_derived(conn: &Connection) -> Result<Option<String>> {
    let mut missing = Vec::new();
    for table in DERIVED_TABLES {
        if !table_exists(conn, table)? {
            missing.push(*table);
        }
    }
    Ok((!missing.is_empty()).then(|| {
        format!(
            "the table(s) {} are missing; `ticket rebuild` recreates them from the change log",
            missing.join(", ")
        )
    }))
}

/// The current schema as the migrations make it, from an empty in-memory database: the
/// `(name, sql)` of every table, index and view of the derived tables, tables first.
pub(crate) fn reference_derived_schema() -> Result<Vec<(String, String)>> {
    let mem = Connection::open_in_memory()?;
    register_functions(&mem)?;
    rusqlite::vtab::array::load_module(&mem)?;
    let mem = db::Db::lite(mem);
    migrate(&mem)?;
    let mem = mem.sqlite()?;
    let list = DERIVED_TABLES
        .iter()
        .map(|t| format!("'{t}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL AND tbl_name IN ({list})          ORDER BY type = 'index', rowid"
    );
    let rows = mem
        .prepare(&sql)?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Recreates the derived tables and indexes missing from `conn` (empty), as the migrations
/// make them; returns their names. Inside the caller's transaction.
pub(crate) fn recreate_missing_derived(conn: &Connection) -> Result<Vec<String>> {
    let mut made = Vec::new();
    for (name, sql) in reference_derived_schema()? {
        let exists: bool = conn
            .prepare_cached("SELECT 1 FROM sqlite_master WHERE name = ?1")?
            .exists([&name])?;
        if !exists {
            conn.execute_batch(&sql)?;
            made.push(name);
        }
    }
    Ok(made)
}

fn migrate(db: &db::Db) -> Result<()> {
    let conn = db.sqlite()?;
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let version = u32::try_from(version).map_err(|_| {
        Error::invalid(
            "schema version",
            &version.to_string(),
            "not a ticket schema",
        )
    })?;
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
            Step::Code(f) => f(db),
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

/// `regexp(pattern, text)` (case-insensitive, Rust `regex` syntax), a Unicode-aware
/// `lower(text)` replacing SQLite's ASCII-only one, and `contains_ci(text, needle)` (the
/// search language's `:` on texts; [`contains_ci`]).
fn register_functions(conn: &Connection) -> Result<()> {
    Ok(register_sql_functions(conn)?)
}

/// Registers on `conn` the SQL functions a silo's compiled searches call: `regexp(pattern,
/// text)`, Unicode `lower(text)` and `contains_ci(text, needle)`. For tools that run the SQL
/// of `Silo::explain` (or query the derived tables) on a connection of their own to a
/// directory silo's `silo.db`.
///
/// ```
/// let conn = rusqlite::Connection::open_in_memory().unwrap();
/// ticket_core::register_sql_functions(&conn).unwrap();
/// let found: bool = conn
///     .query_row("SELECT contains_ci('Backup DISK', 'disk')", [], |r| r.get(0))
///     .unwrap();
/// assert!(found);
/// ```
pub fn register_sql_functions(conn: &Connection) -> rusqlite::Result<()> {
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
    conn.create_scalar_function("contains_ci", 2, flags, |ctx| {
        use rusqlite::types::ValueRef;
        let (ValueRef::Text(text), ValueRef::Text(needle)) = (ctx.get_raw(0), ctx.get_raw(1))
        else {
            return Ok(None);
        };
        let utf8 =
            |b| std::str::from_utf8(b).map_err(|e| rusqlite::Error::UserFunctionError(e.into()));
        Ok(Some(contains_ci(utf8(text)?, utf8(needle)?)))
    })?;
    Ok(())
}

/// Whether `text` in Unicode lower case contains `needle` (lower case already): what
/// `instr(lower(text), needle) > 0` answers, without a lower-case copy made and handed back
/// to SQLite for every row. ASCII text (most titles) is lowered into a buffer kept per
/// thread; other text takes Rust's `to_lowercase`, the same as the `lower` function.
fn contains_ci(text: &str, needle: &str) -> bool {
    if !text.is_ascii() {
        return text.to_lowercase().contains(needle);
    }
    thread_local! {
        static LOWER: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
    }
    LOWER.with_borrow_mut(|buf| {
        buf.clear();
        buf.push_str(text);
        buf.make_ascii_lowercase();
        buf.contains(needle)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A batch of new tickets writes with a page cache sized to it (4 KiB a ticket, between
    /// the write cache and 1 GiB), and the write gives it back when it ends, whether it
    /// committed or failed.
    #[test]
    fn a_batch_has_a_page_cache_of_its_size_until_it_ends() {
        let cache = |db: &db::Db| -> i64 { db.value("PRAGMA cache_size", db::args![]).unwrap() };
        let db = db::Db::lite(Connection::open_in_memory().unwrap());
        prepare_for_batch(&db, 100_000).unwrap();
        assert_eq!(cache(&db), -400_000);
        prepare_for_batch(&db, 10).unwrap();
        assert_eq!(cache(&db), -WRITE_CACHE_KIB);
        prepare_for_batch(&db, 10_000_000).unwrap();
        assert_eq!(cache(&db), -BATCH_CACHE_MAX_KIB);
        // through a silo: after a batch of 20,000 the write cache again
        let dir = tempfile::tempdir().unwrap();
        let ctx = crate::Context::new(crate::Clock::system(), "alice");
        let silo = crate::Silo::create(&dir.path().join("s"), ctx).unwrap();
        let mut batch = silo.batch();
        for i in 0..20_000 {
            batch.add(crate::NewTicket {
                title: format!("ticket {i}"),
                ..Default::default()
            });
        }
        batch.commit().unwrap();
        assert_eq!(cache(&silo.lock()), -WRITE_CACHE_KIB);
        // a failed one keeps the batch's cache (80,000 KiB: it had one) until the next write
        let mut batch = silo.batch();
        for i in 0..20_000 {
            batch.add(crate::NewTicket {
                title: format!("ticket {i}"),
                status: Some(if i == 19_999 { "nonsense" } else { "Open" }.into()),
                ..Default::default()
            });
        }
        assert!(batch.commit().is_err());
        assert_eq!(cache(&silo.lock()), -80_000);
        silo.new_ticket("one more", None, "").unwrap();
        assert_eq!(cache(&silo.lock()), -WRITE_CACHE_KIB);
    }

    /// `contains_ci` answers what `instr(lower(text), needle) > 0` does, for ASCII and other
    /// text (a Kelvin sign lowers to an ASCII `k`; `İ` to two characters).
    #[test]
    fn contains_ci_is_instr_of_lower() {
        let conn = Connection::open_in_memory().unwrap();
        register_functions(&conn).unwrap();
        for (text, needle) in [
            ("Backup of DISK 3", "disk"),
            ("backup", "disk"),
            ("ÉTÉ Disk", "été"),
            ("DIS\u{212A} full", "disk"),
            ("İstanbul", "i\u{307}s"),
            ("", ""),
            ("abc", ""),
            ("ab", "abc"),
        ] {
            let (a, b): (bool, bool) = conn
                .query_row(
                    "SELECT contains_ci(?1, ?2), instr(lower(?1), ?2) > 0",
                    [text, needle],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .unwrap();
            assert_eq!(a, b, "{text:?} {needle:?}");
        }
        let null: Option<bool> = conn
            .query_row("SELECT contains_ci(NULL, 'a')", [], |r| r.get(0))
            .unwrap();
        assert_eq!(null, None);
    }

    /// The full analysis reads every row and writes the averages a plain `ANALYZE` writes,
    /// without histogram samples to delete afterwards.
    #[test]
    fn the_full_analysis_writes_the_plain_averages_and_no_samples() {
        let stats = |analysis: &str| -> (Vec<(String, String)>, i64) {
            let conn = Connection::open_in_memory().unwrap();
            conn.execute_batch(
                "CREATE TABLE tickets (id INTEGER PRIMARY KEY, status INTEGER);
                 CREATE INDEX tickets_status ON tickets(status);
                 CREATE TABLE tags (ticket_id INTEGER, tag_lc TEXT);
                 CREATE INDEX tags_lc ON tags(tag_lc, ticket_id);
                 CREATE TABLE properties (ticket_id INTEGER, key_lc TEXT, value_lc TEXT);
                 CREATE INDEX properties_kv ON properties(key_lc, value_lc, ticket_id);
                 WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
                 INSERT INTO tickets SELECT i, i % 7 FROM n;
                 INSERT INTO tags SELECT id, 'tag' || (id % 50) FROM tickets;
                 INSERT INTO properties SELECT id, 'k' || (id % 3), 'v' || (id % 400) FROM tickets;",
            )
            .unwrap();
            conn.execute_batch(analysis).unwrap();
            let mut stmt = conn
                .prepare("SELECT idx, stat FROM sqlite_stat1 ORDER BY idx")
                .unwrap();
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
            let rows = rows.collect::<rusqlite::Result<Vec<_>>>().unwrap();
            let samples = conn
                .query_row("SELECT count(*) FROM sqlite_stat4", [], |r| r.get(0))
                .unwrap();
            (rows, samples)
        };
        let (plain, plain_samples) = stats("ANALYZE tickets; ANALYZE tags; ANALYZE properties;");
        assert!(plain_samples > 0, "the bundled SQLite writes samples");
        let (full, samples) = stats(FULL_ANALYSIS);
        assert_eq!(samples, 0);
        assert_eq!(full, plain);
        assert!(full
            .iter()
            .any(|(idx, stat)| idx == "tickets_status" && stat == "5000 715"));
    }

    /// The two lists name every table the migrations make (the full-text index's own tables
    /// aside): a table added to the schema must be classed as log or derived.
    #[test]
    fn log_and_derived_tables_are_every_table_of_the_schema() {
        let mem = Connection::open_in_memory().unwrap();
        register_functions(&mem).unwrap();
        rusqlite::vtab::array::load_module(&mem).unwrap();
        let db = db::Db::lite(mem);
        migrate(&db).unwrap();
        let mem = db.sqlite().unwrap();
        let mut tables: Vec<String> = mem
            .prepare(
                "SELECT name FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'ticket_fts_%' ORDER BY name",
            )
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        tables.sort();
        let mut listed: Vec<String> = LOG_TABLES
            .iter()
            .chain(DERIVED_TABLES)
            .map(|t| t.to_string())
            .collect();
        listed.sort();
        assert_eq!(tables, listed);
        let reference = reference_derived_schema().unwrap();
        for table in DERIVED_TABLES {
            assert!(reference.iter().any(|(name, _)| name == table), "{table}");
        }
    }
}
