//! `rebuild`: the derived tables replayed from the change log.
use rusqlite::{params, Connection};

use crate::apply::{apply, refresh, TicketIds, Touched};
use crate::changes::Record;
use crate::error::{Error, Result};
use crate::silo::Silo;

/// What a rebuild did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RebuildStats {
    /// Change records replayed.
    pub changes: u64,
    /// Tickets in the rebuilt tables.
    pub tickets: u64,
}

impl Silo {
    /// Drops the derived tables' rows and replays the change log in `(at, uuid)` order, in one
    /// transaction.
    pub fn rebuild(&self) -> Result<RebuildStats> {
        let conn = self.lock();
        crate::storage::prepare_for_writing(&conn)?;
        conn.execute_batch("BEGIN IMMEDIATE").map_err(Error::from)?;
        match rebuild_in(&conn) {
            Ok(stats) => {
                conn.execute_batch("COMMIT")?;
                crate::storage::after_writing(&conn);
                Ok(stats)
            }
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }

    /// Tickets that violate the current validation rules (after a configuration change).
    pub fn check(&self) -> Result<Vec<crate::error::Violation>> {
        let conn = self.lock();
        let ids: Vec<i64> = conn
            .prepare("SELECT id FROM tickets ORDER BY length(number), number")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        crate::validate::violations(self, &conn, &ids, self.context().clock.today())
    }
}

/// Replays the whole log into emptied derived tables, inside the caller's transaction.
pub(crate) fn rebuild_in(conn: &Connection) -> Result<RebuildStats> {
    conn.execute_batch(
        "DELETE FROM tags; DELETE FROM properties; DELETE FROM entries; DELETE FROM attachments; INSERT INTO ticket_fts (ticket_fts) VALUES ('delete-all'); DELETE FROM tickets;",
    )?;
    // Indexes the replay itself does not read are dropped and built again afterwards: one
    // sort per index instead of a b-tree insert per row (their definitions are read back from
    // the schema, so they come back exactly as they were).
    let deferred: Vec<(String, String)> = conn
        .prepare(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
             AND tbl_name IN ('tickets', 'tags', 'properties') AND name <> 'properties_ticket' ORDER BY name",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (name, _) in &deferred {
        conn.execute_batch(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")))?;
    }
    let mut stmt = conn.prepare(
        "SELECT ticket_uuid, op, key, old_value, new_value, item, minutes, size, sha256, at, author FROM changes ORDER BY at, uuid",
    )?;
    let mut rows = stmt.query(params![])?;
    let mut n = 0u64;
    let mut ids = TicketIds::default();
    let mut touched = Touched::default();
    while let Some(r) = rows.next()? {
        let op: String = r.get(1)?;
        let rec = Record {
            ticket_uuid: r.get(0)?,
            op: Some(op.parse().map_err(|m| Error::Import { message: m })?),
            key: r.get(2)?,
            old_value: r.get(3)?,
            new_value: r.get(4)?,
            item: r.get(5)?,
            minutes: r.get(6)?,
            size: r.get::<_, Option<i64>>(7)?.map(|s| s as u64),
            sha256: r.get(8)?,
        };
        let at: String = r.get(9)?;
        let author: String = r.get(10)?;
        let id = apply(conn, &mut ids, &rec, &at, &author)?;
        touched.note(id, &rec, &at);
        n += 1;
    }
    drop(rows);
    drop(stmt);
    for (_, sql) in &deferred {
        conn.execute_batch(sql)?;
    }
    // the same refresh as after a change set, for every ticket at once
    refresh(conn, &touched)?;
    let tickets: i64 = conn.query_row("SELECT count(*) FROM tickets", [], |r| r.get(0))?;
    Ok(RebuildStats {
        changes: n,
        tickets: tickets as u64,
    })
}
