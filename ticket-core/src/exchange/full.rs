//! Import of a full JSON export (`ticket export full`): its change records join the log and
//! the derived tables are replayed. Everything in the document is validated like a command's
//! arguments before anything is kept; one bad field refuses the whole document.
use crate::storage::db::{args, Db};
use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use serde::Deserialize;

use super::{source_error, ImportReport};
use crate::apply::{apply, refresh, Touched};
use crate::error::{Error, Result};
use crate::log::wire::{Resolve, WireRecord};
use crate::log::{check_ticket_uuid, ChangeId, SetId};
use crate::rebuild::rebuild_in;
use crate::silo::{format_at, Silo};
use crate::storage::log as store;

/// The format and version a full export carries.
pub(crate) const FULL_FORMAT: &str = "ticket-full";
/// Version 2: records with typed operations, change ids and ticket references by uuid.
pub(crate) const FULL_VERSION: u32 = 2;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    format: String,
    version: u32,
    tickets: Vec<FullTicket>,
}

/// A ticket of the document: its uuid and records are what is imported; the other fields
/// are the derived state, for readers of the file, and are rebuilt from the records.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub(crate) struct FullTicket {
    /// The number (informational: the create record's number is what counts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    pub uuid: String,
    pub history: Vec<WireRecord>,
}

/// Resolves references against the silo's log while records are added in replay order.
pub(crate) struct LogResolve<'c> {
    pub conn: &'c Db,
}

impl Resolve for LogResolve<'_> {
    fn ticket(&mut self, uuid: &str) -> Result<i64> {
        store::ticket_row(self.conn, uuid)
    }
    fn change(&mut self, id: &ChangeId) -> Result<i64> {
        store::find_change(self.conn, id)?
            .map(|(local, _)| local)
            .ok_or_else(|| {
                Error::invalid(
                    "target",
                    &id.to_string(),
                    "refers to a record that is neither in the silo nor earlier in the document",
                )
            })
    }
    fn ticket_uuid(&mut self, id: i64) -> Result<String> {
        store::ticket_uuid(self.conn, id)
    }
    fn change_id(&mut self, id: i64) -> Result<ChangeId> {
        store::change_id(self.conn, id)
    }
}

/// One record of the document, checked, waiting for its turn in replay order.
struct Incoming<'d> {
    ticket: &'d str,
    number: &'d str,
    wire: &'d WireRecord,
}

/// A change set of the document.
struct IncomingSet<'d> {
    at: chrono::DateTime<chrono::Utc>,
    author: &'d str,
    records: BTreeMap<u32, Incoming<'d>>,
}

fn ticket_exists(conn: &Db, id: i64) -> Result<bool> {
    Ok(conn
        .opt("SELECT 1 FROM tickets WHERE id = ?1", args![id], |_| Ok(()))?
        .is_some())
}

fn bad(number: &str, record: &str, e: Error) -> Error {
    Error::BadRecord {
        ticket: number.to_string(),
        record: record.to_string(),
        message: e.to_string(),
    }
}

impl Silo {
    /// Imports a full JSON export from a file.
    pub fn import_json_file(&self, path: &Path) -> Result<ImportReport> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        self.import_json(&text)
    }

    /// Imports a full JSON export (`ticket export full`): all or nothing. Records the silo
    /// already has are skipped, so importing the same document twice adds nothing; tickets
    /// whose uuid the silo already knows are reported as already there.
    pub fn import_json(&self, text: &str) -> Result<ImportReport> {
        let doc: Document =
            serde_json::from_str(text).map_err(|e| source_error("not a full export", e))?;
        if doc.format != FULL_FORMAT || doc.version != FULL_VERSION {
            return Err(source_error(
                "not a full export of this version",
                format!(
                    "format {:?} version {} (expected {FULL_FORMAT:?} version {FULL_VERSION})",
                    doc.format, doc.version
                ),
            ));
        }
        let (report, _) = self.import_records(&doc.tickets)?;
        Ok(report)
    }

    /// Adds the records of `tickets` the silo lacks, in one transaction, and rebuilds: the
    /// one path for full imports, bundles and sync. Returns the report and what was added.
    pub(crate) fn import_records(&self, tickets: &[FullTicket]) -> Result<(ImportReport, Added)> {
        // check every field and group the records into their change sets, in replay order
        let mut sets: BTreeMap<SetId, IncomingSet<'_>> = BTreeMap::new();
        let mut uuids = HashSet::new();
        for t in tickets {
            check_ticket_uuid(&t.uuid)
                .map_err(|e| bad(t.number.as_deref().unwrap_or(&t.uuid), "", e))?;
            if !uuids.insert(t.uuid.as_str()) {
                return Err(source_error(
                    "malformed export",
                    format!("ticket {} appears twice", t.uuid),
                ));
            }
            if t.history.is_empty() {
                return Err(bad(
                    t.number.as_deref().unwrap_or(&t.uuid),
                    "",
                    Error::invalid(
                        "history",
                        "",
                        "a ticket needs its records, starting with its create record",
                    ),
                ));
            }
            for w in &t.history {
                let (id, at) = w
                    .header()
                    .map_err(|e| bad(t.number.as_deref().unwrap_or(&t.uuid), &w.id, e))?;
                let set = sets.entry(id.set.clone()).or_insert_with(|| IncomingSet {
                    at,
                    author: &w.author,
                    records: BTreeMap::new(),
                });
                if set.at != at || set.author != w.author {
                    return Err(bad(
                        t.number.as_deref().unwrap_or(&t.uuid),
                        &w.id,
                        Error::invalid(
                            "change set",
                            &id.set.to_string(),
                            "its records disagree on the time or the author",
                        ),
                    ));
                }
                if set
                    .records
                    .insert(
                        id.index,
                        Incoming {
                            ticket: &t.uuid,
                            number: t.number.as_deref().unwrap_or(&t.uuid),
                            wire: w,
                        },
                    )
                    .is_some()
                {
                    return Err(bad(
                        t.number.as_deref().unwrap_or(&t.uuid),
                        &w.id,
                        Error::invalid("change id", &w.id, "appears twice"),
                    ));
                }
            }
        }
        self.write(|w| {
            let conn = w.conn;
            let known: HashSet<String> = uuids
                .iter()
                .filter(|u| store::find_ticket_row(conn, u).ok().flatten().is_some())
                .map(|u| u.to_string())
                .collect();
            let mut report = ImportReport::default();
            let mut added = 0u64;
            let mut sets_added = 0u64;
            let mut resolve = LogResolve { conn };
            // Records that all come after everything the log holds (a pull into a copy that
            // wrote nothing since) are applied as they are added, like a write; otherwise the
            // derived tables are replayed from the whole log.
            let last = store::last_set(conn)?;
            let mut incremental = true;
            for id in sets.keys() {
                if store::find_set(conn, id)?.is_some() {
                    incremental = false;
                    break;
                }
                if last.as_ref().is_some_and(|last| id <= last) {
                    incremental = false;
                    break;
                }
            }
            let mut touched = Touched::default();
            let mut created: HashSet<i64> = HashSet::new();
            // the new tickets (local id, the number their create names), for the report
            let mut new_tickets: Vec<(i64, String)> = Vec::new();
            for (id, set) in &sets {
                let row = match store::find_set(conn, id)? {
                    Some(row) => row,
                    None => {
                        let replica = store::replica_row(conn, &id.replica)?;
                        store::insert_set(
                            conn,
                            store::SetClock::Is(id.clock),
                            replica,
                            &format_at(set.at),
                            set.author,
                        )?
                    }
                };
                let before = added;
                for (index, r) in &set.records {
                    if store::has_record(conn, row, *index)? {
                        continue;
                    }
                    let op = r
                        .wire
                        .decode(&mut resolve)
                        .map_err(|e| bad(r.number, &r.wire.id, e))?;
                    let ticket = store::ticket_row(conn, r.ticket)?;
                    if let crate::log::Operation::Create { number } = &op {
                        if !known.contains(r.ticket) {
                            new_tickets.push((ticket, number.to_string()));
                        }
                    }
                    let local = store::insert_record(conn, row, *index, ticket, &op.encode())?;
                    added += 1;
                    if incremental {
                        let create = matches!(op, crate::log::Operation::Create { .. });
                        if !create && !created.contains(&ticket) && !ticket_exists(conn, ticket)? {
                            return Err(source_error(
                                "cannot import",
                                bad(
                                    r.number,
                                    &r.wire.id,
                                    Error::invalid(
                                        "change record",
                                        "",
                                        "comes before its ticket's create record",
                                    ),
                                ),
                            ));
                        }
                        if create {
                            created.insert(ticket);
                        }
                        let rec = crate::log::Record { ticket, op };
                        let at = format_at(set.at);
                        if let Some(repair) = apply(conn, &rec, local, &at, set.author)
                            .map_err(|e| source_error("cannot import", e))?
                        {
                            report.repairs.push(repair);
                        }
                        touched.note(&rec, &at);
                    }
                }
                if added > before {
                    sets_added += 1;
                }
                store::index_sets(conn, &[row])?;
            }
            report.already_there = known.into_iter().collect();
            report.already_there.sort();
            w.records += added;
            if added > 0 && incremental {
                refresh(conn, &touched)?;
            } else if added > 0 {
                // the repairs the replay made that were not there before are this import's
                let known: HashSet<i64> = crate::storage::state::all_repairs(conn)?
                    .into_iter()
                    .map(|(change, _)| change)
                    .collect();
                rebuild_in(conn).map_err(|e| match e {
                    Error::BadRecord { .. } => source_error("cannot import", e),
                    other => other,
                })?;
                for (change, text) in crate::storage::state::all_repairs(conn)? {
                    if !known.contains(&change) {
                        report.repairs.push(text);
                    }
                }
            }
            // the numbers the new tickets have now: a create whose number another ticket
            // took first in replay order got the next free one (sync.md 2)
            let mut now = crate::storage::state::numbers_of(
                conn,
                new_tickets.iter().map(|(ticket, _)| *ticket).collect(),
            )?;
            for (ticket, number) in new_tickets {
                report.created.push(now.remove(&ticket).unwrap_or(number));
            }
            Ok((
                report,
                Added {
                    records: added,
                    sets: sets_added,
                },
            ))
        })
    }
}

/// The records an import added, and the change sets they belong to (a set counts once, also
/// when it had records already: a bundle may carry sets this silo holds in part or whole).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Added {
    pub records: u64,
    pub sets: u64,
}
