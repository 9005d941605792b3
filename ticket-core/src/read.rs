//! Reading tickets and their history.
use crate::storage::db::{args, Db, Row as DbRow};
use std::collections::HashMap;

use chrono::NaiveDate;

use crate::changes::Change;
use crate::error::{Error, Result};
use crate::log::Operation;
use crate::model::{Attachment, DeadlineState, Entry, Status, Ticket, TicketNumber, TicketRow};
use crate::silo::{parse_at, Silo};
use crate::storage::log::{self as store, StoredRecord};

/// Due soon / overdue of an active ticket with a deadline and a warning (4.5).
pub(crate) fn deadline_state(
    status: Status,
    props: &[(String, String)],
    today: NaiveDate,
) -> Option<DeadlineState> {
    if !status.is_active() {
        return None;
    }
    let find = |k: &str| {
        props
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.as_str())
    };
    let warning: i64 = find("Deadline_Warning")?.parse().ok()?;
    let (deadline, _) = ticket_query::parse_absolute(find("Deadline")?)?;
    let deadline = deadline.date();
    if today > deadline {
        Some(DeadlineState::Overdue)
    } else if today >= deadline - chrono::Duration::days(warning) {
        Some(DeadlineState::DueSoon)
    } else {
        None
    }
}

/// Tags, properties and minutes of many tickets at once, by row id.
pub(crate) struct Details {
    pub tags: HashMap<i64, Vec<String>>,
    pub props: HashMap<i64, Vec<(String, String)>>,
    pub minutes: HashMap<i64, i64>,
}

pub(crate) fn details(conn: &Db, ids: &[i64]) -> Result<Details> {
    let mut tags: HashMap<i64, Vec<String>> = HashMap::new();
    conn.each(
        "SELECT ticket_id, tag FROM tags WHERE ticket_id IN rarray(?1) ORDER BY ticket_id, tag_lc",
        args![ids],
        |r| {
            tags.entry(r.get(0)?).or_default().push(r.get(1)?);
            Ok(())
        },
    )?;
    let mut props: HashMap<i64, Vec<(String, String)>> = HashMap::new();
    conn.each(
        "SELECT ticket_id, key, value FROM properties WHERE ticket_id IN rarray(?1) ORDER BY ticket_id, id",
        args![ids],
        |r| {
            props
                .entry(r.get(0)?)
                .or_default()
                .push((r.get(1)?, r.get(2)?));
            Ok(())
        },
    )?;
    let mut minutes = HashMap::new();
    conn.each(
        "SELECT ticket_id, CAST(sum(minutes) AS INTEGER) FROM entry_rows WHERE removed = 0 AND ticket_id IN rarray(?1) GROUP BY ticket_id",
        args![ids],
        |r| {
            minutes.insert(r.get(0)?, r.get(1)?);
            Ok(())
        },
    )?;
    Ok(Details {
        tags,
        props,
        minutes,
    })
}

/// The columns of `tickets t` a [`TicketRow`] is built from, in [`row_from`]'s order.
pub(crate) const ROW_COLUMNS: &str =
    "t.id, t.number, (SELECT uuid FROM ticket_ids WHERE id = t.id), t.title, t.summary, t.status, t.opened, t.last_update";

pub(crate) struct BaseRow {
    pub id: i64,
    pub number: String,
    pub uuid: String,
    pub title: String,
    pub summary: String,
    pub status: Status,
    pub opened: String,
    pub last_update: String,
}

pub(crate) fn base_row(r: &DbRow<'_, '_>) -> Result<BaseRow> {
    Ok(BaseRow {
        id: r.get(0)?,
        number: r.get(1)?,
        uuid: r.get(2)?,
        title: r.get(3)?,
        summary: r.get(4)?,
        status: Status::from_ordinal(r.get(5)?).unwrap_or(Status::Open),
        opened: r.get(6)?,
        last_update: r.get(7)?,
    })
}

pub(crate) fn row_from(b: BaseRow, d: &mut Details, today: NaiveDate) -> Result<TicketRow> {
    let properties = d.props.remove(&b.id).unwrap_or_default();
    Ok(TicketRow {
        number: b.number.parse()?,
        uuid: b.uuid,
        title: b.title,
        summary: b.summary,
        status: b.status,
        tags: d.tags.remove(&b.id).unwrap_or_default(),
        deadline_state: deadline_state(b.status, &properties, today),
        properties,
        opened: parse_at(&b.opened),
        last_update: parse_at(&b.last_update),
        total_minutes: d.minutes.get(&b.id).copied().unwrap_or(0),
    })
}

impl Silo {
    fn find_id(conn: &Db, number: &str) -> Result<i64> {
        let n: TicketNumber = number.parse().map_err(|_| Error::NotFound {
            number: number.to_string(),
        })?;
        conn.opt(
            "SELECT id FROM tickets WHERE number = ?1",
            args![n.as_str()],
            |r| r.get(0),
        )?
        .ok_or(Error::NotFound {
            number: n.to_string(),
        })
    }

    /// The whole ticket; `Error::NotFound` if there is none with that number.
    pub fn get(&self, number: &str) -> Result<Ticket> {
        let conn = self.reader()?;
        let id = Silo::find_id(&conn, number)?;
        let base = conn.one(
            &format!("SELECT {ROW_COLUMNS} FROM tickets t WHERE t.id = ?1"),
            args![id],
            base_row,
        )?;
        let mut d = details(&conn, &[id])?;
        let row = row_from(base, &mut d, self.context().clock.today())?;
        let entries = conn.rows(
            "SELECT n, text, author, at, minutes FROM entries WHERE ticket_id = ?1 AND removed = 0 ORDER BY n",
            args![id],
            |r| {
                Ok(Entry {
                    n: r.get(0)?,
                    text: r.get(1)?,
                    author: r.get(2)?,
                    at: parse_at(&r.get::<String>(3)?),
                    minutes: r.get(4)?,
                })
            },
        )?;
        let attachments = conn.rows(
            "SELECT n, name, size, sha256, comment, author, at FROM attachments WHERE ticket_id = ?1 AND removed = 0 ORDER BY n",
            args![id],
            |r| {
                Ok(Attachment {
                    n: r.get(0)?,
                    name: r.get(1)?,
                    size: r.get::<i64>(2)? as u64,
                    sha256: r.get(3)?,
                    comment: r.get(4)?,
                    author: r.get(5)?,
                    at: parse_at(&r.get::<String>(6)?),
                })
            },
        )?;
        Ok(Ticket {
            number: row.number,
            uuid: row.uuid,
            title: row.title,
            summary: row.summary,
            status: row.status,
            tags: row.tags,
            properties: row.properties,
            entries,
            attachments,
            opened: row.opened,
            last_update: row.last_update,
            deadline_state: row.deadline_state,
        })
    }

    /// Every change record of the ticket, oldest first (removed entries included).
    pub fn history(&self, number: &str) -> Result<Vec<Change>> {
        let conn = self.reader()?;
        let id = Silo::find_id(&conn, number)?;
        let uuid: String = crate::storage::log::ticket_uuid(&conn, id)?;
        let records = ticket_records(&conn, id)?;
        crate::log::describe(&conn, &uuid, records)
    }
}

/// A ticket's records in replay order, decoded (a record that does not decode is an error
/// naming the ticket and the record).
pub(crate) fn ticket_records(conn: &Db, id: i64) -> Result<Vec<(StoredRecord, Operation)>> {
    let mut out = Vec::new();
    store::for_each_record_of_ticket(conn, id, |s| {
        let op = Operation::decode(s.row.clone())
            .map_err(|e| crate::rebuild::bad_record(conn, &s, e))?;
        out.push((s, op));
        Ok(())
    })?;
    Ok(out)
}
