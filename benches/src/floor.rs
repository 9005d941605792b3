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

/// What is stored: a bulk creation's rows into a new silo, or a rebuild's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Every row of the tickets into a new silo.
    Bulk,
    /// The derived rows again over the log of a copy (module docs).
    Rebuild,
}

/// The tables a rebuild empties and fills (the full-text index aside).
const DERIVED: [&str; 4] = ["tickets", "tags", "properties", "entry_rows"];

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
    /// The change records of the log (a rebuild's figure is records a second).
    pub records: u64,
    /// Rows copied, the full-text documents included.
    pub rows: u64,
    /// The transaction, from its start to its commit.
    pub elapsed: Duration,
    /// Its steps, each with its time: a table's copy, the documents, the indexes, the commit.
    pub steps: Vec<(String, Duration)>,
}

/// Stores the rows of the bulk-made silo `src` in a new silo `dst`, in `shape` (module docs).
pub fn load(src: &Path, dst: &Path, shape: Shape) -> Result<Floor, String> {
    let err = |e: rusqlite::Error| e.to_string();
    let source = src.join("silo.db");
    match shape {
        Shape::Bulk => {
            ticket_core::Silo::create(
                dst,
                ticket_core::Context::new(ticket_core::Clock::system(), "bench"),
            )
            .map_err(|e| e.to_string())?;
        }
        Shape::Rebuild => {
            // the source's log whole in its file first: the copy is a silo of its own
            Connection::open(&source)
                .and_then(|c| c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)"))
                .map_err(err)?;
            std::fs::create_dir_all(dst.join("attachments"))
                .map_err(|e| format!("{}: {e}", dst.display()))?;
            for file in ["silo.db", "silo.json"] {
                std::fs::copy(src.join(file), dst.join(file))
                    .map_err(|e| format!("{}: {e}", src.join(file).display()))?;
            }
        }
    }
    let tables: &[&str] = match shape {
        Shape::Bulk => &TABLES,
        Shape::Rebuild => &DERIVED,
    };
    let db = Connection::open(dst.join("silo.db")).map_err(err)?;
    db.execute(
        "ATTACH DATABASE ?1 AS disk",
        [source.to_str().ok_or("the source path is not UTF-8")?],
    )
    .map_err(err)?;
    let (tickets, records): (u64, u64) = db
        .query_row(
            "SELECT (SELECT count(*) FROM disk.tickets), (SELECT count(*) FROM disk.changes)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(err)?;
    // the rows are read into memory before the clock starts (the write path has them in
    // memory, not in another file), the documents put together from them (a new ticket's
    // title, summary and entries)
    db.execute_batch("ATTACH DATABASE ':memory:' AS src")
        .map_err(err)?;
    for table in tables {
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
    // the schema's (name, statement) pairs the transaction sets aside and makes again
    let definitions = |filter: &str| -> Result<Vec<(String, String)>, String> {
        let mut st = db
            .prepare(&format!(
                "SELECT name, sql FROM main.sqlite_master WHERE {filter} ORDER BY name"
            ))
            .map_err(err)?;
        let rows = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(err)?;
        rows.collect::<Result<_, _>>().map_err(err)
    };
    let indexes = definitions(
        "type = 'index' AND sql IS NOT NULL AND tbl_name IN ('tickets', 'tags', 'properties')",
    )?;
    let triggers = definitions("type = 'trigger'")?;
    let started = Instant::now();
    db.execute_batch("BEGIN IMMEDIATE").map_err(err)?;
    let mut log_read = Duration::ZERO;
    if shape == Shape::Rebuild {
        for (name, _) in &triggers {
            db.execute_batch(&format!("DROP TRIGGER main.\"{name}\""))
                .map_err(err)?;
        }
        db.execute_batch(
            "DELETE FROM main.repairs; DELETE FROM main.tags; DELETE FROM main.properties; \
             DELETE FROM main.entry_rows; DELETE FROM main.attachments; \
             INSERT INTO ticket_fts (ticket_fts) VALUES ('delete-all'); DELETE FROM main.tickets",
        )
        .map_err(err)?;
        // every record read once, every column of it
        let read = Instant::now();
        db.query_row(
            "SELECT count(*), sum(ticket + op + coalesce(num, 0)), sum(length(key)), \
             sum(length(value)), sum(length(sha)) FROM main.changes",
            [],
            |_| Ok(()),
        )
        .map_err(err)?;
        log_read = read.elapsed();
    }
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
    if shape == Shape::Rebuild {
        steps.push(("the log read (within the next step)".to_string(), log_read));
    }
    let mut step = started;
    let mut lap = |name: &str| {
        steps.push((name.to_string(), step.elapsed()));
        step = Instant::now();
    };
    match shape {
        Shape::Bulk => lap("indexes and FTS5 merging set aside"),
        Shape::Rebuild => lap("derived rows deleted, the log read, indexes set aside"),
    }
    let mut rows = 0u64;
    for table in tables {
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
    if shape == Shape::Rebuild {
        db.execute_batch("INSERT INTO ticket_fts (ticket_fts) VALUES ('optimize')")
            .map_err(err)?;
        lap("full-text segments merged");
    }
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
    if shape == Shape::Rebuild {
        for (_, sql) in &triggers {
            db.execute_batch(sql).map_err(err)?;
        }
    }
    lap("indexes made again");
    db.execute_batch("PRAGMA threads = 0; DELETE FROM main.list_stale; COMMIT")
        .map_err(err)?;
    lap("commit");
    Ok(Floor {
        tickets,
        records,
        rows,
        elapsed: started.elapsed(),
        steps,
    })
}
