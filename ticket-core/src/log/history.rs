//! A ticket's records in the words of its history ([`Change`]): old values, entry and
//! attachment numbers and relation targets' numbers follow from the replay order; a record
//! the projection repaired at carries the repair (a create whose number was taken earlier in
//! the log's order says so too).
use crate::storage::db::Db;
use std::collections::HashMap;

use super::{ChangeId, Operation};
use crate::changes::{Change, ChangeOp};
use crate::error::Result;
use crate::silo::parse_at;
use crate::storage::log::StoredRecord;

/// The number a ticket (local id) has now.
pub(crate) fn number_of(conn: &Db, id: i64) -> Result<String> {
    Ok(crate::storage::state::number_of(conn, id)?.unwrap_or_else(|| format!("#{id}")))
}

/// One ticket's records, in replay order, as history lines.
pub(crate) fn describe(
    conn: &Db,
    ticket_uuid: &str,
    records: Vec<(StoredRecord, Operation)>,
) -> Result<Vec<Change>> {
    let mut out = Vec::with_capacity(records.len());
    let (mut title, mut summary, mut status) = (String::new(), String::new(), "Open".to_string());
    let mut entries: HashMap<i64, u32> = HashMap::new();
    let mut attachments: HashMap<i64, u32> = HashMap::new();
    let mut repairs = match records.first() {
        Some((s, _)) => crate::storage::state::repairs_of(conn, s.ticket)?,
        None => HashMap::new(),
    };
    for (s, op) in records {
        let id = ChangeId {
            set: s.set.clone(),
            index: s.index,
        };
        let mut c = Change {
            uuid: id.to_string(),
            set_id: s.set.to_string(),
            ticket_uuid: ticket_uuid.to_string(),
            at: parse_at(&s.at),
            author: s.author.clone(),
            op: ChangeOp::Set,
            key: None,
            old_value: None,
            new_value: None,
            item: None,
            minutes: None,
            size: None,
            sha256: None,
            repair: repairs.remove(&s.id),
        };
        let set = |c: &mut Change, field: &str, old: &mut String, new: &str| {
            c.key = Some(field.to_string());
            c.old_value = Some(std::mem::replace(old, new.to_string()));
            c.new_value = Some(new.to_string());
        };
        match &op {
            Operation::Create { number } => {
                c.op = ChangeOp::Create;
                c.new_value = Some(number.to_string());
                // a ticket before it in replay order holds the number (another copy's, or one
                // an import met here: sync.md 2): the replay gave this ticket the next free
                // one, the same on every copy
                let now = number_of(conn, s.ticket)?;
                if c.repair.is_none() && now != number.as_str() {
                    c.repair = Some(format!(
                        "number {number} was taken earlier in the log's order: this one is {now}"
                    ));
                }
            }
            Operation::Title(v) => set(&mut c, "title", &mut title, v),
            Operation::Summary(v) => set(&mut c, "summary", &mut summary, v),
            Operation::Status(v) => set(&mut c, "status", &mut status, v.name()),
            Operation::TagAdd(t) => {
                c.op = ChangeOp::TagAdd;
                c.new_value = Some(t.to_string());
            }
            Operation::TagRemove(t) => {
                c.op = ChangeOp::TagRemove;
                c.old_value = Some(t.to_string());
            }
            Operation::PropAdd { key, value } => {
                c.op = ChangeOp::PropAdd;
                c.key = Some(key.to_string());
                c.new_value = Some(value.to_string());
            }
            Operation::PropRemove { key, value } => {
                c.op = ChangeOp::PropRemove;
                c.key = Some(key.to_string());
                c.old_value = Some(value.to_string());
            }
            Operation::RelAdd { key, target } => {
                c.op = ChangeOp::PropAdd;
                c.key = Some(key.to_string());
                c.new_value = Some(number_of(conn, *target)?);
            }
            Operation::RelRemove { key, target } => {
                c.op = ChangeOp::PropRemove;
                c.key = Some(key.to_string());
                c.old_value = Some(number_of(conn, *target)?);
            }
            Operation::EntryAdd { text, minutes } => {
                let n = entries.len() as u32 + 1;
                entries.insert(s.id, n);
                c.op = ChangeOp::EntryAdd;
                c.new_value = Some(text.clone());
                c.item = Some(n);
                c.minutes = Some(*minutes);
            }
            Operation::EntryRemove { entry } => {
                c.op = ChangeOp::EntryRemove;
                c.item = entries.get(entry).copied();
            }
            Operation::AttachAdd {
                name,
                comment,
                size,
                sha256,
            } => {
                let n = attachments.len() as u32 + 1;
                attachments.insert(s.id, n);
                c.op = ChangeOp::AttachAdd;
                c.key = Some(name.clone());
                c.new_value = Some(comment.clone());
                c.item = Some(n);
                c.size = Some(*size);
                c.sha256 = Some(sha256.clone());
            }
            Operation::AttachRemove { attachment } => {
                c.op = ChangeOp::AttachRemove;
                c.item = attachments.get(attachment).copied();
            }
            Operation::EntryRestore { entry } => {
                c.op = ChangeOp::EntryRestore;
                c.item = entries.get(entry).copied();
            }
            Operation::AttachRestore { attachment } => {
                c.op = ChangeOp::AttachRestore;
                c.item = attachments.get(attachment).copied();
            }
            Operation::Undo { set } => {
                c.op = ChangeOp::Undo;
                c.new_value = Some(set.to_string());
            }
        }
        out.push(c);
    }
    Ok(out)
}
