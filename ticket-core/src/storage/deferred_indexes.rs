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
        Ok(DeferredIndexes { definitions })
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
            return Ok(DeferredIndexes::default());
        }
        DeferredIndexes::set_aside(conn)
    }

    /// Makes the indexes again, sorted with helper threads (the setting holds for the
    /// connection, so it goes back to none afterwards, also when a statement fails).
    pub(crate) fn restore(self, conn: &Db) -> Result<()> {
        if self.definitions.is_empty() {
            return Ok(());
        }
        conn.batch(&format!("PRAGMA threads = {}", sort_threads()))?;
        let made = (self.definitions.iter()).try_for_each(|(_, sql)| conn.batch(sql));
        conn.batch("PRAGMA threads = 0")?;
        made
    }
}
