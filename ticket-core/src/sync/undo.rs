//! `undo` and the timeline (sync.md 3).
use crate::storage::db::Db;
use crate::storage::state;
use std::collections::{BTreeSet, HashSet};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::changes::{Change, ChangeOp};
use crate::error::{Error, Result};
use crate::log::{Operation, Record, SetId};
use crate::silo::{parse_at, Silo};
use crate::storage::log::{self as store, StoredRecord};

/// What an undo did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UndoReport {
    /// The change set undone.
    pub undone: String,
    /// Records written to undo it.
    pub records: usize,
    /// The tickets it touched (their numbers).
    pub tickets: Vec<String>,
}

/// One change set of the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimelineSet {
    /// The change set's id (`undo` takes it).
    pub id: String,
    /// When (the writer's wall clock, or an import's source time).
    pub at: DateTime<Utc>,
    /// Who.
    pub author: String,
    /// What changed, ticket by ticket.
    pub changes: Vec<TimelineChange>,
    /// Whether a later change set undid it.
    pub undone: bool,
}

/// One change of a timeline entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimelineChange {
    /// The ticket's number now.
    pub number: String,
    /// The change in words.
    pub what: String,
}

fn cannot(set: &SetId, reason: impl Into<String>) -> Error {
    Error::CannotUndo {
        set: set.to_string(),
        reason: reason.into(),
    }
}

fn decode_set(conn: &Db, row: i64) -> Result<Vec<(StoredRecord, Operation)>> {
    let mut out = Vec::new();
    store::for_each_record_of_sets(conn, Some(&[row]), |s| {
        let op = Operation::decode(s.row.clone())
            .map_err(|e| crate::rebuild::bad_record(conn, &s, e))?;
        out.push((s, op));
        Ok(())
    })?;
    Ok(out)
}

/// The value a single-valued field had before record `s` (its ticket's previous record of
/// the same kind in replay order).
fn previous(conn: &Db, s: &StoredRecord, code: i64) -> Result<Option<Operation>> {
    let mut found = None;
    for (r, op) in crate::read::ticket_records(conn, s.ticket)? {
        if r.id == s.id {
            break;
        }
        if op.code() == code {
            found = Some(op);
        }
    }
    Ok(found)
}

/// The record that takes `op` (record `s` of set `set`) back, if the ticket still is as
/// `op` left it; `None` for records with nothing to take back (undo marks).
fn invert(conn: &Db, set: &SetId, s: &StoredRecord, op: &Operation) -> Result<Option<Operation>> {
    let t = s.ticket;
    let number = crate::log::number_of(conn, t)?;
    let changed = |what: &str| cannot(set, format!("ticket {number}: {what} changed since"));
    Ok(Some(match op {
        Operation::Create { .. } => {
            return Err(cannot(
                set,
                format!("it creates ticket {number}; a creation cannot be undone (set the ticket's status to abandoned instead)"),
            ))
        }
        Operation::Undo { .. } => return Ok(None),
        Operation::Title(v) | Operation::Summary(v) => {
            let (column, code) = match op {
                Operation::Title(_) => ("title", 1),
                _ => ("summary", 2),
            };
            let now = state::text_of(conn, t, code == 2)?;
            if now.as_deref() != Some(v.as_str()) {
                return Err(changed(&format!("its {column}")));
            }
            match previous(conn, s, code)? {
                Some(prev) => prev,
                None if code == 2 => Operation::Summary(String::new()),
                None => return Err(cannot(set, format!("ticket {number} had no title before"))),
            }
        }
        Operation::Status(st) => {
            let now = state::status_of(conn, t)?;
            if now != Some(i64::from(st.ordinal())) {
                return Err(changed("its status"));
            }
            previous(conn, s, 3)?.unwrap_or(Operation::Status(crate::model::Status::Open))
        }
        Operation::TagAdd(tag) | Operation::TagRemove(tag) => {
            let has = state::stored_tag(conn, t, &tag.lc())?.is_some();
            match (op, has) {
                (Operation::TagAdd(_), true) => Operation::TagRemove(tag.clone()),
                (Operation::TagRemove(_), false) => Operation::TagAdd(tag.clone()),
                _ => return Err(changed(&format!("its tag {tag}"))),
            }
        }
        Operation::PropAdd { key, value } => {
            let has = state::has_value(conn, t, &key.lc(), &value.lc())?;
            if !has {
                return Err(changed(&format!("its property {key} = {value}")));
            }
            Operation::PropRemove { key: key.clone(), value: value.clone() }
        }
        Operation::PropRemove { key, value } => Operation::PropAdd { key: key.clone(), value: value.clone() },
        Operation::RelAdd { key, target } => {
            let has = state::has_relation(conn, t, &key.lc(), *target)?;
            if !has {
                return Err(changed(&format!("its relation {key}")));
            }
            Operation::RelRemove { key: key.clone(), target: *target }
        }
        Operation::RelRemove { key, target } => Operation::RelAdd { key: key.clone(), target: *target },
        Operation::EntryAdd { .. } | Operation::EntryRemove { .. } | Operation::EntryRestore { .. } => {
            let entry = match op {
                Operation::EntryRemove { entry } | Operation::EntryRestore { entry } => *entry,
                _ => s.id,
            };
            let removed = state::item_removed(conn, t, entry, false)?;
            match (op, removed) {
                (Operation::EntryRemove { .. }, Some(1)) => Operation::EntryRestore { entry },
                (Operation::EntryAdd { .. } | Operation::EntryRestore { .. }, Some(0)) => Operation::EntryRemove { entry },
                _ => return Err(changed("an entry")),
            }
        }
        Operation::AttachAdd { .. } | Operation::AttachRemove { .. } | Operation::AttachRestore { .. } => {
            let attachment = match op {
                Operation::AttachRemove { attachment } | Operation::AttachRestore { attachment } => *attachment,
                _ => s.id,
            };
            let removed = state::item_removed(conn, t, attachment, true)?;
            match (op, removed) {
                (Operation::AttachRemove { .. }, Some(1)) => Operation::AttachRestore { attachment },
                (Operation::AttachAdd { .. } | Operation::AttachRestore { .. }, Some(0)) => Operation::AttachRemove { attachment },
                _ => return Err(changed("an attachment")),
            }
        }
    }))
}

impl Silo {
    /// Undoes a change set (by default this copy's latest) by appending its inverse as a new
    /// change set, after checking that each of its records still holds: if anything changed
    /// since, a clear error says what and nothing is written. The undone set stays in the
    /// history, marked by an `undo` record on each ticket; an undo can itself be undone.
    ///
    /// ```
    /// # use ticket_core::{Clock, Context, Silo};
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let silo = Silo::create(&dir.path().join("s"), Context::new(Clock::system(), "me")).unwrap();
    /// let n = silo.new_ticket("Backups", None, "").unwrap();
    /// silo.add_tag(n.as_str(), "oops").unwrap();
    /// silo.undo(None).unwrap();
    /// assert!(silo.get(n.as_str()).unwrap().tags.is_empty());
    /// silo.undo(None).unwrap(); // the undo, undone
    /// assert_eq!(silo.get(n.as_str()).unwrap().tags, vec!["oops"]);
    /// ```
    pub fn undo(&self, set: Option<&str>) -> Result<UndoReport> {
        self.write(|w| {
            let conn = w.conn;
            let (row, id) = match set {
                Some(text) => {
                    let id: SetId = text.trim().parse()?;
                    let row = store::find_set(conn, &id)?
                        .ok_or_else(|| cannot(&id, "this silo has no such change set"))?;
                    (row, id)
                }
                None => {
                    let own = self.replica_id().clone();
                    let found = store::latest_set_of(conn, &own)?;
                    let (row, clock) = found.ok_or_else(|| Error::CannotUndo {
                        set: "of this copy".into(),
                        reason: "this copy has written none yet (name another copy's change \
                                 set: `ticket log` lists them)"
                            .into(),
                    })?;
                    (
                        row,
                        SetId {
                            clock: clock.max(0) as u64,
                            replica: own,
                        },
                    )
                }
            };
            let records = decode_set(conn, row)?;
            // a creation first: whatever else the set did, it cannot be taken back
            if let Some((s, _)) = records
                .iter()
                .find(|(_, op)| matches!(op, Operation::Create { .. }))
            {
                invert(
                    conn,
                    &id,
                    s,
                    &records.iter().find(|(r, _)| r.id == s.id).expect("found").1,
                )?;
            }
            let mut inverse = Vec::new();
            let mut tickets = BTreeSet::new();
            for (s, op) in records.iter().rev() {
                if let Some(inv) = invert(conn, &id, s, op)? {
                    inverse.push(Record {
                        ticket: s.ticket,
                        op: inv,
                    });
                    tickets.insert(s.ticket);
                }
            }
            if inverse.is_empty() {
                return Err(cannot(&id, "it changed nothing that can be taken back"));
            }
            let mut numbers = Vec::new();
            for t in &tickets {
                w.emit(Record {
                    ticket: *t,
                    op: Operation::Undo { set: id.clone() },
                })?;
                numbers.push(crate::log::number_of(conn, *t)?);
            }
            let n = inverse.len();
            for r in inverse {
                w.emit(r)?;
            }
            Ok(UndoReport {
                undone: id.to_string(),
                records: n,
                tickets: numbers,
            })
        })
    }

    /// The silo's timeline (sync.md 3): change sets newest first, each with when, who and
    /// what changed on which ticket; `search` keeps the sets touching the tickets it selects.
    pub fn timeline(
        &self,
        search: Option<&str>,
        since: Option<DateTime<Utc>>,
        author: Option<&str>,
        limit: usize,
    ) -> Result<Vec<TimelineSet>> {
        let conn = self.reader()?;
        let tickets: Option<Vec<i64>> = match search.filter(|s| !s.trim().is_empty()) {
            Some(key) => {
                let numbers = self.numbers(key, "")?;
                let mut ids = Vec::with_capacity(numbers.len());
                for n in numbers {
                    if let Some((id, _, _)) = state::ticket_by_number(&conn, n.as_str())? {
                        ids.push(id);
                    }
                }
                Some(ids)
            }
            None => None,
        };
        // the partial index `changes_undo` holds exactly these (schema 4)
        let undone: HashSet<String> = store::undone_sets(&conn)?.into_iter().collect();
        let since = since.map(crate::silo::format_at);
        let sets = store::latest_sets(&conn, since.as_deref(), author, tickets.as_deref(), limit)?;
        let mut out = Vec::with_capacity(sets.len());
        for (row, clock, replica, at, author) in sets {
            let id = SetId {
                clock: clock.max(0) as u64,
                replica: replica.parse()?,
            };
            let mut changes = Vec::new();
            for (s, op) in decode_set(&conn, row)? {
                let number = crate::log::number_of(&conn, s.ticket)?;
                let uuid = store::ticket_uuid(&conn, s.ticket)?;
                let mut c: Change =
                    crate::log::describe(&conn, &uuid, vec![(s.clone(), op)])?.remove(0);
                if matches!(
                    c.op,
                    ChangeOp::EntryAdd | ChangeOp::EntryRemove | ChangeOp::EntryRestore
                ) {
                    c.item = entry_number(&conn, &s)?;
                }
                let what = match &c.repair {
                    Some(repair) => format!("{} (repaired: {repair})", c.describe()),
                    None => c.describe(),
                };
                changes.push(TimelineChange { number, what });
            }
            out.push(TimelineSet {
                undone: undone.contains(&id.to_string()),
                id: id.to_string(),
                at: parse_at(&at),
                author,
                changes,
            });
        }
        Ok(out)
    }
}

/// The number of the entry a timeline record is about.
fn entry_number(conn: &Db, s: &StoredRecord) -> Result<Option<u32>> {
    let change = match Operation::decode(s.row.clone())? {
        Operation::EntryRemove { entry } | Operation::EntryRestore { entry } => entry,
        _ => s.id,
    };
    state::entry_number(conn, s.ticket, change)
}
