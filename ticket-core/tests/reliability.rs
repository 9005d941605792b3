//! Reliability: rebuild equals the incremental state (property test), concurrent writers in
//! several processes, a writer killed with SIGKILL, and the busy timeout.
mod common_support;
use common_support::*;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use proptest::prelude::*;
use ticket_core::{Context, Error, Silo};

#[derive(Debug, Clone)]
enum Action {
    New(String),
    Title(usize, String),
    Status(usize, &'static str, usize),
    AddTag(usize, &'static str),
    RemoveTag(usize, &'static str),
    AddProp(usize, &'static str, String),
    RemoveKey(usize, &'static str),
    Relate(usize, &'static str, usize),
    Entry(usize, String, u32),
    RemoveEntry(usize, u32),
}

fn action() -> impl Strategy<Value = Action> {
    let n = 0usize..5;
    prop_oneof![
        "[a-z ]{1,12}".prop_map(Action::New),
        (n.clone(), "[A-Za-z ]{1,12}").prop_map(|(t, s)| Action::Title(t, s)),
        (
            n.clone(),
            prop::sample::select(vec![
                "open",
                "i",
                "closed",
                "merged",
                "duplicate",
                "abandoned"
            ]),
            0usize..5
        )
            .prop_map(|(t, s, o)| Action::Status(t, s, o)),
        (
            n.clone(),
            prop::sample::select(vec!["bug", "Risk", "RISK", "home lab"])
        )
            .prop_map(|(t, g)| Action::AddTag(t, g)),
        (n.clone(), prop::sample::select(vec!["bug", "risk"]))
            .prop_map(|(t, g)| Action::RemoveTag(t, g)),
        (
            n.clone(),
            prop::sample::select(vec![
                "Deadline",
                "Assigned",
                "Estimate",
                "Deadline_Repeats",
                "Scheduled"
            ]),
            prop::sample::select(vec![
                "+1w".to_string(),
                "phil".into(),
                "3".into(),
                "++1m".into(),
                "2024-02-01".into()
            ])
        )
            .prop_map(|(t, k, v)| Action::AddProp(t, k, v)),
        (
            n.clone(),
            prop::sample::select(vec!["Deadline", "Assigned", "Child_Of", "Blocks"])
        )
            .prop_map(|(t, k)| Action::RemoveKey(t, k)),
        (
            n.clone(),
            prop::sample::select(vec![
                "Child_Of",
                "Parent_Of",
                "Blocks",
                "Related_To",
                "Precedes"
            ]),
            0usize..5
        )
            .prop_map(|(t, k, o)| Action::Relate(t, k, o)),
        (n.clone(), "[a-z ]{1,20}", 0u32..60).prop_map(|(t, s, m)| Action::Entry(t, s, m)),
        (n, 1u32..4).prop_map(|(t, e)| Action::RemoveEntry(t, e)),
    ]
}

fn run(silo: &Silo, a: &Action) {
    let num = |i: &usize| (i + 1).to_string();
    // errors are part of the game: a refused action must simply change nothing
    let _ = match a {
        Action::New(t) => silo.new_ticket(t, None, "summary").map(|_| ()),
        Action::Title(t, s) => silo.set_title(&num(t), s),
        Action::Status(t, s, o) => silo.set_status(
            &num(t),
            s,
            Some(num(o).as_str()).filter(|_| matches!(*s, "merged" | "duplicate")),
        ),
        Action::AddTag(t, g) => silo.add_tag(&num(t), g),
        Action::RemoveTag(t, g) => silo.remove_tag(&num(t), g),
        Action::AddProp(t, k, v) => silo.add_property(&num(t), k, v),
        Action::RemoveKey(t, k) => silo.remove_property_k(&num(t), k),
        Action::Relate(t, k, o) => silo.add_property(&num(t), k, &num(o)),
        Action::Entry(t, s, m) => silo.add_entry(&num(t), s, *m).map(|_| ()),
        Action::RemoveEntry(t, e) => silo.remove_entry(&num(t), *e),
    };
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
    #[test]
    fn rebuild_equals_incremental_state(actions in prop::collection::vec(action(), 1..40)) {
        let dir = tempfile::tempdir().unwrap();
        let silo = new_silo(dir.path());
        for _ in 0..3 {
            silo.new_ticket("seed", None, "").unwrap();
        }
        for a in &actions {
            run(&silo, a);
        }
        let before = dump(&silo);
        silo.rebuild().unwrap();
        prop_assert_eq!(dump(&silo), before);
    }
}

const CHILD_ENV: &str = "TICKET_TEST_CHILD_SILO";

/// Not a test of its own: the body of the child processes below (does nothing unless the
/// parent test set the environment).
#[test]
fn child_writer() {
    let Ok(dir) = std::env::var(CHILD_ENV) else {
        return;
    };
    let count: usize = std::env::var("TICKET_TEST_CHILD_COUNT")
        .unwrap()
        .parse()
        .unwrap();
    let tag = std::env::var("TICKET_TEST_CHILD_TAG").unwrap();
    let silo = Silo::open(
        std::path::Path::new(&dir),
        Context::new(ticket_core::Clock::system(), tag.clone()),
    )
    .unwrap();
    let mut out = std::io::stdout().lock();
    for i in 0..count {
        let n = silo.new_ticket(&format!("{tag} {i}"), None, "").unwrap();
        silo.add_tag(n.as_str(), &tag).unwrap();
        writeln!(out, "done {n}").unwrap();
        out.flush().unwrap();
    }
}

fn spawn_child(dir: &std::path::Path, tag: &str, count: usize) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["child_writer", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, dir)
        .env("TICKET_TEST_CHILD_COUNT", count.to_string())
        .env("TICKET_TEST_CHILD_TAG", tag)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

#[test]
fn concurrent_writers_in_four_processes_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let silo = new_silo(dir.path());
    let children: Vec<_> = (0..4)
        .map(|i| spawn_child(silo.dir(), &format!("w{i}"), 250))
        .collect();
    for mut c in children {
        let status = c.wait().unwrap();
        assert!(status.success());
    }
    assert_eq!(silo.count("").unwrap(), 1000);
    for i in 0..4 {
        assert_eq!(silo.count(&format!("g=w{i}")).unwrap(), 250);
    }
    let before = dump(&silo);
    silo.rebuild().unwrap();
    assert_eq!(dump(&silo), before);
}

#[test]
fn a_writer_killed_mid_stream_leaves_a_consistent_silo() {
    let dir = tempfile::tempdir().unwrap();
    let silo = new_silo(dir.path());
    let path = silo.dir().to_path_buf();
    drop(silo);
    let mut child = spawn_child(&path, "k", 100_000);
    let mut reported = Vec::new();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    while let Some(Ok(line)) = lines.next() {
        if let Some(n) = line.strip_prefix("done ") {
            reported.push(n.to_string());
        }
        if reported.len() == 150 {
            break;
        }
    }
    unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
    let _ = child.wait();
    let silo = Silo::open(&path, ctx_at(NOW)).unwrap();
    let conn = rusqlite::Connection::open(path.join("silo.db")).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    for n in &reported {
        let t = silo.get(n).unwrap();
        assert_eq!(t.tags, vec!["k"], "ticket {n} was reported done");
    }
    // every ticket is whole: created with its title (no half change sets)
    let before = dump(&silo);
    silo.rebuild().unwrap();
    assert_eq!(dump(&silo), before);
}

#[test]
fn a_held_lock_ends_in_silo_is_busy_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let silo = new_silo(dir.path());
    silo.new_ticket("T", None, "").unwrap();
    let path = silo.dir().to_path_buf();
    drop(silo);
    let mut ctx = ctx_at(NOW);
    ctx.busy_timeout = Duration::from_millis(200);
    let silo = Silo::open(&path, ctx).unwrap();
    let holder = rusqlite::Connection::open(path.join("silo.db")).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let before = change_count(&silo);
    let err = silo.add_tag("1", "x").unwrap_err();
    assert!(matches!(err, Error::Busy { .. }), "{err}");
    assert!(err.to_string().starts_with("silo is busy"));
    holder.execute_batch("ROLLBACK").unwrap();
    assert_eq!(change_count(&silo), before);
    silo.add_tag("1", "x").unwrap();
    // readers never wait for a writer
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    assert_eq!(silo.count("g=x").unwrap(), 1);
    holder.execute_batch("ROLLBACK").unwrap();
}

#[test]
fn a_broken_silo_json_is_reported_with_file_and_path() {
    let dir = tempfile::tempdir().unwrap();
    let silo = new_silo(dir.path());
    let path = silo.dir().to_path_buf();
    drop(silo);
    std::fs::write(
        path.join("silo.json"),
        r#"{"crules": [{"name": "x", "tagz": []}]}"#,
    )
    .unwrap();
    let err = Silo::open(&path, ctx_at(NOW)).err().unwrap();
    let text = err.to_string();
    assert!(matches!(err, Error::Config(_)));
    assert!(
        text.contains("silo.json") && text.contains("crules[0]"),
        "{text}"
    );
}
