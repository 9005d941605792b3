//! The change log's SQL: change sets, records, replica and ticket ids (ARCHITECTURE.md,
//! "The change log"). Nothing here knows a rule; records arrive encoded ([`Row`]).
use crate::storage::db::{args, Ahead, Db, LogRow, Row as DbRow};

use crate::error::{Error, Result};
use crate::log::{ChangeId, ReplicaId, Row, SetId};

/// The local row id of a replica id, added when first seen.
pub(crate) fn replica_row(conn: &Db, replica: &ReplicaId) -> Result<i64> {
    conn.exec_later(
        "INSERT OR IGNORE INTO replicas (uuid) VALUES (?1)",
        args![replica.as_str()],
    )?;
    conn.value(
        "SELECT id FROM replicas WHERE uuid = ?1",
        args![replica.as_str()],
    )
}

/// This silo's own replica: its id and local row id.
pub(crate) fn own_replica(conn: &Db) -> Result<(ReplicaId, i64)> {
    let (id, uuid): (i64, String) = conn.one(
        "SELECT r.id, r.uuid FROM log_meta m JOIN replicas r ON r.id = m.replica WHERE m.id = 1",
        args![],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok((uuid.parse()?, id))
}

/// Gives this silo a new replica id (a clone is a new copy).
pub(crate) fn set_own_replica(conn: &Db, replica: &ReplicaId) -> Result<()> {
    let row = replica_row(conn, replica)?;
    conn.exec(
        "INSERT INTO log_meta (id, replica) VALUES (1, ?1) ON CONFLICT (id) DO UPDATE SET replica = excluded.replica",
        args![row],
    )?;
    Ok(())
}

/// The local row id of a ticket uuid, added when first seen.
pub(crate) fn ticket_row(conn: &Db, uuid: &str) -> Result<i64> {
    if let Some(id) = find_ticket_row(conn, uuid)? {
        return Ok(id);
    }
    conn.insert_id("INSERT INTO ticket_ids (uuid) VALUES (?1)", args![uuid])
}

/// The local row id of a ticket uuid just made (no probe for it first: a new version-7 uuid
/// is in no log; on a team silo the probe was a round trip per created ticket).
pub(crate) fn new_ticket_row(conn: &Db, uuid: &str) -> Result<i64> {
    conn.insert_id("INSERT INTO ticket_ids (uuid) VALUES (?1)", args![uuid])
}

/// `n` row ids for new tickets, taken from `ticket_ids`' sequence (PostgreSQL).
pub(crate) fn reserve_ticket_rows(conn: &Db, n: i64) -> Result<Vec<i64>> {
    conn.rows(
        "SELECT nextval(pg_get_serial_sequence('ticket_ids', 'id')) FROM generate_series(1::bigint, ?1::bigint)",
        args![n],
        |r| r.get(0),
    )
}

/// Adds a ticket uuid under a row id taken by [`reserve_ticket_rows`] (queued).
pub(crate) fn insert_ticket_row(conn: &Db, id: i64, uuid: &str) -> Result<()> {
    conn.keep_ticket_id(id, uuid)
}

/// One row of `ticket_ids`.
pub(crate) const INSERT_TICKET_ID: &str = "INSERT INTO ticket_ids (id, uuid) VALUES (?1, ?2)";

/// A team silo's kept rows of `ticket_ids`, as arrays.
pub(crate) const INSERT_TICKET_IDS: &str =
    "INSERT INTO ticket_ids (id, uuid) SELECT * FROM unnest(?1::bigint[], ?2::text[])";

/// The local row id of a ticket uuid, if the log knows it.
pub(crate) fn find_ticket_row(conn: &Db, uuid: &str) -> Result<Option<i64>> {
    conn.opt(
        "SELECT id FROM ticket_ids WHERE uuid = ?1",
        args![uuid],
        |r| r.get(0),
    )
}

/// The uuid of a ticket's local row id.
pub(crate) fn ticket_uuid(conn: &Db, id: i64) -> Result<String> {
    conn.opt(
        "SELECT uuid FROM ticket_ids WHERE id = ?1",
        args![id],
        |r| r.get(0),
    )?
    .ok_or_else(|| Error::BadRecord {
        ticket: format!("#{id}"),
        record: String::new(),
        message: "the change log refers to a ticket it does not know".into(),
    })
}

/// The greatest clock in the log (0 when empty) and, on PostgreSQL, a row id for the next
/// change set taken from its identity sequence in the same query, so that the set can be
/// inserted without waiting for a `RETURNING` (see [`insert_set_as`]). An id taken and not
/// used leaves a gap, as a rolled-back insert does. Asked ahead: on a team silo the question
/// rides along with the write's first lookup (the writers' lock, queued before it, is held
/// by then, so nothing else moves the clock); read the answer with [`clock_answer`].
pub(crate) fn ask_max_clock_and_set_row(conn: &Db) -> Result<Ahead<(Option<i64>, Option<i64>)>> {
    if !conn.is_postgres() {
        return conn.ask_ahead("SELECT max(clock) FROM change_sets", args![], |r| {
            Ok((r.get(0)?, None))
        });
    }
    conn.ask_ahead(
        "SELECT (SELECT max(clock) FROM change_sets), nextval(pg_get_serial_sequence('change_sets', 'id'))",
        args![],
        |r| Ok((r.get(0)?, Some(r.get(1)?))),
    )
}

/// The answer of [`ask_max_clock_and_set_row`]: the greatest clock (0 for an empty log) and
/// the next set's row id (PostgreSQL).
pub(crate) fn clock_answer(
    conn: &Db,
    asked: Ahead<(Option<i64>, Option<i64>)>,
) -> Result<(u64, Option<i64>)> {
    let (clock, row) = conn.answer(asked)?.unwrap_or((None, None));
    Ok((clock.unwrap_or(0).max(0) as u64, row))
}

/// Adds a change set under a row id taken by [`ask_max_clock_and_set_row`] (queued on
/// PostgreSQL: nothing in it is waited for).
pub(crate) fn insert_set_as(
    conn: &Db,
    row: i64,
    clock: u64,
    replica_row: i64,
    at: &str,
    author: &str,
) -> Result<()> {
    conn.exec_later(
        "INSERT INTO change_sets (id, clock, replica, at, author) VALUES (?1, ?2, ?3, ?4, ?5)",
        args![row, clock as i64, replica_row, at, author],
    )
}

/// The first change set of a writer that read `ticket` before taking the writers' lock
/// (`Silo::write_guarded`), queued as one statement (`writer_set`, `schema_v9.sql`): it takes
/// the lock, fails with [`super::state::STALE_READ`] unless the ticket's row is still at
/// `version`, and adds the set under `row` with its clock computed under the lock (`wall`, or
/// one more than the greatest clock in the log if that is greater: `log::next_clock`). With
/// `records` (the tickets of the set's records in order, all emitted already) the set is
/// indexed in the same statement ([`index_fresh_set`]'s count and runs).
#[allow(clippy::too_many_arguments)]
pub(crate) fn insert_guarded_set(
    conn: &Db,
    ticket: i64,
    version: &str,
    row: i64,
    wall: u64,
    replica_row: i64,
    at: &str,
    author: &str,
    records: Option<&[i64]>,
) -> Result<()> {
    let mut runs: Vec<(i64, i64, i64)> = Vec::new();
    for (index, &ticket) in records.unwrap_or_default().iter().enumerate() {
        extend_runs(&mut runs, ticket, record_row(row, index as u32));
    }
    let tickets: Vec<i64> = runs.iter().map(|r| r.0).collect();
    let firsts: Vec<i64> = runs.iter().map(|r| r.1).collect();
    let lasts: Vec<i64> = runs.iter().map(|r| r.2).collect();
    let count = records.map(|r| r.len() as i64);
    conn.exec_later(
        "SELECT writer_set(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        args![
            ticket,
            version,
            row,
            wall as i64,
            replica_row,
            at,
            author,
            count,
            tickets,
            firsts,
            lasts
        ],
    )
}

/// The clock a new change set gets ([`insert_set`]).
#[derive(Debug, Clone, Copy)]
pub(crate) enum SetClock {
    /// This one.
    Is(u64),
    /// One more than the greatest in the log, or this wall clock if that is greater, read
    /// by the statement itself (a later set of a guarded write, the lock held): what
    /// [`insert_guarded_set`] computes.
    AfterTheLog(u64),
}

/// Adds a change set; returns its local row id.
pub(crate) fn insert_set(
    conn: &Db,
    clock: SetClock,
    replica_row: i64,
    at: &str,
    author: &str,
) -> Result<i64> {
    let (sql, clock) = match clock {
        SetClock::Is(clock) => (
            "INSERT INTO change_sets (clock, replica, at, author) VALUES (?1, ?2, ?3, ?4)",
            clock,
        ),
        SetClock::AfterTheLog(wall) => (
            "INSERT INTO change_sets (clock, replica, at, author) SELECT greatest(?1::bigint, coalesce(max(clock), 0) + 1), ?2::bigint, ?3::text, ?4::text FROM change_sets",
            wall,
        ),
    };
    conn.insert_id(sql, args![clock as i64, replica_row, at, author])
}

/// Indexes the records of sets a transaction added to: how many each set holds (summaries
/// for sync read these counts instead of counting the log) and each ticket's runs of
/// consecutive records (`ticket_runs`: a ticket's history is found through them; one row per
/// run instead of an index entry per record — a generated ticket's 14 records are 2–3 runs).
pub(crate) fn index_sets(conn: &Db, sets: &[i64]) -> Result<()> {
    for &set in sets {
        let (lo, hi) = (record_row(set, 0), record_row(set, u16::MAX as u32));
        // runs of (ticket, first, last) in row-id order
        let mut runs: Vec<(i64, i64, i64)> = Vec::new();
        let mut n = 0i64;
        conn.each(
            "SELECT id, ticket FROM changes WHERE id BETWEEN ?1 AND ?2 ORDER BY id",
            args![lo, hi],
            |r| {
                let (id, ticket): (i64, i64) = (r.get(0)?, r.get(1)?);
                n += 1;
                extend_runs(&mut runs, ticket, id);
                Ok(())
            },
        )?;
        let mut tickets: Vec<i64> = runs.iter().map(|r| r.0).collect();
        tickets.sort_unstable();
        tickets.dedup();
        for ticket in tickets {
            conn.exec_later(
                "DELETE FROM ticket_runs WHERE ticket = ?1 AND first BETWEEN ?2 AND ?3",
                args![ticket, lo, hi],
            )?;
        }
        write_runs(conn, set, &runs, n)?;
    }
    Ok(())
}

/// Adds record `id` of `ticket` (the next in row-id order) to the runs of (ticket, first,
/// last) of a set.
fn extend_runs(runs: &mut Vec<(i64, i64, i64)>, ticket: i64, id: i64) {
    match runs.last_mut() {
        Some(run) if run.0 == ticket && run.2 + 1 == id => run.2 = id,
        _ => runs.push((ticket, id, id)),
    }
}

/// Writes a set's runs and its record count `n`.
fn write_runs(conn: &Db, set: i64, runs: &[(i64, i64, i64)], n: i64) -> Result<()> {
    if conn.is_postgres() {
        // one statement for the runs and the count, queued: a statement per run was one
        // more for every change set and thousands for a bulk creation's set
        let tickets: Vec<i64> = runs.iter().map(|r| r.0).collect();
        let firsts: Vec<i64> = runs.iter().map(|r| r.1).collect();
        let lasts: Vec<i64> = runs.iter().map(|r| r.2).collect();
        return conn.exec_later(
            "WITH r AS (INSERT INTO ticket_runs (ticket, first, last) \
             SELECT * FROM unnest(?1::bigint[], ?2::bigint[], ?3::bigint[])) \
             UPDATE change_sets SET records = ?5 WHERE id = ?4",
            args![tickets, firsts, lasts, set, n],
        );
    }
    for &(ticket, first, last) in runs {
        conn.exec_later(
            "INSERT INTO ticket_runs (ticket, first, last) VALUES (?1, ?2, ?3)",
            args![ticket, first, last],
        )?;
    }
    conn.exec_later(
        "UPDATE change_sets SET records = ?2 WHERE id = ?1",
        args![set, n],
    )
}

/// [`index_sets`] for one set this transaction made, from the tickets of its records in
/// order (what the writer emitted) instead of reading them back: the same runs and count.
pub(crate) fn index_fresh_set(conn: &Db, set: i64, tickets: &[i64]) -> Result<()> {
    let mut runs: Vec<(i64, i64, i64)> = Vec::new();
    for (index, &ticket) in tickets.iter().enumerate() {
        extend_runs(&mut runs, ticket, record_row(set, index as u32));
    }
    write_runs(conn, set, &runs, tickets.len() as i64)
}

/// The last change set in replay order, if any.
pub(crate) fn last_set(conn: &Db) -> Result<Option<SetId>> {
    let found: Option<(i64, String)> = conn.opt(
        "SELECT s.clock, r.uuid FROM change_sets s JOIN replicas r ON r.id = s.replica ORDER BY s.clock DESC, r.uuid DESC LIMIT 1",
        args![],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    match found {
        Some((clock, replica)) => Ok(Some(SetId {
            clock: clock.max(0) as u64,
            replica: replica.parse()?,
        })),
        None => Ok(None),
    }
}

/// The local row id of a change set, if the log has it.
pub(crate) fn find_set(conn: &Db, id: &SetId) -> Result<Option<i64>> {
    conn.opt(
        "SELECT s.id FROM change_sets s JOIN replicas r ON r.id = s.replica WHERE s.clock = ?1 AND r.uuid = ?2",
        args![id.clock as i64, id.replica.as_str()],
        |r| r.get(0),
    )
}

/// Adds a record to a change set; returns its local row id.
pub(crate) fn insert_record(
    conn: &Db,
    set: i64,
    index: u32,
    ticket: i64,
    row: &Row,
) -> Result<i64> {
    conn.insert_log_row(
        "INSERT INTO changes (id, ticket, op, key, value, num, sha) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        LogRow {
            id: record_row(set, index),
            ticket,
            op: row.op,
            key: row.key.clone(),
            value: row.value.clone(),
            num: row.num,
            sha: row.sha.clone(),
        },
    )?;
    Ok(record_row(set, index))
}

/// Many change records in one statement, over arrays of their columns (PostgreSQL; see
/// `Db::insert_log_row`).
pub(crate) const INSERT_RECORDS: &str = "INSERT INTO changes (id, ticket, op, key, value, num, sha) \
     SELECT * FROM unnest(?1::bigint[], ?2::bigint[], ?3::integer[], ?4::text[], ?5::text[], ?6::bigint[], ?7::text[])";

/// Whether the record `index` of local set `set` is stored.
pub(crate) fn has_record(conn: &Db, set: i64, index: u32) -> Result<bool> {
    Ok(conn
        .opt(
            "SELECT 1 FROM changes WHERE id = ?1",
            args![record_row(set, index)],
            |_| Ok(()),
        )?
        .is_some())
}

/// The global id of a record known by its local row id.
pub(crate) fn change_id(conn: &Db, local: i64) -> Result<ChangeId> {
    let (clock, replica, index): (i64, String, u32) = conn
        .opt(
            "SELECT s.clock, r.uuid, c.id & 65535 FROM changes c JOIN change_sets s ON s.id = c.id >> 16 JOIN replicas r ON r.id = s.replica WHERE c.id = ?1",
            args![local],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?
        .ok_or_else(|| Error::BadRecord {
            ticket: String::new(),
            record: format!("#{local}"),
            message: "refers to a change record that is not in the log".into(),
        })?;
    Ok(ChangeId {
        set: SetId {
            clock: clock as u64,
            replica: replica.parse()?,
        },
        index,
    })
}

/// The local row id and ticket of a record known by its global id.
pub(crate) fn find_change(conn: &Db, id: &ChangeId) -> Result<Option<(i64, i64)>> {
    conn.opt(
        "SELECT c.id, c.ticket FROM change_sets s JOIN replicas r ON r.id = s.replica JOIN changes c ON c.id = s.id * 65536 + ?3 \
         WHERE s.clock = ?1 AND r.uuid = ?2",
        args![id.set.clock as i64, id.set.replica.as_str(), id.index],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
}

/// One record as read back with its change set, in replay order.
#[derive(Debug, Clone)]
pub(crate) struct StoredRecord {
    pub id: i64,
    pub set: SetId,
    pub index: u32,
    pub at: String,
    pub author: String,
    pub ticket: i64,
    pub row: Row,
}

/// The columns [`stored`] reads, for `changes c`, `change_sets s`, `replicas r`.
pub(crate) const RECORD_COLUMNS: &str =
    "c.id, s.id, s.clock, r.uuid, c.id & 65535, s.at, s.author, c.ticket, c.op, c.key, c.value, c.num, c.sha";

/// The row id of record `index` of set `set`.
pub(crate) fn record_row(set: i64, index: u32) -> i64 {
    set * 65536 + i64::from(index)
}

/// The replay order: clock, then replica id, then index in the set.
pub(crate) const REPLAY_ORDER: &str = "s.clock, r.uuid, c.id";

/// Reads a row of [`RECORD_COLUMNS`].
pub(crate) fn stored(r: &DbRow<'_, '_>) -> Result<(StoredRecordRaw, Row)> {
    Ok((
        StoredRecordRaw {
            id: r.get(0)?,
            clock: r.get(2)?,
            replica: r.get(3)?,
            index: r.get(4)?,
            at: r.get(5)?,
            author: r.get(6)?,
            ticket: r.get(7)?,
        },
        Row {
            op: r.get(8)?,
            key: r.get(9)?,
            value: r.get(10)?,
            num: r.get(11)?,
            sha: r.get(12)?,
        },
    ))
}

/// The set part of a stored record before its ids are validated.
pub(crate) struct StoredRecordRaw {
    pub id: i64,
    pub clock: i64,
    pub replica: String,
    pub index: u32,
    pub at: String,
    pub author: String,
    pub ticket: i64,
}

impl StoredRecordRaw {
    /// Validates the set's identity.
    pub(crate) fn finish(self, row: Row) -> Result<StoredRecord> {
        let replica: ReplicaId = self.replica.parse()?;
        Ok(StoredRecord {
            id: self.id,
            set: SetId {
                clock: self.clock.max(0) as u64,
                replica,
            },
            index: self.index,
            at: self.at,
            author: self.author,
            ticket: self.ticket,
            row,
        })
    }
}

/// Runs `f` on every record of one ticket (found through its runs), in replay order.
pub(crate) fn for_each_record_of_ticket(
    conn: &Db,
    ticket: i64,
    mut f: impl FnMut(StoredRecord) -> Result<()>,
) -> Result<()> {
    let sql = format!(
        "SELECT {RECORD_COLUMNS} FROM ticket_runs u JOIN changes c ON c.id BETWEEN u.first AND u.last \
         JOIN change_sets s ON s.id = (c.id >> 16) JOIN replicas r ON r.id = s.replica \
         WHERE u.ticket = ?1 AND c.ticket = ?1 ORDER BY {REPLAY_ORDER}"
    );
    conn.each(&sql, args![ticket], |r| {
        let (raw, row) = stored(r)?;
        f(raw.finish(row)?)
    })
}

/// Runs `f` on every record of the log in replay order, set by set: the sets are sorted
/// (few rows), then each set's records are read as one row-id range. (One statement joining
/// and sorting everything made SQLite sort each set's records in a temporary b-tree.)
pub(crate) fn for_each_record_replayed(
    conn: &Db,
    f: impl FnMut(StoredRecord) -> Result<()>,
) -> Result<()> {
    for_each_record_of_sets(conn, None, f)
}

/// Like [`for_each_record_replayed`], for the sets `only` names (local row ids) or all.
pub(crate) fn for_each_record_of_sets(
    conn: &Db,
    only: Option<&[i64]>,
    mut f: impl FnMut(StoredRecord) -> Result<()>,
) -> Result<()> {
    let select = |r: &DbRow<'_, '_>| -> Result<(i64, i64, String, String, String)> {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    };
    let sets: Vec<(i64, i64, String, String, String)> = match only {
        None => conn.rows(
            "SELECT s.id, s.clock, r.uuid, s.at, s.author FROM change_sets s JOIN replicas r ON r.id = s.replica ORDER BY s.clock, r.uuid",
            args![],
            select,
        )?,
        Some(rows) => conn.rows(
            "SELECT s.id, s.clock, r.uuid, s.at, s.author FROM change_sets s JOIN replicas r ON r.id = s.replica WHERE s.id IN rarray(?1) ORDER BY s.clock, r.uuid",
            args![rows],
            select,
        )?,
    };
    for (row, clock, replica, at, author) in sets {
        let set = SetId {
            clock: clock.max(0) as u64,
            replica: replica.parse()?,
        };
        conn.each(
            "SELECT c.id, c.ticket, c.op, c.key, c.value, c.num, c.sha FROM changes c WHERE c.id BETWEEN ?1 AND ?2 ORDER BY c.id",
            args![row * 65536, row * 65536 + 65535],
            |r| {
            let id: i64 = r.get(0)?;
            f(StoredRecord {
                id,
                set: set.clone(),
                index: (id & 0xFFFF) as u32,
                at: at.clone(),
                author: author.clone(),
                ticket: r.get(1)?,
                row: Row {
                    op: r.get(2)?,
                    key: r.get(3)?,
                    value: r.get(4)?,
                    num: r.get(5)?,
                    sha: r.get(6)?,
                },
            })
        })?;
    }
    Ok(())
}

/// The local row and clock of the latest change set written by `replica`.
pub(crate) fn latest_set_of(conn: &Db, replica: &ReplicaId) -> Result<Option<(i64, i64)>> {
    conn.opt(
        "SELECT s.id, s.clock FROM change_sets s JOIN replicas r ON r.id = s.replica WHERE r.uuid = ?1 ORDER BY s.clock DESC LIMIT 1",
        args![replica.as_str()],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
}

/// The ids of every undone change set (the undo records' values; the partial index
/// `changes_undo` holds exactly these, schema 4).
pub(crate) fn undone_sets(conn: &Db) -> Result<Vec<String>> {
    conn.rows("SELECT value FROM changes WHERE op = 16", args![], |r| {
        r.get(0)
    })
}

/// A change set as listed: local row, clock, replica id, at, author.
pub(crate) type SetRow = (i64, i64, String, String, String);

/// The latest change sets, newest first: those since
/// `since`, by `author`, touching one of `tickets` (row ids), each when given; at most `limit`.
pub(crate) fn latest_sets(
    conn: &Db,
    since: Option<&str>,
    author: Option<&str>,
    tickets: Option<&[i64]>,
    limit: usize,
) -> Result<Vec<SetRow>> {
    let filter = tickets.map(|_| 1i64);
    let list = tickets.unwrap_or_default();
    conn.rows(
        "SELECT s.id, s.clock, r.uuid, s.at, s.author FROM change_sets s JOIN replicas r ON r.id = s.replica \
         WHERE (CAST(?1 AS TEXT) IS NULL OR s.at >= CAST(?1 AS TEXT)) AND (CAST(?2 AS TEXT) IS NULL OR s.author = CAST(?2 AS TEXT)) \
         AND (CAST(?3 AS INTEGER) IS NULL OR EXISTS (SELECT 1 FROM ticket_runs u WHERE u.ticket IN rarray(?4) AND u.first BETWEEN s.id * 65536 AND s.id * 65536 + 65535)) \
         ORDER BY s.clock DESC, r.uuid DESC LIMIT ?5",
        args![since, author, filter, list, limit as i64],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
    )
}
