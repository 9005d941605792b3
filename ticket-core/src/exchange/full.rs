//! Import of a full JSON export: its change records are added to the log and replayed.
use std::path::Path;

use rusqlite::params;
use serde::Deserialize;

use super::{source_error, ImportReport};
use crate::changes::ChangeOp;
use crate::error::{Error, Result};
use crate::rebuild::rebuild_in;
use crate::silo::Silo;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    format: String,
    version: u32,
    tickets: Vec<FullTicket>,
}

#[derive(Deserialize)]
struct FullTicket {
    number: String,
    uuid: String,
    history: Vec<Record>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Record {
    uuid: String,
    set_id: String,
    at: String,
    author: String,
    op: String,
    key: Option<String>,
    old_value: Option<String>,
    new_value: Option<String>,
    item: Option<u32>,
    minutes: Option<u32>,
    size: Option<u64>,
    sha256: Option<String>,
}

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

impl Silo {
    /// Imports a full JSON export from a file.
    pub fn import_json_file(&self, path: &Path) -> Result<ImportReport> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        self.import_json(&text)
    }

    /// Imports a full JSON export (`ticket export full`): all or nothing; tickets whose uuid is
    /// already in the silo are reported and skipped.
    pub fn import_json(&self, text: &str) -> Result<ImportReport> {
        let doc: Document =
            serde_json::from_str(text).map_err(|e| source_error("not a full export", e))?;
        if doc.format != "ticket-full" || doc.version != 1 {
            return Err(source_error(
                "not a full export",
                format!("format {:?} version {}", doc.format, doc.version),
            ));
        }
        self.write(|w| {
            let mut report = ImportReport::default();
            for t in &doc.tickets {
                let exists: i64 = w.conn.query_row("SELECT count(*) FROM tickets WHERE uuid = ?1", [&t.uuid], |r| r.get(0))?;
                if exists > 0 {
                    report.already_there.push(t.uuid.clone());
                    continue;
                }
                let taken: i64 = w.conn.query_row("SELECT count(*) FROM tickets WHERE number = ?1", [&t.number], |r| r.get(0))?;
                if taken > 0 {
                    return Err(source_error("cannot import", format!("ticket number {} is already used by another ticket", t.number)));
                }
                if !is_hex(&t.uuid, 32) || t.history.first().map(|c| c.op.as_str()) != Some("create") {
                    return Err(source_error("malformed ticket", format!("{} (uuid {:?}) must start with its create record", t.number, t.uuid)));
                }
                for c in &t.history {
                    c.op.parse::<ChangeOp>().map_err(|m| source_error("malformed change", m))?;
                    if !is_hex(&c.uuid, 32) || !c.uuid.starts_with(&c.set_id) || chrono::DateTime::parse_from_rfc3339(&c.at).is_err() {
                        return Err(source_error("malformed change", format!("{} in ticket {}", c.uuid, t.number)));
                    }
                    let at = crate::silo::format_at(crate::silo::parse_at(&c.at));
                    w.conn
                        .prepare_cached(
                            "INSERT OR IGNORE INTO changes (uuid, set_id, ticket_uuid, at, author, op, key, old_value, new_value, item, minutes, size, sha256) \
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                        )?
                        .execute(params![c.uuid, c.set_id, t.uuid, at, c.author, c.op, c.key, c.old_value, c.new_value, c.item, c.minutes, c.size.map(|s| s as i64), c.sha256])?;
                }
                report.created.push(t.number.clone());
            }
            if !report.created.is_empty() {
                rebuild_in(w.conn)?;
            }
            Ok(report)
        })
    }
}
