//! Reading tickets and their history.
use crate::storage::db::{args, Db, Row as DbRow};
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

/// The columns of `tickets t` a [`TicketRow`] is built from, in [`row_from`]'s order.
pub(crate) const ROW_COLUMNS: &str =
    "t.number, (SELECT uuid FROM ticket_ids WHERE id = t.id), t.title, t.summary, t.status, t.opened, t.last_update, t.list_row";

/// What a list row (`storage::list_rows`) holds.
#[derive(Default)]
struct ListParts {
    minutes: i64,
    tags: Vec<String>,
    properties: Vec<(String, String)>,
}

/// The parts of a list row; `None` where it does not decode.
fn list_parts(text: Option<&str>) -> Option<ListParts> {
    use crate::storage::list_rows::{ITEM, PART};
    let Some(text) = text else {
        return Some(ListParts::default());
    };
    let mut parts = text.split(PART);
    let (minutes, tags, props) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let minutes = if minutes.is_empty() {
        0
    } else {
        minutes.parse().ok()?
    };
    let items = |part: &str| -> Vec<String> {
        if part.is_empty() {
            Vec::new()
        } else {
            part.split(ITEM).map(str::to_string).collect()
        }
    };
    let tags = items(tags);
    let mut flat = items(props).into_iter();
    let mut properties = Vec::with_capacity(flat.len() / 2);
    while let Some(key) = flat.next() {
        properties.push((key, flat.next()?));
    }
    Some(ListParts {
        minutes,
        tags,
        properties,
    })
}

/// A [`TicketRow`] from the columns [`ROW_COLUMNS`] names: one row of `tickets`, its list row
/// included, so a listing reads no other table.
pub(crate) fn row_of(r: &DbRow<'_, '_>, today: NaiveDate) -> Result<TicketRow> {
    let number: String = r.get(0)?;
    let list: Option<String> = r.get(7)?;
    let ListParts {
        minutes: total_minutes,
        tags,
        properties,
    } = list_parts(list.as_deref()).ok_or_else(|| Error::BadRecord {
        ticket: number.clone(),
        record: "its list row".into(),
        message: "it does not decode; `ticket rebuild` writes it again".into(),
    })?;
    let status = Status::from_ordinal(r.get(4)?).unwrap_or(Status::Open);
    Ok(TicketRow {
        number: number.parse()?,
        uuid: r.get(1)?,
        title: r.get(2)?,
        summary: r.get(3)?,
        status,
        tags,
        deadline_state: deadline_state(status, &properties, today),
        properties,
        opened: parse_at(&r.get::<String>(5)?),
        last_update: parse_at(&r.get::<String>(6)?),
        total_minutes,
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
        let today = self.context().clock.today();
        let row = conn.one(
            &format!("SELECT {ROW_COLUMNS} FROM tickets t WHERE t.id = ?1"),
            args![id],
            |r| row_of(r, today),
        )?;
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
