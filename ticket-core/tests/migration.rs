//! A silo written by an older schema opens, is migrated in place, and keeps every ticket,
//! change and search result.
mod common_support;
use common_support::*;

/// Schema version 1 as the first release wrote it.
const SCHEMA_V1: &str = include_str!("../src/storage/schema_v1.sql");

/// One ticket, as version 1 stored it: its change records and its derived rows.
const TICKET_V1: &str = "
INSERT INTO changes (uuid, set_id, ticket_uuid, at, author, op, key, old_value, new_value, item, minutes) VALUES
 ('00000000000000000000000000010000', '0000000000000000000000000001', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', '2024-03-01T09:00:00.000000Z', 'alice', 'create', NULL, NULL, '1', NULL, NULL),
 ('00000000000000000000000000010001', '0000000000000000000000000001', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', '2024-03-01T09:00:00.000000Z', 'alice', 'set', 'title', '', 'Backups fail', NULL, NULL),
 ('00000000000000000000000000010002', '0000000000000000000000000001', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', '2024-03-01T09:00:00.000000Z', 'alice', 'tag_add', NULL, NULL, 'Risk', NULL, NULL),
 ('00000000000000000000000000010003', '0000000000000000000000000001', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', '2024-03-01T09:00:00.000000Z', 'alice', 'prop_add', 'Deadline', NULL, '2024-03-20', NULL, NULL),
 ('00000000000000000000000000010004', '0000000000000000000000000001', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', '2024-03-01T09:00:00.000000Z', 'alice', 'prop_add', 'Estimate', NULL, '4', NULL, NULL),
 ('00000000000000000000000000020000', '0000000000000000000000000002', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', '2024-03-02T10:00:00.000000Z', 'bob', 'entry_add', NULL, NULL, 'restic prune ran out of disk', 1, 15);
INSERT INTO tickets (id, uuid, number, title, summary, status, opened, last_update, earliest) VALUES
 (1, 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', '1', 'Backups fail', '', 0, '2024-03-01T09:00:00.000000Z', '2024-03-02T10:00:00.000000Z', '2024-03-20');
INSERT INTO tags VALUES (1, 'Risk', 'risk');
INSERT INTO properties (ticket_id, key, key_lc, value, value_lc, value_num, value_date) VALUES
 (1, 'Deadline', 'deadline', '2024-03-20', '2024-03-20', NULL, '2024-03-20'),
 (1, 'Estimate', 'estimate', '4', '4', 4, NULL);
INSERT INTO entries (ticket_id, n, text, author, at, minutes) VALUES (1, 1, 'restic prune ran out of disk', 'bob', '2024-03-02T10:00:00.000000Z', 15);
INSERT INTO ticket_fts (rowid, title, summary, entries) VALUES (1, 'Backups fail', '', 'restic prune ran out of disk');
PRAGMA user_version = 1;
";

fn numbers(silo: &ticket_core::Silo, key: &str) -> Vec<String> {
    silo.numbers(key, "")
        .unwrap()
        .iter()
        .map(|n| n.to_string())
        .collect()
}

#[test]
fn a_version_1_silo_is_migrated_and_keeps_its_tickets() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("silo");
    drop(ticket_core::Silo::create(&d, ctx_at(NOW)).unwrap());
    for f in ["silo.db", "silo.db-wal", "silo.db-shm"] {
        let _ = std::fs::remove_file(d.join(f));
    }
    let old = rusqlite::Connection::open(d.join("silo.db")).unwrap();
    old.execute_batch(SCHEMA_V1).unwrap();
    old.execute_batch(TICKET_V1).unwrap();
    drop(old);

    let silo = ticket_core::Silo::open(&d, ctx_at(NOW)).unwrap();
    let searches = |silo: &ticket_core::Silo| {
        [
            "x:restic",
            "x:prun*",
            "g=risk",
            "p=deadline:<2024-04-01:",
            "p=estimate:>3:",
            "p=last_update:]2024-03-02:",
        ]
        .map(|k| numbers(silo, k))
    };
    let expected = ["1"].map(String::from).to_vec();
    assert!(
        searches(&silo).iter().all(|n| n == &expected),
        "{:?}",
        searches(&silo)
    );
    assert!(numbers(&silo, "x:missing").is_empty());
    assert_eq!(silo.history("1").unwrap().len(), 6);

    let conn = rusqlite::Connection::open(d.join("silo.db")).unwrap();
    let version: u32 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, ticket_core::SCHEMA_VERSION);
    let partial: String = conn
        .query_row(
            "SELECT sql FROM sqlite_master WHERE name = 'properties_num'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(partial.contains("WHERE value_num IS NOT NULL"), "{partial}");
    drop(conn);

    // the migrated log replays to the same answers, and new writes go on from it
    silo.rebuild().unwrap();
    assert!(searches(&silo).iter().all(|n| n == &expected));
    let n = silo.new_ticket("Restic check", None, "").unwrap();
    assert_eq!(
        numbers(&silo, "x:restic"),
        vec!["1".to_string(), n.to_string()]
    );
}

#[test]
fn a_new_silo_uses_16_kib_pages_and_an_old_one_keeps_its_own() {
    // SQLite's pages and planner statistics (sqlite_stat1)
    sqlite_only!();
    let dir = tempfile::tempdir().unwrap();
    let page_size = |path: &std::path::Path| -> i64 {
        rusqlite::Connection::open(path.join("silo.db"))
            .unwrap()
            .query_row("PRAGMA page_size", [], |r| r.get(0))
            .unwrap()
    };
    let silo = new_silo(dir.path());
    assert_eq!(page_size(silo.dir()), 16384);

    let d = dir.path().join("old");
    drop(ticket_core::Silo::create(&d, ctx_at(NOW)).unwrap());
    for f in ["silo.db", "silo.db-wal", "silo.db-shm"] {
        let _ = std::fs::remove_file(d.join(f));
    }
    let old = rusqlite::Connection::open(d.join("silo.db")).unwrap();
    old.execute_batch(SCHEMA_V1).unwrap();
    old.execute_batch(TICKET_V1).unwrap();
    drop(old);
    let silo = ticket_core::Silo::open(&d, ctx_at(NOW)).unwrap();
    assert_eq!(page_size(&d), 4096);
    assert_eq!(numbers(&silo, "x:restic"), vec!["1".to_string()]);
}

#[test]
fn writes_leave_query_planner_statistics_behind() {
    // SQLite's pages and planner statistics (sqlite_stat1)
    sqlite_only!();
    let dir = tempfile::tempdir().unwrap();
    let silo = new_silo(dir.path());
    let mut batch = silo.batch();
    for i in 0..300 {
        batch.add(ticket_core::NewTicket {
            title: format!("ticket {i}"),
            summary: String::new(),
            status: None,
            tags: vec![format!("tag{}", i % 7)],
            properties: vec![("Assigned".into(), format!("user{}", i % 5))],
            entries: vec![],
        });
    }
    batch.commit().unwrap();
    let conn = rusqlite::Connection::open(silo.dir().join("silo.db")).unwrap();
    let analysed: Vec<String> = conn
        .prepare("SELECT DISTINCT idx FROM sqlite_stat1 WHERE tbl IN ('tags', 'properties', 'tickets') ORDER BY idx")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for index in ["properties_kv", "tags_lc", "tickets_status"] {
        assert!(analysed.iter().any(|i| i == index), "{analysed:?}");
    }
    let rows_known = |conn: &rusqlite::Connection| -> i64 {
        conn.query_row(
            "SELECT CAST(stat AS INTEGER) FROM sqlite_stat1 WHERE tbl = 'tickets' LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap()
    };
    assert_eq!(rows_known(&conn), 300);
    // statistics follow the silo's growth: after it more than doubles, they are taken again
    let mut batch = silo.batch();
    for i in 0..800 {
        batch.add(ticket_core::NewTicket {
            title: format!("more {i}"),
            summary: String::new(),
            status: None,
            tags: vec![],
            properties: vec![],
            entries: vec![],
        });
    }
    batch.commit().unwrap();
    assert_eq!(rows_known(&conn), 1100);
}

/// What the derived tables say, in a form both schema 2 and 3 answer (by ticket number).
fn derived_state(db: &std::path::Path) -> String {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut out = String::new();
    for sql in [
        "SELECT number, title, summary, status, opened, last_update, coalesce(earliest, '') FROM tickets ORDER BY number",
        "SELECT t.number, g.tag FROM tags g JOIN tickets t ON t.id = g.ticket_id ORDER BY t.number, g.tag_lc",
        "SELECT t.number, p.key, p.value, coalesce(p.value_num, ''), coalesce(p.value_date, '') FROM properties p JOIN tickets t ON t.id = p.ticket_id ORDER BY t.number, p.key_lc, p.value_lc",
        "SELECT t.number, e.n, e.text, e.author, e.at, e.minutes, e.removed FROM entries e JOIN tickets t ON t.id = e.ticket_id ORDER BY t.number, e.n",
        "SELECT t.number, a.n, a.name, a.size, a.sha256, a.removed FROM attachments a JOIN tickets t ON t.id = a.ticket_id ORDER BY t.number, a.n",
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

/// A silo written by the previous release (schema 2), whose log was not in causal order (a
/// tkts import with comments at their ticket's creation second: that release could not
/// rebuild it), migrates in place: the same tickets, every history starting with its create,
/// rebuild and export → import → export exact.
#[test]
fn a_silo_of_the_previous_release_with_a_non_causal_log_migrates() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("v2");
    std::fs::create_dir_all(d.join("attachments/2c")).unwrap();
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/v2-silo");
    for f in [
        "silo.db",
        "silo.json",
        "attachments/2c/f24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
    ] {
        std::fs::copy(fixture.join(f), d.join(f)).unwrap();
    }
    let old_version: u32 = rusqlite::Connection::open(d.join("silo.db"))
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(old_version, 2);
    let before = derived_state(&d.join("silo.db"));

    let silo = ticket_core::Silo::open(&d, ctx_at(NOW)).unwrap();
    assert_eq!(
        derived_state(&d.join("silo.db")),
        before,
        "the migration changed what the tickets say"
    );
    assert_eq!(silo.count("").unwrap(), 14);
    for n in silo.numbers("", "").unwrap() {
        let h = silo.history(n.as_str()).unwrap();
        assert_eq!(h[0].op, ticket_core::ChangeOp::Create, "ticket {n}");
    }
    let t = silo.get("14").unwrap();
    assert_eq!(t.get("Child_Of"), vec!["13"]);
    assert_eq!(t.get("Blocks"), vec!["1"]);
    assert_eq!(silo.get("1").unwrap().get("Blocked_By"), vec!["14"]);
    assert_eq!(t.entries[0].n, 2);
    assert_eq!(t.attachments[0].name, "note.txt");
    assert_eq!(silo.get("2").unwrap().status, ticket_core::Status::Merged);
    // the tkts comment is an entry of its ticket, after its creation
    let one = silo.history("1").unwrap();
    assert!(one.iter().any(|c| c.op == ticket_core::ChangeOp::EntryAdd));

    silo.rebuild().unwrap();
    assert_eq!(derived_state(&d.join("silo.db")), before);
    let first = silo
        .export_string(ticket_core::ExportFormat::Full, "", "")
        .unwrap();
    let copy = ticket_core::Silo::create(&dir.path().join("copy"), ctx_at(NOW)).unwrap();
    copy.import_json(&first).unwrap();
    assert_eq!(
        copy.export_string(ticket_core::ExportFormat::Full, "", "")
            .unwrap(),
        first
    );
    // and it keeps working: a new change comes after everything migrated
    silo.add_entry("14", "after the migration", 1).unwrap();
    assert_eq!(
        silo.history("14")
            .unwrap()
            .last()
            .unwrap()
            .new_value
            .as_deref(),
        Some("after the migration")
    );
}

/// A silo of schema 3, written by the release before schema 4, migrates: the derived tables
/// take their new shapes (no `tickets.uuid`, properties kept in ticket order without their own
/// index), say the same thing, and keep a multi-valued key's values in the order they were added.
#[test]
fn a_schema_3_silo_of_the_previous_release_migrates_to_schema_4() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("v3");
    std::fs::create_dir_all(d.join("attachments/2c")).unwrap();
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/v3-silo");
    for f in [
        "silo.db",
        "silo.json",
        "attachments/2c/f24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
    ] {
        std::fs::copy(fixture.join(f), d.join(f)).unwrap();
    }
    let version = |d: &std::path::Path| -> u32 {
        rusqlite::Connection::open(d.join("silo.db"))
            .unwrap()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(version(&d), 3);
    let before = derived_state(&d.join("silo.db"));

    let silo = ticket_core::Silo::open(&d, ctx_at(NOW)).unwrap();
    assert_eq!(version(&d), ticket_core::SCHEMA_VERSION);
    assert_eq!(derived_state(&d.join("silo.db")), before);
    assert_eq!(
        silo.get("14").unwrap().get("Assigned"),
        vec!["bob", "carol", "alice"]
    );
    let conn = rusqlite::Connection::open(d.join("silo.db")).unwrap();
    let has = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(
        has("SELECT count(*) FROM pragma_table_info('tickets') WHERE name = 'uuid'"),
        0
    );
    assert_eq!(
        has("SELECT count(*) FROM sqlite_schema WHERE name = 'properties_ticket'"),
        0
    );
    silo.rebuild().unwrap();
    assert_eq!(derived_state(&d.join("silo.db")), before);
    assert_eq!(
        silo.history("14").unwrap()[0].op,
        ticket_core::ChangeOp::Create
    );
}

/// A silo of schema 4 (before the repairs table) migrates to schema 5: the table is made and
/// filled by a rebuild, the tickets say the same, and a merge chain its log holds (merging a
/// ticket others were merged into, which schema 4 left as a chain) is followed to the end.
#[test]
fn a_schema_4_silo_migrates_to_schema_5_with_its_repairs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("v4");
    let silo = ticket_core::Silo::create(&d, ctx_at(NOW)).unwrap();
    merge_into_a_merged_ticket(&silo);
    drop(silo);
    // back to what schema 4 had: no repairs table, the chain 1 -> 2 -> 3 as the log says
    let conn = rusqlite::Connection::open(d.join("silo.db")).unwrap();
    conn.execute_batch(UNDO_SCHEMA_6).unwrap();
    conn.execute_batch(
        "DROP TABLE repairs;
         DELETE FROM properties WHERE key_lc IN ('closed_via', 'merged');
         INSERT INTO properties (ticket_id, key_lc, id, key, value, value_lc, target)
           SELECT id, 'closed_via', 1, 'Closed_Via', '2', '2', 2 FROM tickets WHERE number = '1';
         PRAGMA user_version = 4;",
    )
    .unwrap();
    drop(conn);
    let version = || -> u32 {
        rusqlite::Connection::open(d.join("silo.db"))
            .unwrap()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(version(), 4);
    let silo = ticket_core::Silo::open(&d, ctx_at(NOW)).unwrap();
    assert_eq!(version(), ticket_core::SCHEMA_VERSION);
    assert_chain_followed(&silo);
    assert_list_rows_written(&d);
}

/// What schema 6 added (the list rows, their table of stale tickets and its triggers) taken
/// away again: a silo as the release before schema 6 left it.
const UNDO_SCHEMA_6: &str = "
    DROP TRIGGER tags_list_insert; DROP TRIGGER tags_list_delete;
    DROP TRIGGER properties_list_insert; DROP TRIGGER properties_list_delete;
    DROP TRIGGER properties_list_update; DROP TRIGGER entry_rows_list_insert;
    DROP TRIGGER entry_rows_list_delete; DROP TRIGGER entry_rows_list_update;
    DROP TABLE list_stale; ALTER TABLE tickets DROP COLUMN list_row;";

/// Every ticket has a list row, and it is the one a rebuild writes.
fn assert_list_rows_written(d: &std::path::Path) {
    let rows = |d: &std::path::Path| -> Vec<(String, Option<String>)> {
        let conn = rusqlite::Connection::open(d.join("silo.db")).unwrap();
        let mut stmt = conn
            .prepare("SELECT number, list_row FROM tickets ORDER BY number")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    };
    let migrated = rows(d);
    assert_eq!(migrated.len(), 3);
    assert!(
        // ticket 3 of `merge_into_a_merged_ticket` holds the merge back-links
        migrated.iter().any(|(n, row)| n == "3" && row.is_some()),
        "{migrated:?}"
    );
    ticket_core::Silo::open(d, ctx_at(NOW))
        .unwrap()
        .rebuild()
        .unwrap();
    assert_eq!(rows(d), migrated);
}

/// A silo of schema 5 (before the list rows) migrates to schema 6 without a rebuild: every
/// ticket gets its list row, and searches read tags, properties and minutes from it.
#[test]
fn a_schema_5_silo_migrates_to_schema_6_with_list_rows() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("v5");
    let silo = ticket_core::Silo::create(&d, ctx_at(NOW)).unwrap();
    merge_into_a_merged_ticket(&silo);
    silo.add_tag("3", "Disk").unwrap();
    silo.add_tag("3", "backup").unwrap();
    silo.add_property("3", "Assigned", "bob").unwrap();
    silo.add_entry("3", "looked", 25).unwrap();
    silo.add_entry("3", "fixed", 5).unwrap();
    let before: Vec<_> = silo.search("", "").unwrap();
    assert_eq!(before[2].tags, ["backup", "Disk"]);
    assert_eq!(before[2].total_minutes, 30);
    drop(silo);
    let conn = rusqlite::Connection::open(d.join("silo.db")).unwrap();
    conn.execute_batch(UNDO_SCHEMA_6).unwrap();
    conn.execute_batch("PRAGMA user_version = 5").unwrap();
    drop(conn);
    let silo = ticket_core::Silo::open(&d, ctx_at(NOW)).unwrap();
    assert_eq!(silo.search("", "").unwrap(), before);
    drop(silo);
    assert_list_rows_written(&d);
}
