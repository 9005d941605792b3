//! The repairs of `Merged`/`Duplicate` links that two copies made apart (sync.md 2,
//! ARCHITECTURE.md "Issue 13: merge chains and repairs in the history").
//!
//! A merge of A into B is a change set of three records: A's status `Merged` (or
//! `Duplicate`), `A Closed_Via B` and the back-link `B Merged A`. The write path keeps the
//! links a forest of depth one: the target must not be merged itself, and leaving the status
//! removes the links first. A peer's records can break that; the projection mends it here,
//! the same way on every copy because the replay order is the same:
//! - a merge whose target's chain of `Closed_Via` leads back to the merged ticket (two copies
//!   merged A into B and B into A) is dropped with its back-link; the ticket gets back the
//!   last status it had before a merge;
//! - a merge into a ticket that is itself merged follows the chain to its end, the survivor;
//!   tickets merged into a ticket that becomes merged follow it to the survivor too;
//! - a second `Closed_Via` replaces the first (the later in replay order wins, as for a
//!   single-valued field), with the old target's back-link;
//! - a status other than `Merged`/`Duplicate` on a ticket that still has its links (another
//!   copy changed the status while this one merged) removes them, as leaving the status does;
//! - removing a back-link removes the one to that ticket whatever its kind (a copy that saw
//!   `Duplicate` removes it, while another turned it into `Merged`);
//! - a `Closed_Via` that meets a ticket of another status, its set having no status record
//!   to make it merged (an earlier build wrote none when re-merging a merged ticket, and
//!   another copy's status change replayed in between), is dropped with its back-link.
use crate::error::Result;
use crate::log::{number_of, Operation};
use crate::model::Status;
use crate::storage::db::{args, Db};

/// Whether `key_lc` is one of the keys a merge writes.
pub(crate) fn is_merge_key(key_lc: &str) -> bool {
    matches!(key_lc, "closed_via" | "merged" | "duplicate")
}

/// The targets of a ticket's `Closed_Via`, in the order they were applied.
fn closed_via(conn: &Db, id: i64) -> Result<Vec<i64>> {
    conn.rows(
        "SELECT target FROM properties WHERE ticket_id = ?1 AND key_lc = 'closed_via' AND target IS NOT NULL ORDER BY id",
        args![id],
        |r| r.get(0),
    )
}

/// The back-links (`Merged`/`Duplicate` keys as stored) on `on` that point at `merged`.
fn back_links(conn: &Db, on: i64, merged: i64) -> Result<Vec<String>> {
    conn.rows(
        "SELECT key FROM properties WHERE ticket_id = ?1 AND key_lc IN ('merged', 'duplicate') AND target = ?2 ORDER BY id",
        args![on, merged],
        |r| r.get(0),
    )
}

/// Removes the back-links on `on` to `merged`, whatever their kind (`Merged` or
/// `Duplicate`: there is one per merged ticket, and another copy's later merge may have
/// changed its kind, so a record removing it removes it by this too).
pub(super) fn delete_back_links(conn: &Db, on: i64, merged: i64) -> Result<()> {
    conn.exec(
        "DELETE FROM properties WHERE ticket_id = ?1 AND key_lc IN ('merged', 'duplicate') AND target = ?2",
        args![on, merged],
    )?;
    Ok(())
}

/// Removes `id Closed_Via target` and the target's back-link to `id`.
fn unlink(conn: &Db, id: i64, target: i64) -> Result<()> {
    super::delete_relation(conn, id, "closed_via", target)?;
    delete_back_links(conn, target, id)
}

/// Adds `id key target` unless the ticket has that relation already.
fn link(conn: &Db, id: i64, key: &str, target: i64) -> Result<()> {
    if !crate::storage::state::has_relation(conn, id, &key.to_lowercase(), target)? {
        let number = number_of(conn, target)?;
        super::insert_property(conn, id, key, &number, Some(target), None)?;
    }
    Ok(())
}

/// Moves the back-links on `from` that point at `merged` over to `to`.
fn move_back_links(conn: &Db, from: i64, to: i64, merged: i64) -> Result<()> {
    let keys = back_links(conn, from, merged)?;
    delete_back_links(conn, from, merged)?;
    for key in keys {
        link(conn, to, &key, merged)?;
    }
    Ok(())
}

/// The ticket's status now.
fn status(conn: &Db, id: i64) -> Result<Status> {
    Ok(crate::storage::state::status_of(conn, id)?
        .and_then(Status::from_ordinal)
        .unwrap_or(Status::Open))
}

fn is_merged(s: Status) -> bool {
    matches!(s, Status::Merged | Status::Duplicate)
}

/// Where following `Closed_Via` from `start` ends: at `merged` itself (a cycle), or at the
/// first ticket that is not merged (the survivor).
enum ChainEnd {
    Cycle,
    Survivor(i64),
}

fn follow(conn: &Db, start: i64, merged: i64) -> Result<ChainEnd> {
    let mut seen = std::collections::BTreeSet::new();
    let mut at = start;
    loop {
        if at == merged {
            return Ok(ChainEnd::Cycle);
        }
        if !seen.insert(at) {
            // a cycle not through `merged` (the repairs leave none): stop where it closes
            return Ok(ChainEnd::Survivor(at));
        }
        match closed_via(conn, at)?.first() {
            Some(&next) => at = next,
            None => return Ok(ChainEnd::Survivor(at)),
        }
    }
}

/// `id key target` for `key` `Closed_Via`, met with the state: applied, followed to the
/// survivor, or dropped. Returns the repair in words.
pub(super) fn meet_closed_via(
    conn: &Db,
    id: i64,
    key: &str,
    target: i64,
    change: i64,
) -> Result<Option<String>> {
    let a = number_of(conn, id)?;
    let b = number_of(conn, target)?;
    let now = status(conn, id)?;
    if !is_merged(now) && !set_merges(conn, id, change)? {
        // another copy changed the status, replayed before this merge, and the merge's set
        // has no status record of its own (an earlier build left it out of a merge of a
        // ticket that was merged already): the status stands, the link goes (its back-link
        // finds no `Closed_Via` and is dropped too)
        return Ok(Some(format!(
            "{a} Closed_Via {b}: dropped, {a} is {} (its status was changed on another copy)",
            now.name()
        )));
    }
    let survivor = match follow(conn, target, id)? {
        ChainEnd::Cycle => return drop_cycle(conn, id, target, change).map(Some),
        ChainEnd::Survivor(s) => s,
    };
    let mut notes = Vec::new();
    let replaced: Vec<i64> = closed_via(conn, id)?
        .into_iter()
        .filter(|&t| t != survivor)
        .collect();
    for &old in &replaced {
        unlink(conn, id, old)?;
    }
    if !replaced.is_empty() {
        let olds = replaced
            .iter()
            .map(|&t| number_of(conn, t))
            .collect::<Result<Vec<_>>>()?;
        notes.push(format!(
            "replaces Closed_Via {} set by another copy (one target)",
            olds.join(", ")
        ));
    }
    let s = number_of(conn, survivor)?;
    if survivor != target {
        // the back-link may have come first
        move_back_links(conn, target, survivor, id)?;
        notes.push(format!(
            "{b} is itself merged into {s}, so {a} points at {s}"
        ));
    }
    link(conn, id, key, survivor)?;
    // tickets merged into this one (found by their back-links here, in the order they were
    // applied) follow it to the survivor
    let incoming: Vec<i64> = conn.rows(
        "SELECT target FROM properties WHERE ticket_id = ?1 AND key_lc IN ('merged', 'duplicate') AND target IS NOT NULL ORDER BY id",
        args![id],
        |r| r.get(0),
    )?;
    for y in incoming {
        if !closed_via(conn, y)?.contains(&id) {
            continue;
        }
        super::delete_relation(conn, y, "closed_via", id)?;
        link(conn, y, "Closed_Via", survivor)?;
        move_back_links(conn, id, survivor, y)?;
        notes.push(format!(
            "{}, merged into {a}, now points at {s} too",
            number_of(conn, y)?
        ));
    }
    if notes.is_empty() {
        return Ok(None);
    }
    Ok(Some(format!("{a} Closed_Via {b}: {}", notes.join("; "))))
}

/// Drops the merge of `id` into `target` that would close a cycle of merges (another copy
/// merged `target`, or a ticket it leads to, into `id`): its back-link goes too, and the
/// ticket, when no other link is left to it, gets back its status before a merge.
fn drop_cycle(conn: &Db, id: i64, target: i64, change: i64) -> Result<String> {
    delete_back_links(conn, target, id)?;
    let a = number_of(conn, id)?;
    let b = number_of(conn, target)?;
    let how = if closed_via(conn, target)?.contains(&id) {
        format!("{b} is merged into {a} by another copy")
    } else {
        format!("{b}'s merges lead back to {a}")
    };
    let mut text = format!("{a} Closed_Via {b}: dropped, {how} (a cycle of merges)");
    if closed_via(conn, id)?.is_empty() && is_merged(status(conn, id)?) {
        let back = status_before_merge(conn, id, change)?;
        conn.exec(
            "UPDATE tickets SET status = ?2 WHERE id = ?1",
            args![id, back.ordinal()],
        )?;
        text.push_str(&format!("; {a} is {} again", back.name()));
    }
    Ok(text)
}

/// The last status other than `Merged`/`Duplicate` the ticket's records set in the change
/// sets before the one of record `change`, in replay order (`Open`, a new ticket's, when none
/// did). The sets before are indexed by then, on the import path as in a rebuild; the record's
/// own set may not be yet, so it is left out on both.
fn status_before_merge(conn: &Db, id: i64, change: i64) -> Result<Status> {
    let mut last = Status::Open;
    let mut done = false;
    crate::storage::log::for_each_record_of_ticket(conn, id, |s| {
        if done || s.id >> 16 == change >> 16 {
            done = true;
            return Ok(());
        }
        if let Ok(Operation::Status(st)) = Operation::decode(s.row) {
            if !is_merged(st) {
                last = st;
            }
        }
        Ok(())
    })?;
    Ok(last)
}

/// Whether the change set of record `change` sets ticket `id`'s status to `Merged` or
/// `Duplicate`. The write path puts the status record first in a merge's set, so it is applied
/// by the time the `Closed_Via` is; a log of version 2 kept a set's records in uuid order,
/// where it may come after.
fn set_merges(conn: &Db, id: i64, change: i64) -> Result<bool> {
    let mut merges = false;
    crate::storage::log::for_each_record_of_ticket(conn, id, |s| {
        if s.id >> 16 == change >> 16 {
            if let Ok(Operation::Status(st)) = Operation::decode(s.row) {
                merges |= is_merged(st);
            }
        }
        Ok(())
    })?;
    Ok(merges)
}

/// `id key merged` for `key` `Merged`/`Duplicate` (the back-link of `merged Closed_Via
/// id`): placed where `merged`'s `Closed_Via` points now (a repair may have moved it to the
/// survivor), or nowhere when the merge was dropped.
pub(super) fn meet_back_link(conn: &Db, id: i64, key: &str, merged: i64) -> Result<()> {
    let targets = closed_via(conn, merged)?;
    let on = match targets.first() {
        _ if targets.contains(&id) => id,
        Some(&survivor) => survivor,
        // the back-link before its `Closed_Via` (a log of version 2 kept a set's records
        // in uuid order): kept while the ticket is merged
        None if is_merged(status(conn, merged)?) => id,
        None => return Ok(()),
    };
    // one back-link per merged ticket: a `Duplicate` replaces a `Merged` (the later merge
    // of the same ticket, from another copy, changed its kind)
    if !crate::storage::state::has_relation(conn, on, &key.to_lowercase(), merged)? {
        delete_back_links(conn, on, merged)?;
        link(conn, on, key, merged)?;
    }
    Ok(())
}

/// After a status record: a status other than `Merged`/`Duplicate` on a ticket that still has
/// its `Closed_Via` (another copy changed the status while this one merged it) removes the
/// links, as leaving the status does on the write path.
pub(super) fn meet_status(conn: &Db, id: i64, new: Status) -> Result<Option<String>> {
    if is_merged(new) {
        return Ok(None);
    }
    let targets = closed_via(conn, id)?;
    if targets.is_empty() {
        return Ok(None);
    }
    let mut numbers = Vec::new();
    for t in targets {
        unlink(conn, id, t)?;
        numbers.push(number_of(conn, t)?);
    }
    Ok(Some(format!(
        "{} status {}: its Closed_Via {} removed (merged on another copy), as leaving Merged does",
        number_of(conn, id)?,
        new.name(),
        numbers.join(", ")
    )))
}
