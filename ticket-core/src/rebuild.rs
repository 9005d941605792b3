//! `rebuild`: the derived tables replayed from the change log.
use crate::storage::db::{args, Db};
use std::collections::HashSet;

use crate::apply::{apply_known, is_merge_key, refresh, Known, RowNumbers, Touched};
use crate::error::{Error, Result};
use crate::log::{Operation, Record};
use crate::silo::Silo;
use crate::storage::deferred_indexes::{DeferredIndexes, FTS_BULK_OFF, FTS_BULK_ON};
use crate::storage::list_rows;
use crate::storage::log::{self as store, StoredRecord};

/// What a rebuild did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RebuildStats {
    /// Change records replayed.
    pub changes: u64,
    /// Tickets in the rebuilt tables.
    pub tickets: u64,
}

impl Silo {
    /// Drops the derived tables' rows and replays the change log in replay order (clock, replica, index), in one
    /// transaction. Derived tables and indexes missing from the database (damaged, or dropped
    /// by hand) are first recreated as the migrations make them.
    pub fn rebuild(&self) -> Result<RebuildStats> {
        self.refuse_read_only()?;
        let conn = self.lock();
        crate::storage::prepare_for_writing(&conn)?;
        conn.begin_write()?;
        let rebuilt = match &*conn {
            Db::Sqlite(c) => crate::storage::recreate_missing_derived(c),
            Db::Postgres(_) => Ok(Vec::new()),
        }
        .and_then(|_| rebuild_in(&conn));
        match rebuilt {
            Ok(stats) => {
                conn.commit_write()?;
                self.repaired();
                crate::storage::after_rebuild(&conn, stats.changes);
                Ok(stats)
            }
            Err(e) => {
                conn.rollback();
                Err(e)
            }
        }
    }

    /// Tickets that violate the current validation rules (after a configuration change).
    pub fn check(&self) -> Result<Vec<crate::error::Violation>> {
        let conn = self.reader()?;
        let ids: Vec<i64> = conn.rows(
            "SELECT id FROM tickets ORDER BY length(number), number",
            args![],
            |r| r.get(0),
        )?;
        crate::validate::violations(self, &conn, &ids, self.context().clock.today())
    }
}

/// Replays the whole log into emptied derived tables, inside the caller's transaction. A
/// record that does not decode, or does not apply (out of causal order, a reference that
/// does not resolve), is an error naming the ticket and the record.
pub(crate) fn rebuild_in(conn: &Db) -> Result<RebuildStats> {
    // the list rows are written once at the end: their triggers stay off meanwhile (SQLite
    // would also delete the tables row by row for them)
    let triggers = list_rows::triggers(conn)?;
    list_rows::set_triggers(conn, false, &triggers)?;
    conn.batch(if conn.is_postgres() {
        "DELETE FROM repairs; DELETE FROM tags; DELETE FROM properties; DELETE FROM entry_rows; DELETE FROM attachments; DELETE FROM ticket_fts; DELETE FROM tickets;"
    } else {
        "DELETE FROM repairs; DELETE FROM tags; DELETE FROM properties; DELETE FROM entry_rows; DELETE FROM attachments; INSERT INTO ticket_fts (ticket_fts) VALUES ('delete-all'); DELETE FROM tickets;"
    })?;
    // Indexes the replay itself does not read are set aside and made again afterwards
    let deferred = DeferredIndexes::set_aside(conn)?;
    if !conn.is_postgres() {
        conn.batch(FTS_BULK_ON)?;
    }
    let mut n = 0u64;
    let mut touched = Touched::default();
    let mut created = crate::apply::IdSet::default();
    // tickets a merge relation touched (either end): only their status records can meet
    // merge links, so only theirs probe for them (the probe names `properties`, which writes
    // the kept rows: a status record was a statement or two more)
    let mut linked = crate::apply::IdSet::default();
    let mut numbers = RowNumbers::default();
    // the numbers created so far, while no two creates have met on one: a create whose
    // number is new keeps its ticket's row (written with others; the title, summary and
    // status records after it amend it instead of updating it, three statements less a
    // ticket); the first clash is settled by the statement (it renumbers, to a number not
    // known here) and every create after it goes the same way
    let mut created_numbers: Option<HashSet<String, foldhash::fast::FixedState>> =
        Some(HashSet::default());
    // on a team silo, the number of each ticket created with its own number (numbers never
    // change after): a relation's row holds its target's number, which was a round trip a
    // relation record (a directory silo asks: a probe by row id, where the map of a 1M
    // rebuild would hold some 60 MB)
    let mut number_of: crate::apply::IdMap<String> = Default::default();
    let keep_numbers = conn.is_postgres();
    // a ticket's row is written with its create's time as `last_update`; the end writes the
    // latest time of the tickets a later record may have moved (a ticket's records mostly
    // come together, at one time, after its create): the last create and its time, and the
    // tickets whose time may have moved (every record of a ticket other than the last
    // created counts, not knowing its create's time). The end's statement took every
    // ticket's time, 1M of them in one JSON object (2.4 s of a 1M rebuild).
    let mut last_create: Option<(i64, String)> = None;
    let mut moved = crate::apply::IdSet::default();
    let mut lists = ListedRows::default();
    store::for_each_record_replayed(conn, |mut s| {
        let op =
            Operation::decode(std::mem::take(&mut s.row)).map_err(|e| bad_record(conn, &s, e))?;
        let create = matches!(op, Operation::Create { .. });
        if create != created.insert(s.ticket) {
            let message = if create {
                "creates a ticket a second time"
            } else {
                "comes before its ticket's create record"
            };
            return Err(Error::BadRecord {
                ticket: store::ticket_uuid(conn, s.ticket).unwrap_or_default(),
                record: record_id(&s),
                message: message.to_string(),
            });
        }
        let rec = Record {
            ticket: s.ticket,
            op,
        };
        if let Operation::RelAdd { key, target } | Operation::RelRemove { key, target } = &rec.op {
            if is_merge_key(&key.lc()) {
                linked.extend([rec.ticket, *target]);
            }
        }
        let new_ticket = match (&rec.op, &mut created_numbers) {
            (Operation::Create { number }, Some(seen)) => {
                let fresh = seen.insert(number.as_str().to_string());
                if !fresh {
                    created_numbers = None;
                    // a renumbered ticket may yield its number later and move on (apply.rs):
                    // the relation rows naming it change after their tickets' list rows were
                    // kept, so the end writes every ticket's list row
                    lists.elsewhere = true;
                } else if keep_numbers {
                    number_of.insert(rec.ticket, number.as_str().to_string());
                }
                fresh
            }
            _ => false,
        };
        let target_number = match &rec.op {
            Operation::RelAdd { target, .. } => number_of.get(target).map(String::as_str),
            _ => None,
        };
        let known = Known {
            unlinked: !linked.contains(&rec.ticket),
            row_number: numbers.row_number(&rec),
            new_ticket,
            target_number,
            // a replay meets every relation: a peer's may close a cycle
            checked: false,
        };
        let repair =
            apply_known(conn, &rec, s.id, &s.at, &s.author, known).map_err(|e| match e {
                Error::BadRecord {
                    ticket, message, ..
                } => Error::BadRecord {
                    ticket,
                    record: record_id(&s),
                    message,
                },
                other => other,
            })?;
        numbers.note(&rec, repair.is_some());
        let elsewhere = repair.is_some() || !known.unlinked || touches_merge_links(&rec.op);
        lists.note(conn, &rec, elsewhere);
        touched.note(&rec, &s.at);
        match (&rec.op, &mut last_create) {
            (Operation::Create { .. }, last) => *last = Some((rec.ticket, s.at.clone())),
            (_, Some((id, at))) if *id == rec.ticket && s.at.as_str() <= at.as_str() => {}
            _ => {
                moved.insert(rec.ticket);
            }
        }
        n += 1;
        Ok(())
    })?;
    lists.close(conn);
    deferred.restore(conn)?;
    list_rows::set_triggers(conn, true, &triggers)?;
    match lists.elsewhere {
        false => list_rows::refresh_all_but(conn, &lists.listed)?,
        true => list_rows::refresh_all(conn)?,
    }
    touched.last_at.retain(|id, _| moved.contains(id));
    // the same refresh as after a change set, for every ticket at once
    refresh(conn, &touched)?;
    // the full-text index was written in many small segments: merged into one, it is smaller
    // (10k generated tickets: 4.83 MB -> 4.72 MB) and a word is looked up in one b-tree
    if !conn.is_postgres() {
        conn.batch("INSERT INTO ticket_fts (ticket_fts) VALUES ('optimize')")?;
        conn.batch(FTS_BULK_OFF)?;
    }
    let tickets: i64 = conn.value("SELECT count(*) FROM tickets", args![])?;
    Ok(RebuildStats {
        changes: n,
        tickets: tickets as u64,
    })
}

/// Whether a record is a merge link's (its projection may change the other ticket's rows).
fn touches_merge_links(op: &Operation) -> bool {
    matches!(op, Operation::RelAdd { key, .. } | Operation::RelRemove { key, .. } if is_merge_key(&key.lc()))
}

/// The list rows a directory silo's rebuild writes with the tickets' own rows (the
/// rebuild's counterpart of the writer's `Fresh`): the parts of the ticket created last are
/// followed while its records come together (a ticket's records mostly do, in its first
/// change set), and when the next create comes its list row goes into its kept row, if that
/// is still kept ([`Db::amend_kept_ticket`]). Such a ticket is `listed`, and the end writes
/// the others' rows only: a row written at once does not grow in place later, which split
/// the pages of `tickets` (most of the list rows' cost in a rebuild). A ticket leaves `listed`
/// at any later record of its own; a record whose projection may change other tickets' rows
/// (a repair, merge links) makes the end write every list row, as before.
#[derive(Default)]
struct ListedRows {
    run: Option<Run>,
    listed: crate::apply::IdSet,
    elsewhere: bool,
}

/// The list-row parts of one new ticket, from its records so far (tags, values, minutes);
/// `whole` until a record comes that they do not follow (a removal, a relation, an
/// attachment, …).
struct Run {
    id: i64,
    tags: std::collections::BTreeMap<String, String>,
    values: Vec<(String, String)>,
    minutes: i64,
    whole: bool,
}

impl ListedRows {
    /// Follows a record after it applied; `elsewhere` when its projection may have changed
    /// rows of other tickets.
    fn note(&mut self, conn: &Db, rec: &Record, elsewhere: bool) {
        self.elsewhere |= elsewhere;
        if conn.is_postgres() || self.elsewhere {
            return;
        }
        if let Operation::Create { .. } = rec.op {
            self.close(conn);
            self.run = Some(Run {
                id: rec.ticket,
                tags: Default::default(),
                values: Vec::new(),
                minutes: 0,
                whole: true,
            });
            return;
        }
        match &mut self.run {
            Some(run) if run.id == rec.ticket => run.follow(&rec.op),
            _ => {
                self.listed.remove(&rec.ticket);
            }
        }
    }

    /// Puts the list row of the followed ticket into its kept row, if both are there.
    fn close(&mut self, conn: &Db) {
        let Some(run) = self.run.take().filter(|r| r.whole) else {
            return;
        };
        let row = list_rows::build(
            run.minutes,
            run.tags.values().map(String::as_str),
            (run.values.iter()).map(|(k, v)| (k.as_str(), v.as_str())),
        );
        if conn.amend_kept_ticket(run.id, |t| t.list_row = row) {
            self.listed.insert(run.id);
        }
    }
}

impl Run {
    /// The parts after `op`, as the projection changes the tables.
    fn follow(&mut self, op: &Operation) {
        match op {
            Operation::Title(_) | Operation::Summary(_) | Operation::Status(_) => {}
            // inserted or ignored: the first spelling stays
            Operation::TagAdd(tag) => {
                self.tags
                    .entry(tag.lc())
                    .or_insert_with(|| tag.as_str().to_string());
            }
            Operation::PropAdd { key, value } => self
                .values
                .push((key.as_str().to_string(), value.as_str().to_string())),
            Operation::EntryAdd { minutes, .. } => self.minutes += i64::from(*minutes),
            // a removal's statement writes the kept rows first, this ticket's row with them
            // (so it could not be listed anyway); a relation's value is its target's number
            _ => self.whole = false,
        }
    }
}

fn record_id(s: &StoredRecord) -> String {
    crate::log::ChangeId {
        set: s.set.clone(),
        index: s.index,
    }
    .to_string()
}

/// A record that does not decode, as an error naming its ticket and itself.
pub(crate) fn bad_record(conn: &Db, s: &StoredRecord, e: Error) -> Error {
    let ticket = store::ticket_uuid(conn, s.ticket).unwrap_or_else(|_| format!("#{}", s.ticket));
    Error::BadRecord {
        ticket,
        record: record_id(s),
        message: e.to_string(),
    }
}
