//! The floor of a bulk creation on a directory silo: SQLite handed the finished rows.
//!
//! `ticket-benches floor SRC DST` copies every row a bulk creation made in the silo `SRC`
//! (change sets, change records, ticket ids, tickets with their list rows, runs, tags,
//! properties, entries, the full-text documents) into a new silo `DST` made by the core API,
//! in one transaction, with `INSERT INTO … SELECT * FROM src.…` from an in-memory copy read
//! before the clock starts: no statement per row, no parameter, no rule, no hash. It sets
//! aside the same secondary indexes a big batch sets aside and uses the same FTS5 bulk
//! settings and page cache, with every trigger in place, and times the transaction up to its
//! commit (the checkpoint included). What it measures is how fast this SQLite can store what
//! those tickets are made of, whatever computes it: the bound below which no change to the
//! write path can take a bulk creation.
use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::Connection;

/// The tables a bulk creation fills, in the order they are copied.
const TABLES: [&str; 8] = [
    "change_sets",
    "changes",
    "ticket_ids",
    "tickets",
    "ticket_runs",
    "tags",
    "properties",
    "entry_rows",
];

/// What [`load`] measured.
#[derive(Debug)]
pub struct Floor {
    /// Tickets copied.
    pub tickets: u64,
    /// Rows copied, the full-text documents included.
    pub rows: u64,
    /// The transaction, from its start to its commit.
    pub elapsed: Duration,
    /// Its steps, each with its time: a table's copy, the documents, the indexes, the commit.
    pub steps: Vec<(String, Duration)>,
}

/// Copies the bulk-made silo `src` into a new silo `dst` (module docs).
pub fn load(src: &Path, dst: &Path) -> Result<Floor, String> {
    let err = |e: rusqlite::Error| e.to_string();
    ticket_core::Silo::create(
        dst,
        ticket_core::Context::new(ticket_core::Clock::system(), "bench"),
    )
    .map_err(|e| e.to_string())?;
    let db = Connection::open(dst.join("silo.db")).map_err(err)?;
    let source = src.join("silo.db");
    db.execute(
        "ATTACH DATABASE ?1 AS disk",
        [source.to_str().ok_or("the source path is not UTF-8")?],
    )
    .map_err(err)?;
    let tickets: u64 = db
        .query_row("SELECT count(*) FROM disk.tickets", [], |r| r.get(0))
        .map_err(err)?;
    // the rows are read into memory before the clock starts (the write path has them in
    // memory, not in another file), the documents put together from them (a new ticket's
    // title, summary and entries)
    db.execute_batch("ATTACH DATABASE ':memory:' AS src")
        .map_err(err)?;
    for table in TABLES {
        db.execute_batch(&format!(
            "CREATE TABLE src.{table} AS SELECT * FROM disk.{table}"
        ))
        .map_err(err)?;
    }
    db.execute_batch(
        "CREATE TABLE src.documents AS SELECT t.id, t.title, t.summary, \
         coalesce((SELECT group_concat(c.value, char(10)) FROM disk.entry_rows e \
         JOIN disk.changes c ON c.id = e.change WHERE e.ticket_id = t.id AND e.removed = 0), '') \
         AS entries FROM disk.tickets t; \
         DETACH DATABASE disk",
    )
    .map_err(err)?;
    // what a batch of new tickets sets: its page cache (4 KiB a ticket, 64 MiB to 1 GiB)
    let cache_kib = (tickets as i64 * 4).clamp(64 * 1024, 1024 * 1024);
    db.execute_batch(&format!(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -{cache_kib}"
    ))
    .map_err(err)?;
    let indexes: Vec<(String, String)> = {
        let mut st = db
            .prepare(
                "SELECT name, sql FROM main.sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
                 AND tbl_name IN ('tickets', 'tags', 'properties') ORDER BY name",
            )
            .map_err(err)?;
        let rows = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(err)?;
        rows.collect::<Result<_, _>>().map_err(err)?
    };
    let started = Instant::now();
    db.execute_batch("BEGIN IMMEDIATE").map_err(err)?;
    for (name, _) in &indexes {
        db.execute_batch(&format!("DROP INDEX main.\"{name}\""))
            .map_err(err)?;
    }
    db.execute_batch(
        "INSERT INTO ticket_fts (ticket_fts, rank) VALUES ('automerge', 0); \
         INSERT INTO ticket_fts (ticket_fts, rank) VALUES ('crisismerge', 1999); \
         INSERT INTO ticket_fts (ticket_fts, rank) VALUES ('hashsize', 67108864);",
    )
    .map_err(err)?;
    let mut steps = Vec::new();
    let mut step = started;
    let mut lap = |name: &str| {
        steps.push((name.to_string(), step.elapsed()));
        step = Instant::now();
    };
    lap("indexes and FTS5 merging set aside");
    let mut rows = 0u64;
    for table in TABLES {
        rows += db
            .execute(
                &format!("INSERT INTO main.{table} SELECT * FROM src.{table}"),
                [],
            )
            .map_err(err)? as u64;
        lap(table);
    }
    rows += db
        .execute(
            "INSERT INTO ticket_fts (rowid, title, summary, entries) \
             SELECT id, title, summary, entries FROM src.documents",
            [],
        )
        .map_err(err)? as u64;
    lap("full-text documents");
    db.execute_batch(
        "INSERT INTO ticket_fts (ticket_fts, rank) VALUES ('automerge', 4); \
         INSERT INTO ticket_fts (ticket_fts, rank) VALUES ('crisismerge', 16); \
         INSERT INTO ticket_fts (ticket_fts, rank) VALUES ('hashsize', 1048576); \
         PRAGMA threads = 1;",
    )
    .map_err(err)?;
    for (_, sql) in &indexes {
        db.execute_batch(sql).map_err(err)?;
    }
    lap("indexes made again");
    db.execute_batch("PRAGMA threads = 0; DELETE FROM main.list_stale; COMMIT")
        .map_err(err)?;
    lap("commit");
    Ok(Floor {
        tickets,
        rows,
        elapsed: started.elapsed(),
        steps,
    })
}
