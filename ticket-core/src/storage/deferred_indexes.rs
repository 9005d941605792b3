//! Secondary indexes set aside while many rows are written at once (a rebuild, a big batch
//! of new tickets on a directory silo): dropped inside the writer's transaction and made
//! again before it ends, one sort per index instead of a b-tree insert per row. Their
//! definitions are read back from the schema, so they come back exactly as they were; the
//! drop is part of the transaction, so a rollback brings them back and no other connection
//! ever sees them missing. PostgreSQL keeps its indexes (its readers would wait on the
//! table's lock).
use crate::error::Result;
use crate::storage::db::{args, Db};

/// The tables whose indexes are set aside: those a rebuild or a batch of new tickets fills.
const TABLES: &str = "'tickets', 'tags', 'properties'";

/// FTS5's settings while many documents are written: no merging on the way and a bigger
/// pending index, so fewer segments are written at all (a rebuild merges them into one at
/// its end with `optimize`; a batch leaves one segment of its own).
pub(crate) const FTS_BULK_ON: &str =
    "INSERT INTO ticket_fts (ticket_fts, rank) VALUES ('automerge', 0); \
     INSERT INTO ticket_fts (ticket_fts, rank) VALUES ('crisismerge', 1999); \
     INSERT INTO ticket_fts (ticket_fts, rank) VALUES ('hashsize', 67108864);";
/// FTS5's defaults again (automerge 4, crisismerge 16, hashsize 1 MiB).
pub(crate) const FTS_BULK_OFF: &str =
    "INSERT INTO ticket_fts (ticket_fts, rank) VALUES ('automerge', 4); \
     INSERT INTO ticket_fts (ticket_fts, rank) VALUES ('crisismerge', 16); \
     INSERT INTO ticket_fts (ticket_fts, rank) VALUES ('hashsize', 1048576);";

/// Helper threads for SQLite's sorter while the indexes are made again: one per core beyond
/// the first, at least one (SQLite runs them only for sorts too big to do at once in memory),
/// at most three.
fn sort_threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get().saturating_sub(1))
        .unwrap_or(1)
        .clamp(1, 3)
}

/// Indexes dropped for this transaction, with the statements that make them again.
#[derive(Debug, Default)]
#[must_use = "the dropped indexes must be made again before the transaction commits"]
pub(crate) struct DeferredIndexes {
    definitions: Vec<(String, String)>,
    /// Whether FTS5's merging was set aside too (a batch; a rebuild sets it itself, around
    /// its final merge).
    active: bool,
}

impl DeferredIndexes {
    /// Drops the secondary indexes of the filled tables (none on PostgreSQL). Constraint
    /// indexes (unique numbers and uuids, primary keys) stay: the writes read them.
    pub(crate) fn set_aside(conn: &Db) -> Result<DeferredIndexes> {
        if conn.is_postgres() {
            return Ok(DeferredIndexes::default());
        }
        let definitions: Vec<(String, String)> = conn.rows(
            &format!(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
                 AND tbl_name IN ({TABLES}) ORDER BY name"
            ),
            args![],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        for (name, _) in &definitions {
            conn.batch(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")))?;
        }
        Ok(DeferredIndexes {
            definitions,
            active: false,
        })
    }

    /// For a batch of `new` tickets: the indexes are set aside if the batch brings at least
    /// as many tickets as there are already (the highest row id stands for their count, read
    /// without a scan), else kept. Making an index again sorts every row of its table, the
    /// old ones too; measured on the generator's tickets (benches/README.md, "Session 15"),
    /// 10k tickets in batches of 4,000 went from 14,062 to 15,473 tickets/s with the first
    /// two batches' indexes set aside, and setting the third's aside (2,000 into 8,000)
    /// gained less (14,900).
    pub(crate) fn for_batch(conn: &Db, new: usize) -> Result<DeferredIndexes> {
        if conn.is_postgres() {
            return Ok(DeferredIndexes::default());
        }
        let there: i64 = conn.value("SELECT coalesce(max(rowid), 0) FROM tickets", args![])?;
        if (new as i64) < there {
            conn.batch(FTS_BULK_ON)?;
            return Ok(DeferredIndexes {
                definitions: Vec::new(),
                active: true,
            });
        }
        let mut deferred = DeferredIndexes::set_aside(conn)?;
        conn.batch(FTS_BULK_ON)?;
        deferred.active = true;
        Ok(deferred)
    }

    /// FTS5's own settings again, then the indexes, sorted with helper threads (the setting
    /// holds for the connection, so it goes back to none afterwards, also when a statement
    /// fails).
    pub(crate) fn restore(self, conn: &Db) -> Result<()> {
        if self.active {
            conn.batch(FTS_BULK_OFF)?;
        }
        if self.definitions.is_empty() {
            return Ok(());
        }
        conn.batch(&format!("PRAGMA threads = {}", sort_threads()))?;
        let made = (self.definitions.iter()).try_for_each(|(_, sql)| conn.batch(sql));
        conn.batch("PRAGMA threads = 0")?;
        made
    }
}
