//! The ticket state the rules read while they decide which records a change makes: one
//! named question per function, answered from the derived tables inside the change's
//! transaction. The rules (`write`, `validate`, `numbering`, `sync::undo`) hold no SQL; this
//! module is the whole of what they may ask (ARCHITECTURE.md, "The storage seam").
use super::db::{args, Ahead, Db};
use crate::error::Result;
use crate::model::Status;

/// A ticket's row id, number and status, by number.
pub(crate) fn ticket_by_number(db: &Db, number: &str) -> Result<Option<(i64, String, Status)>> {
    db.opt(
        "SELECT id, number, status FROM tickets WHERE number = ?1",
        args![number],
        |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                Status::from_ordinal(r.get(2)?).unwrap_or(Status::Open),
            ))
        },
    )
}

/// Everything a team silo's guarded write (`Silo::write_guarded`) reads before it takes the
/// writers' lock, in one statement, by number: the ticket (row id, number, status, title,
/// summary, the number of its next entry), the version of its row (PostgreSQL's `xmin`), a row id for the change set, the
/// stored spelling of tag `tag_lc` (if asked) and the values of the properties `value_keys`
/// (the validation rules' keys). `None`s for a ticket that does not exist. Asked before any
/// other read of the write, so that a change committed after it shows as a new version when
/// the first set checks it ([`crate::storage::log::insert_guarded_set`]).
pub(crate) fn ask_guarded_ticket(
    db: &Db,
    number: &str,
    tag_lc: Option<&str>,
    value_keys: &[String],
) -> Result<Ahead<GuardedTicket>> {
    let keys = serde_json::to_string(value_keys).expect("strings serialize");
    db.ask_ahead(
        "SELECT t.id, t.number, t.status, t.xmin::text, \
         nextval(pg_get_serial_sequence('change_sets', 'id')), t.title, t.summary, \
         (SELECT g.tag FROM tags g WHERE g.ticket_id = t.id AND g.tag_lc = ?2), \
         (SELECT coalesce(max(e.n), 0) + 1 FROM entry_rows e WHERE e.ticket_id = t.id), \
         (SELECT jsonb_agg((SELECT jsonb_agg(p.value ORDER BY p.id) FROM properties p \
         WHERE p.ticket_id = t.id AND p.key_lc = k.key) ORDER BY k.n) \
         FROM jsonb_array_elements_text(?3::text::jsonb) WITH ORDINALITY AS k(key, n))::text \
         FROM (SELECT 1) AS one LEFT JOIN tickets t ON t.number = ?1",
        args![number, tag_lc, keys],
        |r| {
            let id: Option<i64> = r.get(0)?;
            let number: Option<String> = r.get(1)?;
            let status: Option<i64> = r.get(2)?;
            let version: Option<String> = r.get(3)?;
            let ticket = match (id, number, version) {
                (Some(id), Some(number), Some(version)) => Some(GuardedRow {
                    id,
                    number,
                    status: Status::from_ordinal(status.unwrap_or(0)).unwrap_or(Status::Open),
                    version,
                    title: r.get(5)?,
                    summary: r.get(6)?,
                    next_entry: r
                        .get::<Option<i64>>(8)?
                        .unwrap_or(1)
                        .clamp(1, u32::MAX as i64) as u32,
                }),
                _ => None,
            };
            let values: Option<String> = r.get(9)?;
            let values: Vec<Option<Vec<String>>> = match values {
                Some(json) => serde_json::from_str(&json).map_err(|e| {
                    crate::error::Error::Db(super::db::DbError::new(format!(
                        "a guarded write's values did not decode: {e}"
                    )))
                })?,
                None => Vec::new(),
            };
            Ok(GuardedTicket {
                ticket,
                set_row: r.get(4)?,
                tag: r.get(7)?,
                values: values.into_iter().map(Option::unwrap_or_default).collect(),
            })
        },
    )
}

/// The answer of [`ask_guarded_ticket`].
#[derive(Debug, Clone)]
pub(crate) struct GuardedTicket {
    /// The ticket, if it exists.
    pub ticket: Option<GuardedRow>,
    /// A row id for the writer's first change set.
    pub set_row: i64,
    /// The stored spelling of the tag asked for, if the ticket has it.
    pub tag: Option<String>,
    /// The values of each property key asked for, in the order asked.
    pub values: Vec<Vec<String>>,
}

/// A guarded write's ticket as it read it.
#[derive(Debug, Clone)]
pub(crate) struct GuardedRow {
    pub id: i64,
    pub number: String,
    pub status: Status,
    /// The row's version (`xmin`), checked under the lock.
    pub version: String,
    pub title: Option<String>,
    pub summary: Option<String>,
    /// The number the ticket's next entry gets.
    pub next_entry: u32,
}

/// The SQLSTATE of a failed check of a guarded ticket (`writer_set`, `schema_v9.sql`).
pub(crate) const STALE_READ: &str = "TK001";

/// A ticket's number, by row id.
pub(crate) fn number_of(db: &Db, id: i64) -> Result<Option<String>> {
    db.opt("SELECT number FROM tickets WHERE id = ?1", args![id], |r| {
        r.get(0)
    })
}

/// The numbers of the tickets `ids`, by row id (one query for many; a ticket not there is
/// left out).
pub(crate) fn numbers_of(db: &Db, ids: Vec<i64>) -> Result<std::collections::HashMap<i64, String>> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    Ok(db
        .rows(
            "SELECT id, number FROM tickets WHERE id IN rarray(?1)",
            args![ids],
            |r| Ok((r.get::<i64>(0)?, r.get::<String>(1)?)),
        )?
        .into_iter()
        .collect())
}

/// Which of `numbers` tickets have (one query for many candidates).
pub(crate) fn numbers_taken(
    db: &Db,
    numbers: &[&str],
) -> Result<std::collections::HashSet<String>> {
    let list = serde_json::to_string(numbers).expect("strings serialize");
    let sql = if db.is_postgres() {
        "SELECT number FROM tickets WHERE number = ANY(ARRAY(SELECT jsonb_array_elements_text(?1::text::jsonb)))"
    } else {
        "SELECT number FROM tickets WHERE number IN (SELECT value FROM json_each(?1))"
    };
    Ok(db
        .rows(sql, args![list], |r| r.get::<String>(0))?
        .into_iter()
        .collect())
}

/// A ticket's title or summary now.
pub(crate) fn text_of(db: &Db, id: i64, summary: bool) -> Result<Option<String>> {
    let sql = if summary {
        "SELECT summary FROM tickets WHERE id = ?1"
    } else {
        "SELECT title FROM tickets WHERE id = ?1"
    };
    db.opt(sql, args![id], |r| r.get(0))
}

/// A ticket's status ordinal now.
pub(crate) fn status_of(db: &Db, id: i64) -> Result<Option<i64>> {
    db.opt("SELECT status FROM tickets WHERE id = ?1", args![id], |r| {
        r.get(0)
    })
}

/// The tag as stored on the ticket (its spelling), by its lower case.
pub(crate) fn stored_tag(db: &Db, id: i64, tag_lc: &str) -> Result<Option<String>> {
    db.opt(
        "SELECT tag FROM tags WHERE ticket_id = ?1 AND tag_lc = ?2",
        args![id, tag_lc],
        |r| r.get(0),
    )
}

/// [`stored_tag`] of the ticket with that number, asked ahead of its lookup (see
/// [`Db::ask_ahead`]).
pub(crate) fn ask_stored_tag_by_number(
    db: &Db,
    number: &str,
    tag_lc: &str,
) -> Result<Ahead<String>> {
    db.ask_ahead(
        "SELECT g.tag FROM tags g JOIN tickets t ON t.id = g.ticket_id WHERE t.number = ?1 AND g.tag_lc = ?2",
        args![number, tag_lc],
        |r| r.get(0),
    )
}

/// [`values`] of the ticket with that number, asked ahead of its lookup (see
/// [`Db::ask_ahead`]): one row, the values joined by U+001F (which no value holds).
pub(crate) fn ask_values_by_number(
    db: &Db,
    number: &str,
    key_lc: &str,
) -> Result<Ahead<Vec<String>>> {
    db.ask_ahead(
        "SELECT group_concat(p.value, ?3 ORDER BY p.id) FROM properties p JOIN tickets t ON t.id = p.ticket_id WHERE t.number = ?1 AND p.key_lc = ?2",
        args![number, key_lc, "\u{1f}"],
        |r| {
            let joined: Option<String> = r.get(0)?;
            Ok(joined
                .map(|j| j.split('\u{1f}').map(str::to_string).collect())
                .unwrap_or_default())
        },
    )
}

/// The key as first stored on the ticket (its spelling), by its lower case.
pub(crate) fn stored_key(db: &Db, id: i64, key_lc: &str) -> Result<Option<String>> {
    db.opt(
        "SELECT key FROM properties WHERE ticket_id = ?1 AND key_lc = ?2 ORDER BY id LIMIT 1",
        args![id, key_lc],
        |r| r.get(0),
    )
}

/// The values of a key on a ticket, in the order they were added.
pub(crate) fn values(db: &Db, id: i64, key_lc: &str) -> Result<Vec<String>> {
    db.rows(
        "SELECT value FROM properties WHERE ticket_id = ?1 AND key_lc = ?2 ORDER BY id",
        args![id, key_lc],
        |r| r.get(0),
    )
}

/// Whether the ticket holds the plain (not relation) value.
pub(crate) fn has_value(db: &Db, id: i64, key_lc: &str, value_lc: &str) -> Result<bool> {
    Ok(db
        .opt(
            "SELECT 1 FROM properties WHERE ticket_id = ?1 AND key_lc = ?2 AND value_lc = ?3 AND target IS NULL",
            args![id, key_lc, value_lc],
            |_| Ok(()),
        )?
        .is_some())
}

/// Whether the ticket holds the relation to `target`.
pub(crate) fn has_relation(db: &Db, id: i64, key_lc: &str, target: i64) -> Result<bool> {
    Ok(db
        .opt(
            "SELECT 1 FROM properties WHERE ticket_id = ?1 AND key_lc = ?2 AND target = ?3",
            args![id, key_lc, target],
            |_| Ok(()),
        )?
        .is_some())
}

/// What a relation `from forward to` of an ordered key (`child_of`, `blocks`, `precedes`)
/// meets ([`ordered_meeting`]).
pub(crate) struct OrderedMeeting {
    /// The relation is there already.
    pub there: bool,
    /// `to` reaches `from` along `forward`: the relation would close a cycle.
    pub cycle: bool,
    /// `from` is `Child_Of` a ticket other than `to`.
    pub other_parents: bool,
}

/// [`OrderedMeeting`] (`parents`: whether to ask for [`OrderedMeeting::other_parents`]; else
/// it is false). A team silo asks in one query, the walk a recursive one (`UNION` stops at
/// tickets met before): the probe, each step of the walk and the parents were a round trip
/// each, for every ordered relation a write or a rebuild applies. A directory silo asks
/// step by step, stopping at the first answer that settles it: its statements cost less than
/// the recursive query (which made a bulk creation 2% more instructions).
pub(crate) fn ordered_meeting(
    db: &Db,
    forward: &str,
    from: i64,
    to: i64,
    parents: bool,
) -> Result<OrderedMeeting> {
    if db.is_postgres() {
        let (there, reached, others): (i64, i64, i64) = db
            .opt(
                "WITH RECURSIVE r(t) AS (SELECT CAST(?3 AS BIGINT) UNION \
                 SELECT p.target FROM properties p JOIN r ON p.ticket_id = r.t \
                 WHERE p.key_lc = ?2 AND p.target IS NOT NULL) \
                 SELECT (SELECT count(*) FROM properties WHERE ticket_id = ?1 AND key_lc = ?2 AND target = ?3), \
                 (SELECT count(*) FROM r WHERE r.t = ?1), \
                 (SELECT count(*) FROM properties WHERE ticket_id = ?1 AND key_lc = 'child_of' AND target IS NOT NULL AND target <> ?3)",
                args![from, forward, to],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?
            .unwrap_or_default();
        return Ok(OrderedMeeting {
            there: there > 0,
            cycle: reached > 0,
            other_parents: parents && others > 0,
        });
    }
    let mut met = OrderedMeeting {
        there: has_relation(db, from, forward, to)?,
        cycle: false,
        other_parents: false,
    };
    if met.there {
        return Ok(met);
    }
    met.cycle = reaches(db, forward, to, from)?;
    if !met.cycle && parents {
        met.other_parents = db
            .opt(
                "SELECT 1 FROM properties WHERE ticket_id = ?1 AND key_lc = 'child_of' AND target IS NOT NULL AND target <> ?2",
                args![from, to],
                |_| Ok(()),
            )?
            .is_some();
    }
    Ok(met)
}

/// Whether `start` reaches `goal` along `forward` relations, a statement a step.
fn reaches(db: &Db, forward: &str, start: i64, goal: i64) -> Result<bool> {
    let mut seen = std::collections::BTreeSet::new();
    let mut queue = vec![start];
    while let Some(t) = queue.pop() {
        if t == goal {
            return Ok(true);
        }
        if !seen.insert(t) {
            continue;
        }
        queue.extend(db.rows(
            "SELECT target FROM properties WHERE ticket_id = ?1 AND key_lc = ?2 AND target IS NOT NULL",
            args![t, forward],
            |r| r.get::<i64>(0),
        )?);
    }
    Ok(false)
}

/// The values of a key on the ticket with that number (a relation's targets' numbers).
pub(crate) fn values_by_number(db: &Db, number: &str, key_lc: &str) -> Result<Vec<String>> {
    db.rows(
        "SELECT p.value FROM properties p JOIN tickets t ON t.id = p.ticket_id WHERE t.number = ?1 AND p.key_lc = ?2",
        args![number, key_lc],
        |r| r.get(0),
    )
}

/// How many values of a key the ticket has.
pub(crate) fn count_values(db: &Db, id: i64, key_lc: &str) -> Result<i64> {
    db.value(
        "SELECT count(*) FROM properties WHERE ticket_id = ?1 AND key_lc = ?2",
        args![id, key_lc],
    )
}

/// The next entry (`entries`) or attachment number of a ticket.
pub(crate) fn next_item(db: &Db, id: i64, attachment: bool) -> Result<u32> {
    let sql = if attachment {
        "SELECT coalesce(max(n), 0) + 1 FROM attachments WHERE ticket_id = ?1"
    } else {
        "SELECT coalesce(max(n), 0) + 1 FROM entry_rows WHERE ticket_id = ?1"
    };
    db.value(sql, args![id])
}

/// The record (change row) of a visible entry or attachment, by its number on the ticket.
pub(crate) fn visible_item(db: &Db, id: i64, n: u32, attachment: bool) -> Result<Option<i64>> {
    let sql = if attachment {
        "SELECT change FROM attachments WHERE ticket_id = ?1 AND n = ?2 AND removed = 0"
    } else {
        "SELECT change FROM entry_rows WHERE ticket_id = ?1 AND n = ?2 AND removed = 0"
    };
    db.opt(sql, args![id, n], |r| r.get(0))
}

/// Whether an entry or attachment (by its record) is removed now; `None` if the ticket has
/// no such item.
pub(crate) fn item_removed(db: &Db, id: i64, change: i64, attachment: bool) -> Result<Option<i64>> {
    let sql = if attachment {
        "SELECT removed FROM attachments WHERE ticket_id = ?1 AND change = ?2"
    } else {
        "SELECT removed FROM entry_rows WHERE ticket_id = ?1 AND change = ?2"
    };
    db.opt(sql, args![id, change], |r| r.get(0))
}

/// The entry number of an entry, by its record.
pub(crate) fn entry_number(db: &Db, id: i64, change: i64) -> Result<Option<u32>> {
    db.opt(
        "SELECT n FROM entry_rows WHERE ticket_id = ?1 AND change = ?2",
        args![id, change],
        |r| r.get(0),
    )
}

/// The numbering state: the last sequence value issued and how many were issued.
pub(crate) fn numbering(db: &Db) -> Result<(Option<i64>, i64)> {
    db.one(
        "SELECT last_x, issued FROM numbering WHERE id = 1",
        args![],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
}

/// Records a number as issued.
pub(crate) fn set_numbering(db: &Db, last: i64, issued: i64) -> Result<()> {
    db.exec_later(
        "UPDATE numbering SET last_x = ?1, issued = ?2 WHERE id = 1",
        args![last, issued],
    )?;
    Ok(())
}

/// The repairs the projection made at a ticket's records (sync.md 2), by the record's local
/// row id.
pub(crate) fn repairs_of(db: &Db, id: i64) -> Result<std::collections::HashMap<i64, String>> {
    Ok(db
        .rows(
            "SELECT change, text FROM repairs WHERE ticket_id = ?1",
            args![id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?
        .into_iter()
        .collect())
}

/// Every repair (record's local row id, words), in the replay order of their records.
pub(crate) fn all_repairs(db: &Db) -> Result<Vec<(i64, String)>> {
    db.rows(
        "SELECT p.change, p.text FROM repairs p JOIN change_sets s ON s.id = (p.change >> 16) JOIN replicas r ON r.id = s.replica ORDER BY s.clock, r.uuid, p.change",
        args![],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
}
