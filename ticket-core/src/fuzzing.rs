//! The bodies of the fuzz targets that need the core's insides (`fuzz/`: `full_import`,
//! `change_records`), here so that the same checks run under libFuzzer and as plain bounded
//! tests. Not part of the API: a violated property panics.
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};
use crate::log::wire::{Resolve, WireRecord};
use crate::log::{ChangeId, Operation, Row};
use crate::{Clock, Context, ExportFormat, Silo};

/// A directory removed when dropped.
struct ScratchDir(PathBuf);

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn scratch() -> ScratchDir {
    static N: AtomicU64 = AtomicU64::new(0);
    // memory-backed where there is one: a silo per input
    let base = if std::path::Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    ScratchDir(base.join(format!(
        "ticket-fuzz-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )))
}

/// `full_import`: arbitrary bytes imported as a full JSON export into an empty silo. Never a
/// panic; whether the import is taken or refused, the silo then lists, counts, shows every
/// ticket and its history, and exports (full JSON, CSV) without an error; a refused import
/// changes nothing. Returns whether the import was taken.
pub fn full_import(data: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(data) else {
        return false;
    };
    let dir = scratch();
    let now = chrono::DateTime::parse_from_rfc3339("2024-03-13T09:00:00Z").expect("valid time");
    let silo = Silo::create(&dir.0.join("s"), Context::new(Clock::fixed(now), "fuzz"))
        .expect("a new silo");
    let empty = silo
        .export_string(ExportFormat::Full, "", "")
        .expect("an empty silo exports");
    let imported = silo.import_json(text);
    let must = |what: &str, r: Result<()>| {
        if let Err(e) = r {
            panic!("after an import that gave {imported:?}, {what} failed: {e}\ninput: {text}");
        }
    };
    for number in silo.numbers("", "").expect("list") {
        must("dt", silo.get(number.as_str()).map(|_| ()));
        must("history", silo.history(number.as_str()).map(|_| ()));
    }
    must("lt", silo.search("", "").map(|_| ()));
    must("ct", silo.count("s:*").map(|_| ()));
    must(
        "export csv",
        silo.export_string(ExportFormat::Csv, "", "").map(|_| ()),
    );
    let full = silo.export_string(ExportFormat::Full, "", "");
    must("export full", full.as_ref().map(|_| ()).map_err(clone_err));
    if imported.is_err() {
        assert_eq!(
            full.ok().as_deref(),
            Some(empty.as_str()),
            "a refused import changed the silo"
        );
    }
    imported.is_ok()
}

fn clone_err(e: &Error) -> Error {
    Error::invalid("export", "", e.to_string())
}

/// Local ids for uuids and change ids, made up as they are asked for.
#[derive(Default)]
struct Ids {
    tickets: HashMap<String, i64>,
    changes: HashMap<String, i64>,
}

impl Ids {
    fn id(map: &mut HashMap<String, i64>, key: String) -> i64 {
        let next = map.len() as i64 + 1;
        *map.entry(key).or_insert(next)
    }
    fn key(map: &HashMap<String, i64>, id: i64) -> Option<String> {
        map.iter().find(|(_, v)| **v == id).map(|(k, _)| k.clone())
    }
}

impl Resolve for Ids {
    fn ticket(&mut self, uuid: &str) -> Result<i64> {
        Ok(Ids::id(&mut self.tickets, uuid.to_string()))
    }
    fn change(&mut self, id: &ChangeId) -> Result<i64> {
        Ok(Ids::id(&mut self.changes, id.to_string()))
    }
    fn ticket_uuid(&mut self, id: i64) -> Result<String> {
        Ids::key(&self.tickets, id).ok_or_else(|| Error::invalid("ticket", "", "unknown id"))
    }
    fn change_id(&mut self, id: i64) -> Result<ChangeId> {
        Ids::key(&self.changes, id)
            .ok_or_else(|| Error::invalid("change", "", "unknown id"))?
            .parse()
    }
}

/// Splits fuzz bytes into the fields of a stored record: the first byte picks the operation
/// code (a few bytes past the known ones), then up to three texts separated by `0xFF`, the
/// last 8 bytes (if any remain) the number.
fn row_from(data: &[u8]) -> Row {
    let Some((&op, rest)) = data.split_first() else {
        return Row::default();
    };
    let (rest, num) = if rest.len() >= 9 && rest[rest.len() - 9] == 0xFE {
        let (a, b) = rest.split_at(rest.len() - 9);
        (
            a,
            Some(i64::from_le_bytes(b[1..].try_into().expect("8 bytes"))),
        )
    } else {
        (rest, None)
    };
    let mut texts = rest.split(|b| *b == 0xFF).map(|t| {
        if t == b"-" {
            None
        } else {
            Some(String::from_utf8_lossy(t).into_owned())
        }
    });
    Row {
        op: i64::from(op % 20) - 1,
        key: texts.next().flatten(),
        value: texts.next().flatten(),
        num,
        sha: texts.next().flatten(),
    }
}

/// `change_records`: the log's two codecs on arbitrary input. The storage codec: bytes split
/// into a stored row never panic when decoded; a row that decodes encodes back to a row that
/// decodes to the same operation. The exchange codec: bytes read as a JSON `WireRecord` never
/// panic when decoded; one that decodes encodes back to a record that decodes to the same
/// operation, and the operation also goes through the storage codec unchanged. Returns
/// whether the bytes decoded as a wire record.
pub fn change_records(data: &[u8]) -> bool {
    if let Ok(op) = Operation::decode(row_from(data)) {
        let again = Operation::decode(op.encode())
            .unwrap_or_else(|e| panic!("{op:?} encodes to a row that does not decode: {e}"));
        assert_eq!(again, op, "storage codec round trip");
    }
    let Ok(wire) = serde_json::from_slice::<WireRecord>(data) else {
        return false;
    };
    let Ok((id, at)) = wire.header() else {
        return false;
    };
    let mut ids = Ids::default();
    let Ok(op) = wire.decode(&mut ids) else {
        return false;
    };
    let at = crate::silo::format_at(at);
    let back = WireRecord::encode(&id, &at, &wire.author, &op, &mut ids)
        .unwrap_or_else(|e| panic!("{op:?} does not encode: {e}"));
    let json = serde_json::to_string(&back).expect("a record serialises");
    let read: WireRecord = serde_json::from_str(&json).expect("its JSON reads back");
    assert_eq!(read, back, "JSON round trip");
    let again = read
        .decode(&mut ids)
        .unwrap_or_else(|e| panic!("{json} does not decode: {e}"));
    assert_eq!(again, op, "exchange codec round trip");
    let (id2, at2) = read.header().expect("the header reads back");
    assert_eq!((id2, crate::silo::format_at(at2)), (id, at));
    let stored = Operation::decode(op.encode())
        .unwrap_or_else(|e| panic!("{op:?} does not go through the storage codec: {e}"));
    assert_eq!(stored, op, "storage codec round trip");
    true
}

/// Every derived table of `silo` as text, by ticket uuid, for tests comparing states (a
/// rebuild, a sync) on either backend, in the same form on both (so a team silo and its
/// directory copy compare). The full-text index is left out: its forms differ (FTS5 terms,
/// `tsvector`); the search tests cover it on each backend.
pub fn derived_state(silo: &crate::Silo) -> crate::Result<String> {
    let conn = silo.reader()?;
    let mut out = String::new();
    // a team silo's ticket rows hold their uuid (team schema 7): shown instead of the log's,
    // so a row without it, or with another ticket's, differs from a directory copy's
    let tickets = format!(
        "SELECT {}, t.number, t.title, t.summary, CAST(t.status AS TEXT), t.opened, t.last_update, coalesce(t.earliest, '') FROM tickets t JOIN ticket_ids i ON i.id = t.id ORDER BY i.uuid",
        if conn.is_postgres() { "t.uuid" } else { "i.uuid" }
    );
    let queries = [
        tickets.as_str(),
        "SELECT i.uuid, g.tag, g.tag_lc FROM tags g JOIN ticket_ids i ON i.id = g.ticket_id ORDER BY i.uuid, g.tag_lc",
        "SELECT i.uuid, CAST(p.id AS TEXT), p.key, p.key_lc, p.value, p.value_lc, CASE WHEN p.value_num IS NULL THEN '' ELSE CAST(CAST(p.value_num * 1000000 AS BIGINT) AS TEXT) END, coalesce(p.value_date, '') FROM properties p JOIN ticket_ids i ON i.id = p.ticket_id ORDER BY i.uuid, p.key_lc, p.value_lc, p.id",
        "SELECT i.uuid, CAST(e.n AS TEXT), e.text, e.author, e.at, CAST(e.minutes AS TEXT), CAST(e.removed AS TEXT) FROM entries e JOIN ticket_ids i ON i.id = e.ticket_id ORDER BY i.uuid, e.n",
        "SELECT i.uuid, CAST(a.n AS TEXT), a.name, CAST(a.size AS TEXT), a.sha256, a.comment, CAST(a.removed AS TEXT) FROM attachments a JOIN ticket_ids i ON i.id = a.ticket_id ORDER BY i.uuid, a.n",
        // the list rows: written for the stale tickets of each change set, for all at once
        // by a rebuild, so a ticket whose change no trigger noted differs here
        "SELECT i.uuid, t.list_row FROM tickets t JOIN ticket_ids i ON i.id = t.id ORDER BY i.uuid",
        // the repairs, by the global id of the record that made each
        "SELECT i.uuid, CAST(s.clock AS TEXT), rp.uuid, CAST(r.change & 65535 AS TEXT), r.text FROM repairs r JOIN ticket_ids i ON i.id = r.ticket_id JOIN change_sets s ON s.id = (r.change >> 16) JOIN replicas rp ON rp.id = s.replica ORDER BY s.clock, rp.uuid, r.change",
    ];
    for sql in queries {
        conn.each(sql, crate::storage::db::args![], |r| {
            let mut cells = Vec::new();
            let mut i = 0;
            while let Ok(cell) = r.get::<Option<String>>(i) {
                cells.push(format!("{cell:?}"));
                i += 1;
                if i > 7 {
                    break;
                }
            }
            out.push_str(&cells.join("|"));
            out.push('\n');
            Ok(())
        })?;
        out.push_str("--\n");
    }
    Ok(out)
}

/// The number of change records in the log of `silo` (a failed write must not change it).
pub fn change_count(silo: &crate::Silo) -> crate::Result<i64> {
    let conn = silo.reader()?;
    conn.value("SELECT count(*) FROM changes", crate::storage::db::args![])
}

/// The stored list row of ticket `number` (schema 6), for tests that compare its text on
/// both backends.
pub fn list_row(silo: &crate::Silo, number: &str) -> crate::Result<Option<String>> {
    let conn = silo.reader()?;
    conn.value(
        "SELECT list_row FROM tickets WHERE number = ?1",
        crate::storage::db::args![number],
    )
}
