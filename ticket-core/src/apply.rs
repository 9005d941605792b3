//! Applying change records to the derived tables: the one function both the write path and
//! `rebuild` use, so the two cannot disagree.
use crate::storage::db::{args, Db};
use crate::storage::kept::{EntryRow, KeptRow, PropertyRow, TagRow, TicketRow};
use crate::storage::postgres::TsVector;
use std::collections::{BTreeMap, BTreeSet};

use crate::error::{Error, Result};
use crate::log::{Operation, Record};

mod merges;
mod numbers;
pub(crate) use merges::is_merge_key;
pub(crate) use numbers::{added_row, AddedRow, RowNumbers};

/// The query giving the next number after the greatest decimal ticket number (where two
/// copies created the same number, the ticket created later in replay order gets it), with
/// the dialect's integer type and its test for a number of digits only.
macro_rules! next_decimal_number {
    ($int:literal, $decimal:literal) => {
        concat!(
            "SELECT coalesce(max(CAST(number AS ",
            $int,
            ")), 0) + 1 FROM tickets WHERE ",
            $decimal
        )
    };
}

/// `value_date`: the date part when the value starts with a valid `YYYY-MM-DD`.
pub(crate) fn value_date(value: &str) -> Option<String> {
    ticket_query::parse_absolute(value).map(|(d, _)| d.date().format("%Y-%m-%d").to_string())
}

/// Applies one record (local row id `change`), stamped `at` by `author`, to the derived
/// tables (not FTS, `earliest` or `last_update`: see [`refresh`]). A record that cannot apply
/// (its ticket or the entry, attachment or ticket it refers to is missing) is an error naming
/// it: the log is out of causal order or damaged.
///
/// Where the record met a state only a peer's records make (sync.md 2), the special case is
/// repaired: the repair, in words, is returned and kept in the derived table `repairs` under
/// the record, for the ticket's history.
pub(crate) fn apply(
    conn: &Db,
    rec: &Record,
    change: i64,
    at: &str,
    author: &str,
) -> Result<Option<String>> {
    apply_known(conn, rec, change, at, author, Known::default())
}

/// What the writer already knows about a record's tickets, so that [`apply_known`] need not
/// ask the database.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Known<'a> {
    /// The number of a relation's target.
    pub target_number: Option<&'a str>,
    /// The ticket has no merge links (it was created in this transaction and no merge
    /// record touched it since): a status record needs no probe for them.
    pub unlinked: bool,
    /// The number the row a property value, relation or entry adds gets (the writer holds
    /// the ticket: [`crate::fresh::Fresh`]): the row is kept by the connection and written
    /// with others ([`crate::storage::kept`]) instead of numbered by its own statement.
    pub row_number: Option<i64>,
    /// A create record of the writer's own (its number issued or checked unused): the
    /// ticket's row is kept, and the title, summary and status records that follow amend it
    /// ([`crate::storage::kept::TicketRow`]) instead of updating it one statement each.
    pub new_ticket: bool,
    /// A relation the write rules made and checked: it closes no cycle and gives no ticket a
    /// second parent (the rules refuse the one and remove an old parent first), so it meets
    /// nothing ([`meet_relation`]'s question, a round trip on a team silo, is not asked).
    /// Never set for records from elsewhere (a peer, an import, an undo): those are met.
    pub checked: bool,
}

/// [`apply`], told what the caller knows (the writer, about the tickets it created in the
/// same transaction): a question to the database less for each.
pub(crate) fn apply_known(
    conn: &Db,
    rec: &Record,
    change: i64,
    at: &str,
    author: &str,
    known: Known<'_>,
) -> Result<Option<String>> {
    let repair = project(conn, rec, change, at, author, known)?;
    if let Some(text) = &repair {
        conn.exec_later(
            "INSERT INTO repairs (change, ticket_id, text) VALUES (?1, ?2, ?3)",
            args![change, rec.ticket, text],
        )?;
    }
    Ok(repair)
}

/// The ticket holding number `?1` if it got it by renumbering: its create record names
/// another number. The create is the first record of one of the ticket's runs, or, where the
/// runs of the change set being applied are not written yet (an import writes them after
/// each set), a record of that set (row ids `?2` to `?3`). One text for both backends (a
/// macro, so that PostgreSQL's statement can hold it).
macro_rules! renumbered_holder {
    () => {
        "SELECT t.id FROM tickets t JOIN ticket_runs u ON u.ticket = t.id \
         JOIN changes c ON c.id = u.first AND c.op = 0 WHERE t.number = ?1 AND c.value <> ?1 \
         UNION SELECT t.id FROM tickets t JOIN changes c ON c.ticket = t.id AND c.op = 0 \
         AND c.id BETWEEN ?2 AND ?3 WHERE t.number = ?1 AND c.value <> ?1"
    };
}

/// PostgreSQL's yield in one queued statement: the ticket holding number `?1` by
/// renumbering ([`renumbered_holder`]) moves to the next number after the greatest decimal
/// one, and the relation rows naming it follow. It runs ahead of every create a replay or an
/// import applies, and almost always finds no such ticket: so the greatest number is asked
/// for only in the `SET` of a row being moved, the ticket is found by its number (the unique
/// index), and the relation rows (no index on `target`) are looked for behind an
/// uncorrelated `EXISTS`, a one-time filter that skips the scan when nothing moved.
const PG_YIELD: &str = concat!(
    "WITH h AS (",
    renumbered_holder!(),
    "), moved AS (UPDATE tickets t SET number = (",
    next_decimal_number!("BIGINT", "number !~ '[^0-9]'"),
    ")::text WHERE t.number = ?1 AND t.id IN (SELECT id FROM h) RETURNING t.id, t.number) \
     UPDATE properties p SET value = m.number, value_lc = m.number, \
     value_num = m.number::double precision, value_date = NULL FROM moved m \
     WHERE EXISTS (SELECT 1 FROM moved) AND p.target = m.id"
);

/// The row ids of the change set record `change` belongs to.
fn own_set(change: i64) -> (i64, i64) {
    let set = change >> 16;
    (
        crate::storage::log::record_row(set, 0),
        crate::storage::log::record_row(set, u16::MAX as u32),
    )
}

/// [`apply`] without keeping the repair.
fn project(
    conn: &Db,
    rec: &Record,
    change: i64,
    at: &str,
    author: &str,
    known: Known<'_>,
) -> Result<Option<String>> {
    let id = rec.ticket;
    let broken = |message: &str| Error::BadRecord {
        ticket: number_or_id(conn, id),
        record: format!("#{change}"),
        message: message.to_string(),
    };
    if let Operation::Create { number } = &rec.op {
        if known.new_ticket {
            conn.keep_row(KeptRow::Ticket(TicketRow {
                id,
                number: number.as_str().to_string(),
                title: String::new(),
                summary: String::new(),
                status: 0,
                at: at.to_string(),
                list_row: None,
                earliest: None,
            }))?;
            return Ok(None);
        }
        if conn.is_postgres() {
            // A ticket holding the number by renumbering yields it first (see below), then
            // one queued statement creates, the clash settled inside it (the renumbering
            // below): no round trip per created ticket. The callers never create a ticket
            // twice (the write path makes a new id, the rebuild and the import check the
            // create record).
            let (first, last) = own_set(change);
            conn.exec_later(PG_YIELD, args![number.as_str(), first, last])?;
            conn.exec_later(
                concat!(
                    "INSERT INTO tickets (id, number, title, summary, status, opened, last_update, uuid) \
                     SELECT ?1::bigint, CASE WHEN EXISTS (SELECT 1 FROM tickets WHERE number = ?2::text) \
                     THEN (",
                    next_decimal_number!("BIGINT", "number !~ '[^0-9]'"),
                    ")::text ELSE ?2::text END, '', '', 0, ?3::text, ?3::text, \
                     (SELECT uuid FROM ticket_ids WHERE id = ?1::bigint)"
                ),
                args![id, number.as_str(), at],
            )?;
            return Ok(None);
        }
        // single-row statements throughout: an INSERT … SELECT may write many rows, so SQLite
        // keeps a statement journal for it (a temporary file once it passes 64 KiB)
        let n = conn
            .exec("INSERT OR IGNORE INTO tickets (id, number, title, summary, status, opened, last_update) \
                 VALUES (?1, ?2, '', '', 0, ?3, ?3)", args![id, number.as_str(), at])?;
        if n == 1 {
            return Ok(None);
        }
        let exists: i64 = conn.one(
            "SELECT count(*) FROM tickets WHERE id = ?1",
            args![id],
            |r| r.get(0),
        )?;
        if exists > 0 {
            return Err(broken("creates its ticket a second time"));
        }
        // Two copies created the same number offline: the ticket created later in replay
        // order gets the next number after the greatest decimal one, the same on every copy
        // (sync.md 2). Relations follow: they refer to tickets, not numbers. But where the
        // ticket holding the number got it that way, it yields: it moves on to the next
        // number and this ticket takes the one its create names. Else two copies creating
        // many tickets offline at interleaved times renumbered all but the first of both
        // (each renumbered ticket took the number the other copy's next create named).
        let next: i64 = conn.value(
            next_decimal_number!("INTEGER", "number NOT GLOB '*[^0-9]*'"),
            args![],
        )?;
        let (first, last) = own_set(change);
        let holder: Option<i64> = conn.opt(
            renumbered_holder!(),
            args![number.as_str(), first, last],
            |r| r.get(0),
        )?;
        let claimed = match holder {
            Some(holder) => {
                let next = next.to_string();
                conn.exec(
                    "UPDATE tickets SET number = ?2 WHERE id = ?1",
                    args![holder, next.as_str()],
                )?;
                conn.exec(
                    "UPDATE properties SET value = ?2, value_lc = ?2, value_num = ?3, value_date = ?4 \
                     WHERE target = ?1",
                    args![
                        holder,
                        next.as_str(),
                        ticket_query::parse_decimal(&next),
                        value_date(&next)
                    ],
                )?;
                number.as_str().to_string()
            }
            None => next.to_string(),
        };
        conn.exec(
            "INSERT INTO tickets (id, number, title, summary, status, opened, last_update) \
             VALUES (?1, ?2, '', '', 0, ?3, ?3)",
            args![id, claimed, at],
        )?;
        return Ok(None);
    }
    // Every caller has made sure the ticket exists (the write path has it in hand, the rebuild
    // and the import check its create record first), so the row count of these updates is
    // not needed: PostgreSQL queues them (no round trip of their own: a generated ticket's
    // title, summary and status were three of its waits); SQLite, which answers for free,
    // still checks it, the canary of a caller that did not.
    let update = |sql: &str, values: &[crate::storage::db::Arg<'_>]| -> Result<()> {
        if conn.is_postgres() {
            return conn.exec_later(sql, values);
        }
        if conn.exec(sql, values)? != 1 {
            return Err(broken("comes before its ticket's create record"));
        }
        Ok(())
    };
    // a ticket created in this transaction whose row is still kept: amended in memory
    let amended = match &rec.op {
        Operation::Title(v) => conn.amend_kept_ticket(id, |t| v.clone_into(&mut t.title)),
        Operation::Summary(v) => conn.amend_kept_ticket(id, |t| v.clone_into(&mut t.summary)),
        Operation::Status(s) => conn.amend_kept_ticket(id, |t| t.status = i64::from(s.ordinal())),
        _ => false,
    };
    match &rec.op {
        _ if amended => {}
        Operation::Create { .. } => unreachable!("handled above"),
        // PostgreSQL keeps Rust's lower case beside the texts (its `lower()` follows the locale)
        Operation::Title(v) if conn.is_postgres() => update(
            "UPDATE tickets SET title = ?2, title_lc = ?3 WHERE id = ?1",
            args![id, v, v.to_lowercase()],
        )?,
        Operation::Summary(v) if conn.is_postgres() => update(
            "UPDATE tickets SET summary = ?2, summary_lc = ?3 WHERE id = ?1",
            args![id, v, v.to_lowercase()],
        )?,
        Operation::Title(v) => update("UPDATE tickets SET title = ?2 WHERE id = ?1", args![id, v])?,
        Operation::Summary(v) => update(
            "UPDATE tickets SET summary = ?2 WHERE id = ?1",
            args![id, v],
        )?,
        Operation::Status(s) => update(
            "UPDATE tickets SET status = ?2 WHERE id = ?1",
            args![id, s.ordinal()],
        )?,
        // the other records' tickets: the write path has the ticket in hand and the rebuild
        // checks its creation first (one statement per record less)
        _ => {}
    }
    match &rec.op {
        // a status change (from another copy) may meet merge links: one probe of them (asked
        // in the UPDATE's `RETURNING` instead, SQLite kept a statement journal for every
        // status record: bulk creation 12% slower)
        // the writer knows the ticket has none (it created it and no merge touched it since)
        Operation::Status(_) if known.unlinked => {}
        Operation::Status(s) => return merges::meet_status(conn, id, *s),
        Operation::RelAdd { key, target } if merges::is_merge_key(&key.lc()) => {
            if crate::storage::state::number_of(conn, *target)?.is_none() {
                return Err(broken("relates to a ticket that does not exist yet"));
            }
            if key.lc() == "closed_via" {
                return merges::meet_closed_via(conn, id, key.as_str(), *target, change);
            }
            merges::meet_back_link(conn, id, key.as_str(), *target)?;
        }
        // inserted or ignored, whatever the ticket: kept, to go with others
        Operation::TagAdd(tag) => conn.keep_row(KeptRow::Tag(TagRow {
            ticket_id: id,
            tag: tag.as_str().to_string(),
            tag_lc: tag.lc(),
        }))?,
        Operation::TagRemove(tag) => {
            conn.exec_later(
                "DELETE FROM tags WHERE ticket_id = ?1 AND tag_lc = ?2",
                args![id, tag.lc()],
            )?;
        }
        Operation::PropAdd { key, value } => {
            insert_property(
                conn,
                id,
                key.as_str(),
                value.as_str(),
                None,
                known.row_number,
            )?;
        }
        Operation::PropRemove { key, value } => {
            conn.exec_later("DELETE FROM properties WHERE ticket_id = ?1 AND key_lc = ?2 AND id = (SELECT id FROM properties WHERE ticket_id = ?1 AND key_lc = ?2 AND value_lc = ?3 AND target IS NULL ORDER BY id LIMIT 1)", args![id, key.lc(), value.lc()])?;
        }
        Operation::RelAdd { key, target } => {
            let number: String = match known.target_number {
                Some(n) => n.to_string(),
                None => conn
                    .opt(
                        "SELECT number FROM tickets WHERE id = ?1",
                        args![target],
                        |r| r.get(0),
                    )?
                    .ok_or_else(|| broken("relates to a ticket that does not exist yet"))?,
            };
            let meeting = if known.checked {
                Meeting::Keep(None)
            } else {
                meet_relation(conn, id, key.as_str(), *target)?
            };
            match meeting {
                Meeting::Keep(repair) => {
                    // a repair removed rows of the ticket (another parent): the number known
                    // before may be past the greatest now, so the statement numbers the row
                    let number_known = known.row_number.filter(|_| repair.is_none());
                    insert_property(conn, id, key.as_str(), &number, Some(*target), number_known)?;
                    return Ok(repair);
                }
                Meeting::Drop(repair) => return Ok(Some(repair)),
            }
        }
        // the back-link of a merged ticket: whatever kind it has now (another copy may have
        // turned a `Duplicate` into a `Merged`, and there is one per merged ticket)
        Operation::RelRemove { key, target }
            if matches!(key.lc().as_str(), "merged" | "duplicate") =>
        {
            merges::delete_back_links(conn, id, *target)?;
        }
        Operation::RelRemove { key, target } => {
            conn.exec_later("DELETE FROM properties WHERE ticket_id = ?1 AND key_lc = ?2 AND id = (SELECT id FROM properties WHERE ticket_id = ?1 AND key_lc = ?2 AND target = ?3 ORDER BY id LIMIT 1)", args![id, key.lc(), target])?;
        }
        // kept, to go with others: numbered by the writer (a ticket it created), else by the
        // statement that writes it
        Operation::EntryAdd { minutes, text } => conn.keep_row(KeptRow::Entry(EntryRow {
            ticket_id: id,
            n: known.row_number,
            change,
            minutes: i64::from(*minutes),
            text_lc: if conn.is_postgres() {
                text.to_lowercase()
            } else {
                String::new()
            },
        }))?,
        Operation::EntryRemove { entry } => {
            let n = conn.exec(
                "UPDATE entry_rows SET removed = 1 WHERE ticket_id = ?1 AND change = ?2",
                args![id, entry],
            )?;
            if n != 1 {
                return Err(broken("removes an entry this ticket does not have"));
            }
        }
        Operation::AttachAdd {
            name,
            comment,
            size,
            sha256,
        } => {
            let n: i64 = conn.one(
                "SELECT coalesce(max(n), 0) + 1 FROM attachments WHERE ticket_id = ?1",
                args![id],
                |r| r.get(0),
            )?;
            conn.exec("INSERT INTO attachments (ticket_id, n, change, name, size, sha256, comment, author, at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", args![id, n, change, name, *size as i64, sha256, comment, author, at])?;
        }
        Operation::AttachRemove { attachment } => {
            let n = conn.exec(
                "UPDATE attachments SET removed = 1 WHERE ticket_id = ?1 AND change = ?2",
                args![id, attachment],
            )?;
            if n != 1 {
                return Err(broken("removes an attachment this ticket does not have"));
            }
        }
        Operation::EntryRestore { entry } => {
            let n = conn.exec(
                "UPDATE entry_rows SET removed = 0 WHERE ticket_id = ?1 AND change = ?2",
                args![id, entry],
            )?;
            if n != 1 {
                return Err(broken("restores an entry this ticket does not have"));
            }
        }
        Operation::AttachRestore { attachment } => {
            let n = conn.exec(
                "UPDATE attachments SET removed = 0 WHERE ticket_id = ?1 AND change = ?2",
                args![id, attachment],
            )?;
            if n != 1 {
                return Err(broken("restores an attachment this ticket does not have"));
            }
        }
        Operation::Undo { .. }
        | Operation::Create { .. }
        | Operation::Title(_)
        | Operation::Summary(_) => {}
    }
    Ok(None)
}

/// One property value, numbered after the ticket's other values: a ticket's properties keep
/// the order they were applied in, which is replay order on every copy and after a rebuild.
/// The connection keeps the row ([`crate::storage::kept`]), with `number` when the writer
/// knows it (the greatest of the ticket's ids plus one), else numbered when it is written.
fn insert_property(
    conn: &Db,
    id: i64,
    key: &str,
    value: &str,
    target: Option<i64>,
    number: Option<i64>,
) -> Result<()> {
    conn.keep_row(KeptRow::Property(PropertyRow {
        ticket_id: id,
        id: number,
        key: key.to_string(),
        key_lc: key.to_lowercase(),
        value: value.to_string(),
        value_lc: value.to_lowercase(),
        value_num: ticket_query::parse_decimal(value),
        value_date: value_date(value),
        target,
    }))
}

/// A ticket's number for an error message, else its uuid, else its local id.
fn number_or_id(conn: &Db, id: i64) -> String {
    crate::log::number_of(conn, id)
        .ok()
        .filter(|n| !n.starts_with('#'))
        .or_else(|| crate::storage::log::ticket_uuid(conn, id).ok())
        .unwrap_or_else(|| format!("#{id}"))
}

/// What a transaction's records changed, for [`refresh`].
/// A map keyed by row ids, hashed by foldhash: the ids are the silo's own, not an
/// adversary's, and SipHash (std's default) was 2% of a 1M rebuild, which asks such maps
/// several times per record.
pub(crate) type IdMap<V> = std::collections::HashMap<i64, V, foldhash::fast::FixedState>;
/// A set of row ids ([`IdMap`]'s hasher).
pub(crate) type IdSet = std::collections::HashSet<i64, foldhash::fast::FixedState>;
/// A map keyed by texts (tags, numbers, keys) within one transaction, hashed by foldhash
/// with a seed of its own per process (the texts may come from an imported file): a bulk
/// creation asks such maps several times per record, and SipHash was 4% of its
/// instructions.
pub(crate) type TextMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

#[derive(Debug, Default)]
pub(crate) struct Touched {
    /// Tickets changed, with the latest `at` of their records.
    pub last_at: BTreeMap<i64, String>,
    /// Tickets created in this transaction (no full-text row yet).
    pub created: BTreeSet<i64>,
    /// Tickets whose date properties changed (`earliest` to recompute).
    pub dated: BTreeSet<i64>,
    /// Tickets whose indexed texts changed (title, summary, entries): their full-text rows
    /// are written again; a tag or a property leaves them as they are.
    pub texts: BTreeSet<i64>,
    /// Tickets whose rows went out with their list row, `earliest` and latest time already
    /// (the writer's new tickets, [`crate::silo::Writer::list_row_with_kept_row`]; a later
    /// record of the ticket, or any repair, takes it out): the end leaves those three alone.
    pub listed: IdSet,
    /// Full-text documents made by the writer (a team silo's tickets in `listed`, in the
    /// binary form of a `tsvector`): written as they are, their texts not asked.
    pub documents: BTreeMap<i64, Vec<u8>>,
    /// The ticket of the latest note, the latest `at` noted for it, and which of `texts`,
    /// `created` and `dated` hold it already: a run of one ticket's records (a change set
    /// holds them together) asks the ordered maps once, not at every record (a 1M rebuild
    /// notes 14M records).
    run: Option<(i64, String, u8)>,
}

/// [`Touched::run`]'s marks.
const IN_TEXTS: u8 = 1;
const IN_CREATED: u8 = 2;
const IN_DATED: u8 = 4;

impl Touched {
    /// Notes that `rec`, stamped `at`, changed ticket `id`.
    pub(crate) fn note(&mut self, rec: &Record, at: &str) {
        let id = rec.ticket;
        let marks = match &mut self.run {
            Some((run_id, latest, marks)) if *run_id == id => {
                if at > latest.as_str() {
                    at.clone_into(latest);
                    at.clone_into(self.last_at.get_mut(&id).expect("noted in this run"));
                }
                marks
            }
            run => {
                let latest = match self.last_at.get_mut(&id) {
                    Some(last) => {
                        if at > last.as_str() {
                            at.clone_into(last);
                        }
                        last.clone()
                    }
                    None => {
                        self.last_at.insert(id, at.to_string());
                        at.to_string()
                    }
                };
                // the sets are asked when the record needs them (a mark stays off until then)
                &mut run.insert((id, latest, 0)).2
            }
        };
        let text = matches!(
            rec.op,
            Operation::Create { .. }
                | Operation::Title(_)
                | Operation::Summary(_)
                | Operation::EntryAdd { .. }
                | Operation::EntryRemove { .. }
                | Operation::EntryRestore { .. }
        );
        if text && *marks & IN_TEXTS == 0 {
            self.texts.insert(id);
            *marks |= IN_TEXTS;
        }
        match &rec.op {
            Operation::Create { .. } if *marks & IN_CREATED == 0 => {
                self.created.insert(id);
                *marks |= IN_CREATED;
            }
            Operation::PropAdd { key, .. } | Operation::PropRemove { key, .. }
                if *marks & IN_DATED == 0
                    && EARLIEST_KEYS
                        .iter()
                        .any(|d| d.eq_ignore_ascii_case(key.as_str())) =>
            {
                self.dated.insert(id);
                *marks |= IN_DATED;
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
pub(crate) const EARLIEST_KEYS: [&str; 3] = ["deadline", "scheduled", "review"];

/// Recomputes what depends on several rows of the tickets a transaction touched:
/// `tickets.last_update` (the latest change), `tickets.earliest`, the list rows the change set
/// left stale (`storage::list_rows`) and the full-text rows. The
/// full-text rows are written by one statement for all tickets, so FTS5 flushes its pending
/// index once per transaction rather than once per ticket.
pub(crate) fn refresh(conn: &Db, touched: &Touched) -> Result<()> {
    // one statement for all tickets, their latest times passed as one JSON object (a
    // rebuild touches every ticket: 100k single-row updates took 0.3 s of its 5); on
    // PostgreSQL the same statement as the list rows' refresh (below)
    let listed = &touched.listed;
    let times = if listed.is_empty() {
        (!touched.last_at.is_empty()).then(|| {
            serde_json::to_string(&touched.last_at).expect("a map of numbers to strings serializes")
        })
    } else {
        let later: BTreeMap<&i64, &String> = (touched.last_at.iter())
            .filter(|(id, _)| !listed.contains(id))
            .collect();
        (!later.is_empty())
            .then(|| serde_json::to_string(&later).expect("a map of numbers to strings serializes"))
    };
    if let (Some(times), false) = (&times, conn.is_postgres()) {
        conn.exec(
            "UPDATE tickets SET last_update = j.value FROM json_each(?1) j \
             WHERE tickets.id = CAST(j.key AS INTEGER) AND tickets.last_update < j.value",
            args![times],
        )?;
    }
    let dated: Vec<i64> = (touched.dated.iter())
        .filter(|id| !listed.contains(id))
        .copied()
        .collect();
    if !dated.is_empty() {
        conn.exec_later(
            "UPDATE tickets SET earliest = (SELECT min(value_date) FROM properties WHERE ticket_id = tickets.id AND key_lc IN ('deadline', 'scheduled', 'review')) WHERE id IN rarray(?1)",
            args![dated],
        )?;
    }
    crate::storage::list_rows::refresh(conn, times.as_deref(), listed)?;
    if conn.is_postgres() {
        return refresh_documents(conn, touched);
    }
    let old: Vec<i64> = touched
        .texts
        .iter()
        .filter(|id| !touched.created.contains(id))
        .copied()
        .collect();
    if !old.is_empty() {
        conn.exec(
            "DELETE FROM ticket_fts WHERE rowid IN rarray(?1)",
            args![old],
        )?;
    }
    let all: Vec<i64> = touched.texts.iter().copied().collect();
    if all.is_empty() {
        return Ok(());
    }
    conn.exec(
        "INSERT INTO ticket_fts (rowid, title, summary, entries) SELECT t.id, t.title, t.summary, \
         coalesce((SELECT group_concat(e.text, char(10)) FROM entries e WHERE e.ticket_id = t.id AND e.removed = 0), '') \
         FROM tickets t WHERE t.id IN rarray(?1)",
        args![all],
    )?;
    Ok(())
}

/// PostgreSQL's full text: each touched ticket's document (title, summary, the entries not
/// removed) built in Rust by `ticket_query::fts_document_binary`, the same splitting as a
/// search's `x:` operand. The writer's new tickets bring theirs (`documents`); the texts of
/// the others come in one query and the documents go out in one queued statement: at most
/// one round trip for the change set instead of two per ticket.
fn refresh_documents(conn: &Db, touched: &Touched) -> Result<()> {
    if touched.texts.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = touched.texts.iter().copied().collect();
    // a statement for up to 4,096 documents (a statement each was the largest part of a
    // created ticket's time in the server, `pg_stat_statements`), their texts asked 4,096 at
    // a time too: a rebuild's million at once held them and their documents in memory (a
    // 1M rebuild peaked at 4.7 GB); each ask takes the previous documents' insert along
    for chunk in ids.chunks(4096) {
        // the writer's own documents as they are; the others' texts asked
        let (mut ids, mut docs): (Vec<i64>, Vec<TsVector>) = (chunk.iter())
            .filter_map(|id| Some((*id, TsVector(touched.documents.get(id)?.clone()))))
            .unzip();
        let asked: Vec<i64> = (chunk.iter())
            .filter(|id| !touched.documents.contains_key(id))
            .copied()
            .collect();
        if !asked.is_empty() {
            let texts: Vec<(i64, String, String, Option<String>)> = conn.rows(
                "SELECT t.id, t.title, t.summary, (SELECT string_agg(e.text, chr(10) ORDER BY e.n) FROM entries e WHERE e.ticket_id = t.id AND e.removed = 0) FROM tickets t WHERE t.id IN rarray(?1) ORDER BY t.id",
                args![asked],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )?;
            for (id, title, summary, entries) in &texts {
                let entries = entries.as_deref().unwrap_or_default();
                ids.push(*id);
                docs.push(TsVector(ticket_query::fts_document_binary([
                    title.as_str(),
                    summary.as_str(),
                    entries,
                ])));
            }
        }
        // the documents go in binary: the server parsed the text form of each (19 µs a
        // generated ticket, more than its GIN index took)
        conn.exec_arrays_later(
            "INSERT INTO ticket_fts (ticket_id, doc) SELECT u.i, u.d \
             FROM unnest(?1::bigint[], ?2::tsvector[]) AS u(i, d) \
             ON CONFLICT (ticket_id) DO UPDATE SET doc = excluded.doc",
            vec![Box::new(ids), Box::new(docs)],
        )?;
    }
    Ok(())
}

/// What becomes of a relation record when it meets the state (sync.md 2: a peer's changes are
/// facts, so the special cases are repaired, the same way on every copy because the replay
/// order is): kept (with a note when it displaced something), or dropped.
enum Meeting {
    Keep(Option<String>),
    Drop(String),
}

/// Keys whose relation forms an order (forward key, mirror key), as the write rules know them.
const ORDERED: [(&str, &str); 3] = [
    ("child_of", "parent_of"),
    ("blocks", "blocked_by"),
    ("precedes", "follows"),
];

/// The repairs of relations that two copies made apart:
/// - a relation that would close a cycle of an ordered key (two copies closed it from both
///   ends) is dropped, with its mirror if that came first; the earlier relation stays;
/// - a second `Child_Of` replaces the first (a ticket has one parent; the later in replay
///   order wins, as for single-valued fields), whose mirror `Parent_Of` goes too.
///
/// The write path never gets here with either: it refuses cycles and removes an old parent
/// first, so these repairs only ever meet a peer's records (and their replays).
fn meet_relation(conn: &Db, id: i64, key: &str, target: i64) -> Result<Meeting> {
    let key_lc = key.to_lowercase();
    let Some(&(forward, mirror)) = ORDERED.iter().find(|(f, m)| *f == key_lc || *m == key_lc)
    else {
        return Ok(Meeting::Keep(None));
    };
    // as a forward edge: `from` forward `to` (A Child_Of B, B Parent_Of A: A -> B)
    let (from, to) = if key_lc == forward {
        (id, target)
    } else {
        (target, id)
    };
    let parents = forward == "child_of" && key_lc == forward;
    let met = crate::storage::state::ordered_meeting(conn, forward, from, to, parents)?;
    if met.there {
        return Ok(Meeting::Keep(None));
    }
    if met.cycle {
        if key_lc == forward {
            // its mirror may have come first in the same change set
            delete_relation(conn, to, mirror, from)?;
        }
        return Ok(Meeting::Drop(format!(
            "{} {} {}: dropped, it would close a cycle made by another copy",
            crate::log::number_of(conn, from)?,
            display_key(forward),
            crate::log::number_of(conn, to)?
        )));
    }
    if met.other_parents {
        let old: Vec<i64> = conn.rows(
            "SELECT target FROM properties WHERE ticket_id = ?1 AND key_lc = 'child_of' AND target IS NOT NULL AND target <> ?2",
            args![from, to],
            |r| r.get(0),
        )?;
        let mut replaced = Vec::new();
        for parent in old {
            delete_relation(conn, from, "child_of", parent)?;
            delete_relation(conn, parent, "parent_of", from)?;
            replaced.push(crate::log::number_of(conn, parent)?);
        }
        if !replaced.is_empty() {
            return Ok(Meeting::Keep(Some(format!(
                "{} Child_Of {}: replaces Child_Of {} set by another copy (one parent)",
                crate::log::number_of(conn, from)?,
                crate::log::number_of(conn, to)?,
                replaced.join(", ")
            ))));
        }
    }
    Ok(Meeting::Keep(None))
}

/// Deletes every `id key target` relation (`key_lc`: the key's lower case).
fn delete_relation(conn: &Db, id: i64, key_lc: &str, target: i64) -> Result<()> {
    conn.exec_later(
        "DELETE FROM properties WHERE ticket_id = ?1 AND key_lc = ?2 AND target = ?3",
        args![id, key_lc, target],
    )?;
    Ok(())
}

fn display_key(key_lc: &str) -> &'static str {
    match key_lc {
        "child_of" => "Child_Of",
        "blocks" => "Blocks",
        _ => "Precedes",
    }
}

#[cfg(test)]
mod touched_tests {
    use super::*;

    /// The maps a run of one ticket's records leaves are the ones each record noted alone
    /// would: the latest time per ticket (later ones only), the texts, creates and dated
    /// tickets, across runs that come back to a ticket.
    #[test]
    fn a_run_of_one_tickets_records_notes_what_each_record_would() {
        let rec = |ticket: i64, op: Operation| Record { ticket, op };
        let title = |t: &str| Operation::Title(t.to_string());
        let tag = || Operation::TagAdd("bug".parse().unwrap());
        let deadline = || Operation::PropAdd {
            key: "Deadline".parse().unwrap(),
            value: "2024-05-01".parse().unwrap(),
        };
        let create = |n: &str| Operation::Create {
            number: n.parse().unwrap(),
        };
        let notes = [
            (rec(1, create("1")), "2024-01-01"),
            (rec(1, title("one")), "2024-01-03"),
            (rec(1, tag()), "2024-01-02"),
            (rec(2, create("2")), "2024-01-02"),
            (rec(2, tag()), "2024-01-02"),
            (rec(1, deadline()), "2024-01-02"),
            (rec(1, deadline()), "2024-01-05"),
            (rec(3, tag()), "2024-01-04"),
            (rec(2, title("two")), "2024-01-01"),
        ];
        let mut touched = Touched::default();
        for (r, at) in &notes {
            touched.note(r, at);
        }
        let last: Vec<(i64, &str)> = touched
            .last_at
            .iter()
            .map(|(id, at)| (*id, at.as_str()))
            .collect();
        assert_eq!(
            last,
            [(1, "2024-01-05"), (2, "2024-01-02"), (3, "2024-01-04")]
        );
        assert_eq!(touched.texts.iter().copied().collect::<Vec<_>>(), [1, 2]);
        assert_eq!(touched.created.iter().copied().collect::<Vec<_>>(), [1, 2]);
        assert_eq!(touched.dated.iter().copied().collect::<Vec<_>>(), [1]);
        assert_eq!(touched.ids(), [1, 2, 3]);
    }
}
