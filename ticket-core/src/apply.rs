//! Applying change records to the derived tables: the one function both the write path and
//! `rebuild` use, so the two cannot disagree.
use rusqlite::{params, Connection, OptionalExtension};

use crate::changes::{ChangeOp, Record};
use crate::error::{Error, Result};
use crate::model::Status;

/// `value_date`: the date part when the value starts with a valid `YYYY-MM-DD`.
pub(crate) fn value_date(value: &str) -> Option<String> {
    ticket_query::parse_absolute(value).map(|(d, _)| d.date().format("%Y-%m-%d").to_string())
}

pub(crate) fn ticket_id(conn: &Connection, uuid: &str) -> Result<i64> {
    conn.prepare_cached("SELECT id FROM tickets WHERE uuid = ?1")?
        .query_row([uuid], |r| r.get(0))
        .optional()?
        .ok_or_else(|| Error::Import {
            message: format!("change log refers to unknown ticket {uuid}"),
        })
}

/// Applies one record, stamped `at` by `author`, to the derived tables (not FTS or
/// `earliest`: see [`refresh`]). Returns the ticket's row id.
pub(crate) fn apply(conn: &Connection, rec: &Record, at: &str, author: &str) -> Result<i64> {
    let op = rec.op();
    if op == ChangeOp::Create {
        let number = rec.new_value.as_deref().unwrap_or_default();
        conn.prepare_cached(
            "INSERT INTO tickets (uuid, number, title, summary, status, opened, last_update) VALUES (?1, ?2, '', '', 0, ?3, ?3)",
        )?
        .execute(params![rec.ticket_uuid, number, at])?;
        return Ok(conn.last_insert_rowid());
    }
    let id = ticket_id(conn, &rec.ticket_uuid)?;
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
    conn.prepare_cached("UPDATE tickets SET last_update = ?2 WHERE id = ?1")?
        .execute(params![id, at])?;
    Ok(id)
}

/// Recomputes what depends on several rows: `tickets.earliest` and the full-text row.
pub(crate) fn refresh(conn: &Connection, id: i64) -> Result<()> {
    conn.prepare_cached(
        "UPDATE tickets SET earliest = (SELECT min(value_date) FROM properties WHERE ticket_id = ?1 AND key_lc IN ('deadline', 'scheduled', 'review')) WHERE id = ?1",
    )?
    .execute([id])?;
    conn.prepare_cached("DELETE FROM ticket_fts WHERE rowid = ?1")?
        .execute([id])?;
    conn.prepare_cached(
        "INSERT INTO ticket_fts (rowid, title, summary, entries) SELECT id, title, summary, \
         coalesce((SELECT group_concat(text, char(10)) FROM entries WHERE ticket_id = ?1 AND removed = 0), '') FROM tickets WHERE id = ?1",
    )?
    .execute([id])?;
    Ok(())
}

/// [`refresh`] for every ticket at once (after a rebuild).
pub(crate) fn refresh_all(conn: &Connection) -> Result<()> {
    conn.execute_batch(
        "UPDATE tickets SET earliest = (SELECT min(value_date) FROM properties p WHERE p.ticket_id = tickets.id AND p.key_lc IN ('deadline', 'scheduled', 'review'));
         DELETE FROM ticket_fts;
         INSERT INTO ticket_fts (rowid, title, summary, entries)
           SELECT t.id, t.title, t.summary, coalesce(e.texts, '') FROM tickets t
           LEFT JOIN (SELECT ticket_id, group_concat(text, char(10)) AS texts FROM entries WHERE removed = 0 GROUP BY ticket_id) e ON e.ticket_id = t.id;",
    )?;
    Ok(())
}
