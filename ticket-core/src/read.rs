//! Reading tickets and their history.
use crate::storage::db::{args, Db, Row as DbRow};
use chrono::{DateTime, NaiveDate, Utc};

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

/// The columns of `tickets t` a [`TicketRow`] is built from, in [`row_of`]'s order, on a
/// directory silo: the uuid from the log's `ticket_ids`.
const ROW_COLUMNS: &str =
    "t.number, (SELECT uuid FROM ticket_ids WHERE id = t.id), t.title, t.summary, t.status, t.opened, t.last_update, t.list_row";

/// [`ROW_COLUMNS`] on a team silo, whose ticket rows hold their uuid (team schema 7): no probe
/// of `ticket_ids` per row.
const TEAM_ROW_COLUMNS: &str =
    "t.number, t.uuid, t.title, t.summary, t.status, t.opened, t.last_update, t.list_row";

/// The columns of `tickets t` a [`TicketRow`] is built from on this connection's silo.
pub(crate) fn row_columns(conn: &Db) -> &'static str {
    if conn.is_postgres() {
        TEAM_ROW_COLUMNS
    } else {
        ROW_COLUMNS
    }
}

/// The pieces of `text` between `sep` bytes (an ASCII separator), found by a plain byte loop:
/// list-row items are a few bytes long, too short for `str::split`'s search to pay. None at
/// all for an empty `text` (an empty part of a list row has no items).
struct Pieces<'a> {
    rest: Option<&'a str>,
    sep: u8,
}

impl<'a> Pieces<'a> {
    fn of(text: &'a str, sep: char) -> Pieces<'a> {
        Pieces {
            rest: (!text.is_empty()).then_some(text),
            sep: sep as u8,
        }
    }
}

impl<'a> Iterator for Pieces<'a> {
    type Item = &'a str;
    fn next(&mut self) -> Option<&'a str> {
        let rest = self.rest?;
        match rest.bytes().position(|b| b == self.sep) {
            Some(i) => {
                self.rest = Some(&rest[i + 1..]);
                Some(&rest[..i])
            }
            None => {
                self.rest = None;
                Some(rest)
            }
        }
    }
}

/// Replaces `items` with the items of a list-row part (none when it is empty), reusing the
/// strings already there.
fn set_items(items: &mut Vec<String>, part: &str) {
    use crate::storage::list_rows::ITEM;
    let mut n = 0;
    for item in Pieces::of(part, ITEM) {
        match items.get_mut(n) {
            Some(s) => {
                s.clear();
                s.push_str(item);
            }
            None => items.push(item.to_string()),
        }
        n += 1;
    }
    items.truncate(n);
}

/// Replaces `properties` with the key/value pairs of a list row's last part, reusing the
/// strings already there; `None` when an item has no partner.
fn set_properties(properties: &mut Vec<(String, String)>, part: &str) -> Option<()> {
    use crate::storage::list_rows::ITEM;
    let mut n = 0;
    let mut flat = Pieces::of(part, ITEM);
    while let Some(key) = flat.next() {
        let value = flat.next()?;
        match properties.get_mut(n) {
            Some((k, v)) => {
                k.clear();
                k.push_str(key);
                v.clear();
                v.push_str(value);
            }
            None => properties.push((key.to_string(), value.to_string())),
        }
        n += 1;
    }
    properties.truncate(n);
    Some(())
}

/// Fills the minutes, tags and properties of `row` from its list row; `None` where it does
/// not decode.
fn set_list_parts(text: Option<&str>, row: &mut TicketRow) -> Option<()> {
    use crate::storage::list_rows::PART;
    let Some(text) = text else {
        row.total_minutes = 0;
        row.tags.clear();
        row.properties.clear();
        return Some(());
    };
    let mut parts = text.splitn(4, PART);
    let (minutes, tags, props) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    row.total_minutes = if minutes.is_empty() {
        0
    } else {
        minutes.parse().ok()?
    };
    set_items(&mut row.tags, tags);
    set_properties(&mut row.properties, props)
}

/// A row to fill with [`row_into`].
pub(crate) fn blank_row() -> TicketRow {
    TicketRow {
        number: TicketNumber::blank(),
        uuid: String::new(),
        title: String::new(),
        summary: String::new(),
        status: Status::Open,
        tags: Vec::new(),
        properties: Vec::new(),
        opened: Default::default(),
        last_update: Default::default(),
        deadline_state: None,
        total_minutes: 0,
    }
}

/// A [`TicketRow`] from the columns [`row_columns`] names: one row of `tickets`, its list row
/// included, so a listing reads no other table.
pub(crate) fn row_of(r: &DbRow<'_, '_>, today: NaiveDate) -> Result<TicketRow> {
    let mut row = blank_row();
    row_into(r, today, &mut row)?;
    Ok(row)
}

/// [`row_of`] into a row already there, its strings and lists reused: a listing that lends
/// one row after the other allocates nothing per ticket once the row has grown.
pub(crate) fn row_into(r: &DbRow<'_, '_>, today: NaiveDate, row: &mut TicketRow) -> Result<()> {
    r.with_str(0, |n| {
        row.number.set(n.ok_or_else(|| Error::BadRecord {
            ticket: String::new(),
            record: "its number".into(),
            message: "it is NULL".into(),
        })?)
    })??;
    r.with_str(7, |list| {
        set_list_parts(list, row).ok_or_else(|| Error::BadRecord {
            ticket: row.number.to_string(),
            record: "its list row".into(),
            message: "it does not decode; `ticket rebuild` writes it again".into(),
        })
    })??;
    r.copy_str(1, &mut row.uuid)?;
    r.copy_str(2, &mut row.title)?;
    r.copy_str(3, &mut row.summary)?;
    row.status = Status::from_ordinal(r.get(4)?).unwrap_or(Status::Open);
    row.deadline_state = deadline_state(row.status, &row.properties, today);
    row.opened = at_of(r, 5)?;
    row.last_update = at_of(r, 6)?;
    Ok(())
}

/// Column `i`, a stored timestamp, read in place.
fn at_of(r: &DbRow<'_, '_>, i: usize) -> Result<DateTime<Utc>> {
    r.with_str(i, |at| at.map(parse_at))?
        .ok_or_else(|| crate::storage::db::null_column(i))
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
            &format!(
                "SELECT {} FROM tickets t WHERE t.id = ?1",
                row_columns(&conn)
            ),
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

#[cfg(test)]
mod list_row_tests {
    use super::*;
    use proptest::prelude::*;

    /// The first decoder (one `String` per item, `str::split`), kept as the reference.
    /// Minutes, tags, properties.
    type Decoded = (i64, Vec<String>, Vec<(String, String)>);

    fn by_split(text: &str) -> Option<Decoded> {
        let mut parts = text.split('\u{1e}');
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
                part.split('\u{1f}').map(str::to_string).collect()
            }
        };
        let mut flat = items(props).into_iter();
        let mut properties = Vec::new();
        while let Some(key) = flat.next() {
            properties.push((key, flat.next()?));
        }
        Some((minutes, items(tags), properties))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Decoding into a reused row gives what the first decoder gave, whatever the row held.
        #[test]
        fn a_reused_row_decodes_as_the_first_decoder(
            texts in prop::collection::vec("([0-9]{0,3}|x)(\u{1e}([a-zé]{0,3}\u{1f}?){0,4}){0,3}", 1..4),
        ) {
            let mut row = blank_row();
            for text in &texts {
                let direct = set_list_parts(Some(text), &mut row)
                    .map(|()| (row.total_minutes, row.tags.clone(), row.properties.clone()));
                prop_assert_eq!(direct, by_split(text), "{:?}", text);
            }
        }
    }

    #[test]
    fn a_null_list_row_is_an_empty_one() {
        let mut row = blank_row();
        set_list_parts(Some("5\u{1e}a\u{1e}k\u{1f}v"), &mut row).unwrap();
        set_list_parts(None, &mut row).unwrap();
        assert_eq!(
            (row.total_minutes, row.tags.len(), row.properties.len()),
            (0, 0, 0)
        );
    }
}
