//! Schema version 3: the version-2 log (text keys on every record, replayed by wall-clock
//! time) converted into change sets with hybrid-logical clocks, in a causal order.
//!
//! The old records are read in their old order, `(at, uuid)`; a change set that refers to a
//! ticket whose `create` has not come yet waits until it has (tkts and Fossil imports stamped
//! comments with their ticket's creation time, and random set ids then put some first). The
//! clocks are the old times, raised where needed so that they strictly increase. Relation
//! values (ticket numbers) become references to the ticket, entry and attachment numbers
//! references to the records that added them. Sets that refer to a ticket never created
//! could not be replayed before either; they are kept, raw, in `v2_orphan_changes`.
use std::collections::{HashMap, HashSet};

use super::{next_clock, Operation, ReplicaId};
use crate::config::refers_to_ticket as is_relation;
use crate::error::Result;
use crate::model::{clean_string, Status};
use crate::storage::db::Db;
use crate::storage::log as store;

struct OldRecord {
    uuid: String,
    ticket: String,
    op: String,
    key: Option<String>,
    old: Option<String>,
    new: Option<String>,
    item: Option<u32>,
    minutes: Option<u32>,
    size: Option<i64>,
    sha: Option<String>,
}

struct OldSet {
    id: String,
    at: String,
    author: String,
    records: Vec<OldRecord>,
}

/// Text without control characters (line breaks and tabs kept where `multi_line`).
fn scrub(s: &str, multi_line: bool) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() && !(multi_line && matches!(c, '\n' | '\r' | '\t')) {
                ' '
            } else {
                c
            }
        })
        .collect()
}

/// Converts the log; runs inside the migration's transaction, after `schema_v3.sql`.
pub(crate) fn convert(db: &Db) -> Result<()> {
    let conn = db.sqlite()?;
    let replica = ReplicaId::random();
    store::set_own_replica(db, &replica)?;
    let own = store::replica_row(db, &replica)?;
    // the old log, grouped into its change sets in the old replay order
    let mut sets: Vec<OldSet> = Vec::new();
    let mut set_index: HashMap<String, usize> = HashMap::new();
    {
        let mut stmt = conn.prepare(
            "SELECT uuid, set_id, ticket_uuid, at, author, op, key, old_value, new_value, item, minutes, size, sha256 FROM changes_v2 ORDER BY at, uuid",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let set_id: String = r.get(1)?;
            let at: String = r.get(3)?;
            let i = *set_index.entry(set_id.clone()).or_insert_with(|| {
                sets.push(OldSet {
                    id: set_id.clone(),
                    at: at.clone(),
                    author: String::new(),
                    records: Vec::new(),
                });
                sets.len() - 1
            });
            sets[i].author = r.get(4)?;
            sets[i].records.push(OldRecord {
                uuid: r.get(0)?,
                ticket: r.get(2)?,
                op: r.get(5)?,
                key: r.get(6)?,
                old: r.get(7)?,
                new: r.get(8)?,
                item: r.get(9)?,
                minutes: r.get(10)?,
                size: r.get(11)?,
                sha: r.get(12)?,
            });
        }
    }
    for s in &mut sets {
        s.records.sort_by(|a, b| a.uuid.cmp(&b.uuid));
    }
    // ticket numbers never changed in version 2: the derived table maps them to uuids
    let by_number: HashMap<String, String> = conn
        .prepare("SELECT number, uuid FROM tickets")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let needs = |s: &OldSet| -> Vec<String> {
        let mut made: HashSet<&str> = HashSet::new();
        let mut needed = Vec::new();
        for r in &s.records {
            if r.op == "create" {
                made.insert(&r.ticket);
                continue;
            }
            if !made.contains(r.ticket.as_str()) {
                needed.push(r.ticket.clone());
            }
            if let (true, Some(v)) = (
                r.key.as_deref().is_some_and(is_relation),
                r.new.as_deref().or(r.old.as_deref()),
            ) {
                if let Some(u) = by_number.get(&v.to_ascii_uppercase()) {
                    if !made.contains(u.as_str()) {
                        needed.push(u.clone());
                    }
                }
            }
        }
        needed
    };
    // causal order: a set waits for the creation of every ticket it refers to
    let mut created: HashSet<String> = HashSet::new();
    let mut waiting: HashMap<String, Vec<usize>> = HashMap::new();
    let mut order: Vec<usize> = Vec::with_capacity(sets.len());
    let mut ready: Vec<usize> = Vec::new();
    for start in 0..sets.len() {
        ready.push(start);
        while let Some(i) = ready.pop() {
            match needs(&sets[i]).into_iter().find(|t| !created.contains(t)) {
                Some(t) => waiting.entry(t).or_default().push(i),
                None => {
                    order.push(i);
                    for r in sets[i].records.iter().filter(|r| r.op == "create") {
                        created.insert(r.ticket.clone());
                        if let Some(w) = waiting.remove(&r.ticket) {
                            ready.extend(w.into_iter().rev());
                        }
                    }
                }
            }
        }
    }
    let orphans: Vec<&str> = waiting
        .values()
        .flatten()
        .map(|&i| sets[i].id.as_str())
        .collect();
    if !orphans.is_empty() {
        conn.execute_batch("CREATE TABLE v2_orphan_changes AS SELECT * FROM changes_v2 WHERE 0")?;
        let mut keep = conn
            .prepare("INSERT INTO v2_orphan_changes SELECT * FROM changes_v2 WHERE set_id = ?1")?;
        for id in orphans {
            keep.execute([id])?;
        }
    }
    // write the new log
    let mut clock = 0u64;
    let mut items: HashMap<(String, &'static str, u32), i64> = HashMap::new();
    for i in order {
        let s = &sets[i];
        clock = next_clock(super::micros(crate::silo::parse_at(&s.at)), clock);
        let author = match scrub(&s.author, false).trim() {
            "" => "unknown".to_string(),
            a => a.to_string(),
        };
        let set = store::insert_set(db, store::SetClock::Is(clock), own, &s.at, &author)?;
        let mut index = 0u32;
        for r in &s.records {
            let ticket = store::ticket_row(db, &r.ticket)?;
            let Some(op) = convert_record(db, r, &by_number, &items)? else {
                continue;
            };
            let local = store::insert_record(db, set, index, ticket, &op.encode())?;
            index += 1;
            match (&op, r.item) {
                (Operation::EntryAdd { .. }, Some(n)) => {
                    items.insert((r.ticket.clone(), "entry", n), local);
                }
                (Operation::AttachAdd { .. }, Some(n)) => {
                    items.insert((r.ticket.clone(), "attachment", n), local);
                }
                _ => {}
            }
        }
    }
    // record counts and ticket runs are indexed by the next step (schema 4), for every set
    Ok(())
}

/// One old record as an operation; `None` for a record that cannot mean anything (an empty
/// tag, a removal of an entry that never existed).
fn convert_record(
    conn: &Db,
    r: &OldRecord,
    by_number: &HashMap<String, String>,
    items: &HashMap<(String, &'static str, u32), i64>,
) -> Result<Option<Operation>> {
    let new = r.new.as_deref().unwrap_or_default();
    let old = r.old.as_deref().unwrap_or_default();
    let key = r.key.as_deref().unwrap_or_default();
    let clean = |what: &'static str, s: &str| clean_string(what, &scrub(s, false)).ok();
    let item = |kind: &'static str| {
        r.item
            .and_then(|n| items.get(&(r.ticket.clone(), kind, n)).copied())
    };
    Ok(match r.op.as_str() {
        "create" => new.parse().ok().map(|number| Operation::Create { number }),
        "set" => match key {
            "title" => {
                let t = scrub(new, false).trim().to_string();
                (!t.is_empty()).then_some(Operation::Title(t))
            }
            "summary" => Some(Operation::Summary(scrub(new, true))),
            "status" => new.parse::<Status>().ok().map(Operation::Status),
            _ => None,
        },
        "tag_add" => clean("tag", new).map(|t| Operation::TagAdd(t.parse().expect("clean"))),
        "tag_remove" => clean("tag", old).map(|t| Operation::TagRemove(t.parse().expect("clean"))),
        "prop_add" | "prop_remove" => {
            let value = if r.op == "prop_add" { new } else { old };
            let (Some(k), Some(v)) = (clean("property key", key), clean("property value", value))
            else {
                return Ok(None);
            };
            let key = k.parse().expect("clean");
            let target = if is_relation(&k) {
                match by_number.get(&v.to_ascii_uppercase()) {
                    Some(u) => Some(store::ticket_row(conn, u)?),
                    None => None,
                }
            } else {
                None
            };
            Some(match (r.op.as_str(), target) {
                ("prop_add", Some(target)) => Operation::RelAdd { key, target },
                ("prop_remove", Some(target)) => Operation::RelRemove { key, target },
                ("prop_add", None) => Operation::PropAdd {
                    key,
                    value: v.parse().expect("clean"),
                },
                _ => Operation::PropRemove {
                    key,
                    value: v.parse().expect("clean"),
                },
            })
        }
        "entry_add" => {
            let text = scrub(new, true).trim().to_string();
            (!text.is_empty()).then_some(Operation::EntryAdd {
                text,
                minutes: r.minutes.unwrap_or(0),
            })
        }
        "entry_remove" => item("entry").map(|entry| Operation::EntryRemove { entry }),
        "attach_add" => {
            let name = scrub(key, false).trim().to_string();
            let sha = r.sha.clone().unwrap_or_default();
            (!name.is_empty() && super::check_sha256(&sha).is_ok()).then(|| Operation::AttachAdd {
                name,
                comment: scrub(new, true).trim().to_string(),
                size: r.size.unwrap_or(0).max(0) as u64,
                sha256: sha,
            })
        }
        "attach_remove" => {
            item("attachment").map(|attachment| Operation::AttachRemove { attachment })
        }
        _ => None,
    })
}

/// The whole migration step: new tables, the conversion, the new (empty) derived tables. The
/// rebuild that fills them is the next step's (schema 4 reshapes derived tables only, then
/// rebuilds), so a silo is replayed once, by the code of the newest schema.
pub(crate) fn to_v3(conn: &Db) -> Result<()> {
    conn.batch(include_str!("../storage/schema_v3.sql"))?;
    convert(conn)?;
    conn.batch(include_str!("../storage/schema_v3_post.sql"))?;
    Ok(())
}
