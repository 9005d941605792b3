//! Applying change records to the derived tables: the one function both the write path and
//! `rebuild` use, so the two cannot disagree.
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;

use rusqlite::types::Value;
use rusqlite::{params, Connection, OptionalExtension};

use crate::changes::{ChangeOp, Record};
use crate::error::{Error, Result};
use crate::model::Status;

/// `value_date`: the date part when the value starts with a valid `YYYY-MM-DD`.
pub(crate) fn value_date(value: &str) -> Option<String> {
    ticket_query::parse_absolute(value).map(|(d, _)| d.date().format("%Y-%m-%d").to_string())
}

/// Row ids of tickets by uuid, remembered while one transaction applies records (a change
/// set touches few tickets many times; a rebuild touches every ticket many times).
#[derive(Debug, Default)]
pub(crate) struct TicketIds(HashMap<String, i64>);

impl TicketIds {
    /// Remembers that `uuid` is row `id`.
    pub(crate) fn remember(&mut self, uuid: &str, id: i64) {
        if !self.0.contains_key(uuid) {
            self.0.insert(uuid.to_string(), id);
        }
    }

    /// The row id of the ticket `uuid`, from memory or from the database.
    pub(crate) fn get(&mut self, conn: &Connection, uuid: &str) -> Result<i64> {
        if let Some(id) = self.0.get(uuid) {
            return Ok(*id);
        }
        let id: i64 = conn
            .prepare_cached("SELECT id FROM tickets WHERE uuid = ?1")?
            .query_row([uuid], |r| r.get(0))
            .optional()?
            .ok_or_else(|| Error::Import {
                message: format!("change log refers to unknown ticket {uuid}"),
            })?;
        self.0.insert(uuid.to_string(), id);
        Ok(id)
    }
}

/// Applies one record, stamped `at` by `author`, to the derived tables (not FTS,
/// `earliest` or `last_update`: see [`refresh`]). Returns the ticket's row id.
pub(crate) fn apply(
    conn: &Connection,
    ids: &mut TicketIds,
    rec: &Record,
    at: &str,
    author: &str,
) -> Result<i64> {
    let op = rec.op();
    if op == ChangeOp::Create {
        let number = rec.new_value.as_deref().unwrap_or_default();
        conn.prepare_cached(
            "INSERT INTO tickets (uuid, number, title, summary, status, opened, last_update) VALUES (?1, ?2, '', '', 0, ?3, ?3)",
        )?
        .execute(params![rec.ticket_uuid, number, at])?;
        let id = conn.last_insert_rowid();
        ids.remember(&rec.ticket_uuid, id);
        return Ok(id);
    }
    let id = ids.get(conn, &rec.ticket_uuid)?;
    let new = rec.new_value.as_deref().unwrap_or_default();
    let old = rec.old_value.as_deref().unwrap_or_default();
    let key = rec.key.as_deref().unwrap_or_default();
    match op {
        ChangeOp::Create => unreachable!("handled above"),
        ChangeOp::Set => match key {
            "title" => {
                conn.prepare_cached("UPDATE tickets SET title = ?2 WHERE id = ?1")?
                    .execute(params![id, new])?;
            }
            "summary" => {
                conn.prepare_cached("UPDATE tickets SET summary = ?2 WHERE id = ?1")?
                    .execute(params![id, new])?;
            }
            "status" => {
                let status: Status = new.parse()?;
                conn.prepare_cached("UPDATE tickets SET status = ?2 WHERE id = ?1")?
                    .execute(params![id, status.ordinal()])?;
            }
            other => {
                return Err(Error::Import {
                    message: format!("unknown field '{other}' in the change log"),
                })
            }
        },
        ChangeOp::TagAdd => {
            conn.prepare_cached(
                "INSERT OR IGNORE INTO tags (ticket_id, tag, tag_lc) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![id, new, new.to_lowercase()])?;
        }
        ChangeOp::TagRemove => {
            conn.prepare_cached("DELETE FROM tags WHERE ticket_id = ?1 AND tag_lc = ?2")?
                .execute(params![id, old.to_lowercase()])?;
        }
        ChangeOp::PropAdd => {
            conn.prepare_cached(
                "INSERT INTO properties (ticket_id, key, key_lc, value, value_lc, value_num, value_date) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![id, key, key.to_lowercase(), new, new.to_lowercase(), ticket_query::parse_decimal(new), value_date(new)])?;
        }
        ChangeOp::PropRemove => {
            conn.prepare_cached(
                "DELETE FROM properties WHERE id = (SELECT id FROM properties WHERE ticket_id = ?1 AND key_lc = ?2 AND value_lc = ?3 ORDER BY id LIMIT 1)",
            )?
            .execute(params![id, key.to_lowercase(), old.to_lowercase()])?;
        }
        ChangeOp::EntryAdd => {
            conn.prepare_cached("INSERT INTO entries (ticket_id, n, text, author, at, minutes) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?
                .execute(params![id, rec.item, new, author, at, rec.minutes.unwrap_or(0)])?;
        }
        ChangeOp::EntryRemove => {
            conn.prepare_cached("UPDATE entries SET removed = 1 WHERE ticket_id = ?1 AND n = ?2")?
                .execute(params![id, rec.item])?;
        }
        ChangeOp::AttachAdd => {
            conn.prepare_cached(
                "INSERT INTO attachments (ticket_id, n, name, size, sha256, comment, author, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![id, rec.item, key, rec.size.map(|s| s as i64), rec.sha256, new, author, at])?;
        }
        ChangeOp::AttachRemove => {
            conn.prepare_cached(
                "UPDATE attachments SET removed = 1 WHERE ticket_id = ?1 AND n = ?2",
            )?
            .execute(params![id, rec.item])?;
        }
    }
    Ok(id)
}

/// What a transaction's records changed, for [`refresh`].
#[derive(Debug, Default)]
pub(crate) struct Touched {
    /// Tickets changed, with the latest `at` of their records.
    pub last_at: BTreeMap<i64, String>,
    /// Tickets created in this transaction (no full-text row yet).
    pub created: BTreeSet<i64>,
    /// Tickets whose date properties changed (`earliest` to recompute).
    pub dated: BTreeSet<i64>,
}

impl Touched {
    /// Notes that `rec`, stamped `at`, changed ticket `id`.
    pub(crate) fn note(&mut self, id: i64, rec: &Record, at: &str) {
        match self.last_at.get_mut(&id) {
            Some(last) if last.as_str() >= at => {}
            Some(last) => at.clone_into(last),
            None => {
                self.last_at.insert(id, at.to_string());
            }
        }
        match rec.op() {
            ChangeOp::Create => {
                self.created.insert(id);
            }
            ChangeOp::PropAdd | ChangeOp::PropRemove
                if rec
                    .key
                    .as_deref()
                    .is_some_and(|k| EARLIEST_KEYS.iter().any(|d| d.eq_ignore_ascii_case(k))) =>
            {
                self.dated.insert(id);
            }
            _ => {}
        }
    }

    /// The changed tickets' row ids, in order.
    pub(crate) fn ids(&self) -> Vec<i64> {
        self.last_at.keys().copied().collect()
    }
}

/// The date keys `tickets.earliest` is the least of.
const EARLIEST_KEYS: [&str; 3] = ["deadline", "scheduled", "review"];

/// Recomputes what depends on several rows of the tickets a transaction touched:
/// `tickets.last_update` (the latest change), `tickets.earliest` and the full-text rows. The
/// full-text rows are written by one statement for all tickets, so FTS5 flushes its pending
/// index once per transaction rather than once per ticket.
pub(crate) fn refresh(conn: &Connection, touched: &Touched) -> Result<()> {
    let mut later = conn
        .prepare_cached("UPDATE tickets SET last_update = ?2 WHERE id = ?1 AND last_update < ?2")?;
    for (id, at) in &touched.last_at {
        later.execute(params![id, at])?;
    }
    let mut earliest = conn.prepare_cached(
        "UPDATE tickets SET earliest = (SELECT min(value_date) FROM properties WHERE ticket_id = ?1 AND key_lc IN ('deadline', 'scheduled', 'review')) WHERE id = ?1",
    )?;
    for id in &touched.dated {
        earliest.execute([id])?;
    }
    let old: Vec<Value> = touched
        .last_at
        .keys()
        .filter(|id| !touched.created.contains(id))
        .map(|id| Value::Integer(*id))
        .collect();
    if !old.is_empty() {
        conn.prepare_cached("DELETE FROM ticket_fts WHERE rowid IN rarray(?1)")?
            .execute([Rc::new(old)])?;
    }
    let all: Vec<Value> = touched
        .last_at
        .keys()
        .map(|id| Value::Integer(*id))
        .collect();
    conn.prepare_cached(
        "INSERT INTO ticket_fts (rowid, title, summary, entries) SELECT t.id, t.title, t.summary, \
         coalesce((SELECT group_concat(e.text, char(10)) FROM entries e WHERE e.ticket_id = t.id AND e.removed = 0), '') \
         FROM tickets t WHERE t.id IN rarray(?1)",
    )?
    .execute([Rc::new(all)])?;
    Ok(())
}
