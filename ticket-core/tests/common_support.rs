//! Helpers shared by the integration tests (included with `mod common_support;`).
#![allow(dead_code)]
use std::path::Path;

use ticket_core::{Clock, Context, Silo};

pub const NOW: &str = "2024-03-13T09:00:00Z"; // a Wednesday

pub fn ctx_at(now: &str) -> Context {
    Context::new(
        Clock::fixed(chrono::DateTime::parse_from_rfc3339(now).unwrap()),
        "alice",
    )
}

/// The backend the suite runs against: `TICKET_TEST_BACKEND=postgres` (with
/// `TICKET_TEST_POSTGRES` naming a database) runs the same tests on PostgreSQL team silos,
/// each in a fresh schema; otherwise directory silos (SQLite).
pub fn on_postgres() -> bool {
    std::env::var("TICKET_TEST_BACKEND").as_deref() == Ok("postgres")
}

/// A fresh silo address: `dir/name` (SQLite), or a new schema of the test database.
pub fn silo_address(dir: &Path, name: &str) -> std::path::PathBuf {
    if on_postgres() {
        let base = std::env::var("TICKET_TEST_POSTGRES").expect(
            "TICKET_TEST_BACKEND=postgres needs TICKET_TEST_POSTGRES (scripts/postgres.sh env)",
        );
        return fresh_schema(&base);
    }
    dir.join(name)
}

/// The address of a new schema of the test database at `base`.
pub fn fresh_schema(base: &str) -> std::path::PathBuf {
    let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
    let sep = if base.contains('?') { '&' } else { '?' };
    std::path::PathBuf::from(format!("{base}{sep}schema={schema}"))
}

/// Tests of what only a directory silo has (its files, SQLite's own failures) return early
/// on PostgreSQL.
#[macro_export]
macro_rules! sqlite_only {
    () => {
        if $crate::common_support::on_postgres() {
            return;
        }
    };
}

/// The repairs (sync.md 2) in ticket `n`'s history, oldest first.
pub fn repairs_in_history(s: &Silo, n: &str) -> Vec<String> {
    s.history(n)
        .unwrap()
        .into_iter()
        .filter_map(|c| c.repair)
        .collect()
}

/// Tickets 1, 2 and 3; 1 merged into 2, then 2 into 3 (the write path allows the second:
/// 2 itself is not merged).
pub fn merge_into_a_merged_ticket(silo: &Silo) {
    for t in ["one", "two", "three"] {
        silo.new_ticket(t, None, "").unwrap();
    }
    silo.set_status("1", "merged", Some("2")).unwrap();
    silo.set_status("2", "merged", Some("3")).unwrap();
}

/// After [`merge_into_a_merged_ticket`]: no chain is left (1 and 2 both point at 3, which
/// holds both back-links), 2's history says so at its `Closed_Via`, and a rebuild gives the
/// same tables.
pub fn assert_chain_followed(silo: &Silo) {
    assert_eq!(silo.get("1").unwrap().get("Closed_Via"), vec!["3"]);
    assert_eq!(silo.get("3").unwrap().get("Merged"), vec!["1", "2"]);
    assert!(silo.get("2").unwrap().get("Merged").is_empty());
    assert_eq!(
        repairs_in_history(silo, "2"),
        vec!["2 Closed_Via 3: 1, merged into 2, now points at 3 too"]
    );
    let before = dump(silo);
    silo.rebuild().unwrap();
    assert_eq!(dump(silo), before);
}

pub fn new_silo(dir: &Path) -> Silo {
    Silo::create(&silo_address(dir, "silo"), ctx_at(NOW)).unwrap()
}

/// A new silo with the configuration `json`: a directory silo whose `silo.json` it is, or
/// (`TICKET_TEST_BACKEND=postgres`) a team silo whose configuration row it is.
pub fn silo_with_config(dir: &Path, json: &str) -> Silo {
    if on_postgres() {
        let address = silo_address(dir, "silo");
        let silo = Silo::create(&address, ctx_at(NOW)).unwrap();
        silo.set_config(json).unwrap();
        return silo;
    }
    let d = dir.join("silo");
    Silo::create(&d, ctx_at(NOW)).unwrap();
    std::fs::write(d.join("silo.json"), json).unwrap();
    Silo::open(&d, ctx_at(NOW)).unwrap()
}

/// Every derived table as text, by ticket uuid, for comparing states.
pub fn dump(silo: &Silo) -> String {
    if on_postgres() || silo.is_team() {
        return ticket_core::fuzzing::derived_state(silo).unwrap();
    }
    let conn = rusqlite::Connection::open(silo.dir().join("silo.db")).unwrap();
    // the full-text index keeps no texts: compare what it indexed, term by term
    conn.execute_batch(
        "CREATE VIRTUAL TABLE temp.fts_terms USING fts5vocab(main, ticket_fts, 'instance');
         CREATE TEMP VIEW tk AS SELECT t.*, i.uuid FROM main.tickets t JOIN main.ticket_ids i ON i.id = t.id;",
    )
    .unwrap();
    let mut out = String::new();
    for sql in [
        "SELECT uuid, number, title, summary, status, opened, last_update, coalesce(earliest, '') FROM temp.tk ORDER BY uuid",
        "SELECT t.uuid, g.tag, g.tag_lc FROM tags g JOIN temp.tk t ON t.id = g.ticket_id ORDER BY t.uuid, g.tag_lc",
        // the ids too: a ticket's values keep their order by them on every copy and after a rebuild
        "SELECT t.uuid, p.id, p.key, p.key_lc, p.value, p.value_lc, coalesce(p.value_num, ''), coalesce(p.value_date, '') FROM properties p JOIN temp.tk t ON t.id = p.ticket_id ORDER BY t.uuid, p.key_lc, p.value_lc, p.id",
        "SELECT t.uuid, e.n, e.text, e.author, e.at, e.minutes, e.removed FROM entries e JOIN temp.tk t ON t.id = e.ticket_id ORDER BY t.uuid, e.n",
        "SELECT t.uuid, a.n, a.name, a.size, a.sha256, a.comment, a.removed FROM attachments a JOIN temp.tk t ON t.id = a.ticket_id ORDER BY t.uuid, a.n",
        "SELECT uuid, list_row FROM temp.tk ORDER BY uuid",
        "SELECT t.uuid, f.term, f.col, f.offset FROM temp.fts_terms f JOIN temp.tk t ON t.id = f.doc ORDER BY t.uuid, f.col, f.offset",
        // the repairs, by the global id of the record that made each
        "SELECT i.uuid, CAST(s.clock AS TEXT), rp.uuid, CAST(r.change & 65535 AS TEXT), r.text FROM repairs r JOIN ticket_ids i ON i.id = r.ticket_id JOIN change_sets s ON s.id = (r.change >> 16) JOIN replicas rp ON rp.id = s.replica ORDER BY s.clock, rp.uuid, r.change",
    ] {
        let mut stmt = conn.prepare(sql).unwrap();
        let n = stmt.column_count();
        let mut rows = stmt.query([]).unwrap();
        while let Some(r) = rows.next().unwrap() {
            let cells: Vec<String> = (0..n).map(|i| format!("{:?}", r.get_ref(i).unwrap())).collect();
            out.push_str(&cells.join("|"));
            out.push('\n');
        }
        out.push_str("--\n");
    }
    out
}

/// A rebuild leaves the derived state as the writes made it.
pub fn assert_rebuild_keeps_state(silo: &Silo) {
    let before = dump(silo);
    silo.rebuild().unwrap();
    assert_eq!(dump(silo), before);
}

/// The number of change records: a failed write must not change it.
pub fn change_count(silo: &Silo) -> i64 {
    if on_postgres() || silo.is_team() {
        return ticket_core::fuzzing::change_count(silo).unwrap();
    }
    // read from the file: a damaged silo refuses reads through its handle
    let conn = rusqlite::Connection::open(silo.dir().join("silo.db")).unwrap();
    conn.query_row("SELECT count(*) FROM changes", [], |r| r.get(0))
        .unwrap()
}

/// The steps of SQLite's plan (`EXPLAIN QUERY PLAN`) for the statement `key` and `sort`
/// compile to, on the silo's own file (a directory silo).
pub fn query_plan(silo: &Silo, key: &str, sort: &str) -> Vec<String> {
    let e = silo.explain(key, sort).unwrap();
    let values: Vec<rusqlite::types::Value> = e
        .params
        .iter()
        .map(|p| match p {
            ticket_core::SqlValue::Null => rusqlite::types::Value::Null,
            ticket_core::SqlValue::Integer(i) => rusqlite::types::Value::Integer(*i),
            ticket_core::SqlValue::Real(r) => rusqlite::types::Value::Real(*r),
            ticket_core::SqlValue::Text(t) => rusqlite::types::Value::Text(t.clone()),
        })
        .collect();
    let conn = rusqlite::Connection::open(silo.dir().join("silo.db")).unwrap();
    let mut stmt = conn
        .prepare(&format!("EXPLAIN QUERY PLAN {}", e.sql))
        .unwrap();
    let steps = stmt
        .query_map(rusqlite::params_from_iter(values), |r| r.get(3))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    steps
}

/// A created ticket with what the write-path counting tests create: a status, two tags,
/// three properties (one a relation to ticket 1), two entries.
pub fn mixed_ticket(i: u64) -> ticket_core::NewTicket {
    ticket_core::NewTicket {
        title: format!("ticket {i}"),
        summary: "a summary".to_string(),
        status: Some("In progress".to_string()),
        tags: vec!["bug".to_string(), format!("tag{}", i % 7)],
        properties: vec![
            ("Assigned".to_string(), format!("user{}", i % 5)),
            ("Priority".to_string(), "high".to_string()),
            ("Related_To".to_string(), "1".to_string()),
        ],
        entries: vec![("looked at it".to_string(), 5), ("fixed".to_string(), 10)],
    }
}

/// A directory silo's `PRAGMA schema_version` (every DDL statement moves it), read through a
/// connection of its own.
pub fn schema_version(silo: &Silo) -> i64 {
    rusqlite::Connection::open(silo.dir().join("silo.db"))
        .and_then(|c| c.query_row("PRAGMA schema_version", [], |r| r.get(0)))
        .unwrap_or(0)
}
