//! The generator through the core (feature `silo`): a small generated silo holds what the
//! dataset says, every typical search's compiled SQL returns exactly the hand-written
//! statement's rows in the same order, and its query plan scans no tag or property index as a
//! whole (quality spec §1: plans linear or better).
use rusqlite::{types::Value, Connection, OpenFlags};
use ticket_benches::floor::Shape;
use ticket_benches::{build, compiled, generate, support, typical::TYPICAL};

const N: usize = 600;

fn silo() -> (tempfile::TempDir, ticket_core::Silo) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("silo");
    build::build_silo(&generate(N, 77), &dir).unwrap();
    let silo = support::open(&dir);
    (tmp, silo)
}

fn ids(db: &Connection, sql: &str, params: &[Value]) -> Vec<i64> {
    let mut stmt = db.prepare(sql).unwrap();
    let rows = stmt
        .query_map(rusqlite::params_from_iter(params.iter()), |r| r.get(0))
        .unwrap();
    rows.map(Result::unwrap).collect()
}

fn db(silo: &ticket_core::Silo) -> Connection {
    let db =
        Connection::open_with_flags(silo.dir().join("silo.db"), OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    ticket_core::register_sql_functions(&db).unwrap();
    db
}

#[test]
fn generated_silo_holds_the_dataset() {
    let data = generate(N, 77);
    let (_tmp, silo) = silo();
    assert_eq!(silo.count("").unwrap(), N as u64);
    let active = data.tickets.iter().filter(|t| t.is_active()).count() as u64;
    assert_eq!(silo.count("s:*").unwrap(), active);
    let tag7 = data
        .tickets
        .iter()
        .filter(|t| t.tags.iter().any(|g| g == "tag7"))
        .count();
    assert_eq!(silo.count("g=tag7").unwrap(), tag7 as u64);
    let deadlines = data
        .tickets
        .iter()
        .filter(|t| t.property("Deadline").is_some())
        .count();
    assert_eq!(silo.count("p=deadline:").unwrap(), deadlines as u64);
    let entries: usize = data.tickets.iter().map(|t| t.entries.len()).sum();
    let stored: i64 = db(&silo)
        .query_row("SELECT count(*) FROM entries WHERE removed = 0", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(stored as usize, entries);
}

#[test]
fn compiled_typical_searches_match_the_hand_written_sql() {
    let (_tmp, silo) = silo();
    let db = db(&silo);
    for t in TYPICAL {
        let (sql, params) = compiled::compiled_sql(&silo, t.key, t.sort).unwrap();
        let compiled = ids(&db, &sql, &params);
        let hand = ids(&db, t.hand_sql, &[]);
        assert!(
            !hand.is_empty(),
            "{}: the dataset should match something",
            t.name
        );
        assert_eq!(
            compiled, hand,
            "{} ({} / {}):\n{sql}",
            t.name, t.key, t.sort
        );
    }
}

#[test]
fn compiled_typical_plans_never_scan_a_whole_tag_or_property_index() {
    let (_tmp, silo) = silo();
    let db = db(&silo);
    for t in TYPICAL {
        let (sql, params) = compiled::compiled_sql(&silo, t.key, t.sort).unwrap();
        let mut stmt = db.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let steps: Vec<String> = stmt
            .query_map(rusqlite::params_from_iter(params.iter()), |r| r.get(3))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        for s in &steps {
            let scans_side_table = s.starts_with("SCAN")
                && ["tags", "properties", "entries"]
                    .iter()
                    .any(|tbl| s.contains(tbl));
            assert!(!scans_side_table, "{}: {s}\n{steps:#?}", t.name);
        }
    }
}

/// The ratio table runs every typical search compiled and hand-written on the silo's own
/// file (with the silo's SQL functions) and finds the same rows.
#[test]
fn the_ratio_table_runs_every_typical_search() {
    let (_tmp, silo) = silo();
    let rows = support::ratio_table(&silo, 1).unwrap();
    assert_eq!(rows.len(), TYPICAL.len());
    for r in &rows {
        assert!(r.same_result, "{}", r.typical.name);
    }
}

/// The floor (`ticket-benches floor`) copies everything a bulk creation stores, and its
/// rebuild shape everything a rebuild stores again: each copy answers every search, the
/// full-text one included, with the same whole tickets, entries and all. A table left out
/// would make the floor a measure of less work than the product does.
#[test]
fn the_floor_stores_what_a_bulk_creation_and_a_rebuild_store() {
    let tmp = tempfile::tempdir().unwrap();
    let (src, dst) = (tmp.path().join("src"), tmp.path().join("dst"));
    build::bulk_silo(&generate(300, 91), &src, 300).unwrap();
    let floor = ticket_benches::floor::load(&src, &dst, Shape::Bulk).unwrap();
    assert_eq!(floor.tickets, 300);
    assert!(floor.rows > 300 * 10, "{} rows copied", floor.rows);
    answers_alike(&src, &dst);
    // the rebuild's shape: the derived rows deleted and stored again over a copy's log
    let again = tmp.path().join("again");
    let floor = ticket_benches::floor::load(&src, &again, Shape::Rebuild).unwrap();
    assert!(floor.records > 300 * 10, "{} records", floor.records);
    answers_alike(&src, &again);
}

fn answers_alike(src: &std::path::Path, dst: &std::path::Path) {
    let (a, b) = (support::open(src), support::open(dst));
    for key in ["", "s:*", "g=tag7", "x:restic", "t:disk", "p=estimate:>3:"] {
        let numbers = a.numbers(key, "").unwrap();
        assert_eq!(numbers, b.numbers(key, "").unwrap(), "{key:?}");
        assert_eq!(a.search(key, "").unwrap(), b.search(key, "").unwrap());
    }
    assert!(!a.numbers("x:restic", "").unwrap().is_empty());
    for n in a.numbers("", "").unwrap() {
        let n = n.to_string();
        assert_eq!(a.get(&n).unwrap(), b.get(&n).unwrap());
    }
    // no list row left to refresh, no trigger lost
    let state = |s: &ticket_core::Silo| {
        let c = db(s);
        let count = |sql: &str| -> i64 { c.query_row(sql, [], |r| r.get(0)).unwrap() };
        (
            count("SELECT count(*) FROM list_stale"),
            count("SELECT count(*) FROM sqlite_master WHERE type IN ('trigger', 'index')"),
        )
    };
    assert_eq!(state(&a), state(&b));
}
