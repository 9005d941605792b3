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

/// A number a parent test passed to its child process.
fn env_number<T: std::str::FromStr>(name: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    std::env::var(name).unwrap().parse().unwrap()
}

/// Not a test of its own: the body of the child processes below (does nothing unless the
/// parent test set the environment).
#[test]
fn child_writer() {
    let Ok(dir) = std::env::var(CHILD_ENV) else {
        return;
    };
    let count: usize = env_number("TICKET_TEST_CHILD_COUNT");
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
    let silo = four_writers(dir.path());
    assert_eq!(silo.count("").unwrap(), 1000);
    for i in 0..4 {
        assert_eq!(silo.count(&format!("g=w{i}")).unwrap(), 250);
    }
}

/// Four processes write 250 tickets each (a create and a tag) into a new silo at once; the
/// silo's rebuild must equal its incremental tables.
fn four_writers(dir: &Path) -> Silo {
    let silo = new_silo(dir);
    let children: Vec<_> = (0..4)
        .map(|i| spawn_child(silo.address(), &format!("w{i}"), 250))
        .collect();
    for mut c in children {
        let status = c.wait().unwrap();
        assert!(status.success());
    }
    assert_rebuild_equal(&silo);
    silo
}

fn assert_rebuild_equal(silo: &Silo) {
    let before = dump(silo);
    silo.rebuild().unwrap();
    assert_eq!(dump(silo), before);
}

/// A writer killed (SIGKILL) after it reported `stop` tickets done: the silo opens, passes
/// `integrity_check`, holds every reported ticket whole with its tag, and rebuilds to the
/// same tables. Returns the silo and the reported tickets.
fn kill_a_writer(dir: &Path, stop: usize) -> (Silo, Vec<String>) {
    let silo = new_silo(dir);
    let path = silo.address().to_path_buf();
    drop(silo);
    let mut child = spawn_child(&path, "k", 100_000);
    let mut reported = Vec::new();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    while let Some(Ok(line)) = lines.next() {
        if let Some(n) = line.strip_prefix("done ") {
            reported.push(n.to_string());
        }
        if reported.len() == stop {
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
    assert_rebuild_equal(&silo);
    (silo, reported)
}

#[test]
fn a_writer_killed_mid_stream_leaves_a_consistent_silo() {
    sqlite_only!();
    let dir = tempfile::tempdir().unwrap();
    let (_, reported) = kill_a_writer(dir.path(), 150);
    assert_eq!(reported.len(), 150);
}

#[test]
fn a_held_lock_ends_in_silo_is_busy_and_changes_nothing() {
    sqlite_only!();
    let dir = tempfile::tempdir().unwrap();
    let silo = new_silo(dir.path());
    silo.new_ticket("T", None, "").unwrap();
    let path = silo.address().to_path_buf();
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
    sqlite_only!();
    let dir = tempfile::tempdir().unwrap();
    let silo = new_silo(dir.path());
    let path = silo.address().to_path_buf();
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

// ---- Hostile files and damaged silos (issue 18) ----

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Every file under `dir`, recursively (temporary files included), relative to it.
fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

fn write_file(path: &Path, bytes: &[u8], mode: u32) -> PathBuf {
    std::fs::write(path, bytes).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    path.to_path_buf()
}

#[test]
fn copy_file_streams_the_content_keeps_its_mode_and_follows_a_symlink() {
    sqlite_only!();
    let dir = tempfile::tempdir().unwrap();
    let silo = new_silo(dir.path());
    silo.new_ticket("Backups", None, "").unwrap();
    // larger than one copy chunk, not a multiple of it
    let big: Vec<u8> = (0..300_001u32).map(|i| (i % 251) as u8).collect();
    let private = write_file(&dir.path().join("private.bin"), &big, 0o600);
    let public = write_file(&dir.path().join("public.txt"), b"shared notes\n", 0o644);
    let target = write_file(&dir.path().join("target.txt"), b"behind a link\n", 0o640);
    let link = dir.path().join("link.txt");
    std::os::unix::fs::symlink(&target, &link).unwrap();

    assert_eq!(silo.copy_file("1", &private, "").unwrap(), 1);
    assert_eq!(silo.copy_file("1", &public, "notes").unwrap(), 2);
    assert_eq!(silo.copy_file("1", &link, "").unwrap(), 3);
    let t = silo.get("1").unwrap();
    let got: Vec<_> = t
        .attachments
        .iter()
        .map(|a| (a.name.as_str(), a.size, a.sha256.clone()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("private.bin", 300_001, sha256_hex(&big)),
            ("public.txt", 13, sha256_hex(b"shared notes\n")),
            ("link.txt", 14, sha256_hex(b"behind a link\n")),
        ]
    );
    for (a, mode) in t.attachments.iter().zip([0o600, 0o644, 0o640]) {
        let stored = silo.attachment_path(&a.sha256);
        let meta = std::fs::symlink_metadata(&stored).unwrap();
        assert!(meta.is_file(), "{} is stored as a file, not a link", a.name);
        assert_eq!(meta.permissions().mode() & 0o777, mode, "{}", a.name);
    }
    assert_eq!(
        std::fs::read(silo.attachment_path(&t.attachments[0].sha256)).unwrap(),
        big
    );
    // no temporary file is left beside the contents
    let attachments = silo.dir().join("attachments");
    assert!(
        files_under(&attachments)
            .iter()
            .all(|f| !f.contains(".tmp-")),
        "{:?}",
        files_under(&attachments)
    );
}

#[test]
fn what_is_not_a_regular_file_is_refused_without_blocking_and_changes_nothing() {
    sqlite_only!();
    let dir = tempfile::tempdir().unwrap();
    let silo = new_silo(dir.path());
    silo.new_ticket("Backups", None, "").unwrap();
    let before = (change_count(&silo), dump(&silo));
    let fifo = dir.path().join("pipe");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
    let zero_link = dir.path().join("zeros");
    std::os::unix::fs::symlink("/dev/zero", &zero_link).unwrap();
    let subdir = dir.path().join("folder");
    std::fs::create_dir(&subdir).unwrap();
    let cases: Vec<(PathBuf, &str)> = vec![
        (fifo, "it is a FIFO"),
        (PathBuf::from("/dev/zero"), "it is a character device"),
        (zero_link, "it is a character device"),
        (subdir, "it is a directory"),
    ];
    let silo = std::sync::Arc::new(silo);
    for (path, kind) in cases {
        // a FIFO without a writer must not block: the attempt runs on a thread with a deadline
        let (tx, rx) = std::sync::mpsc::channel();
        let s = silo.clone();
        let p = path.clone();
        std::thread::spawn(move || {
            let _ = tx.send(s.copy_file("1", &p, "").map_err(|e| e.to_string()));
        });
        let result = rx
            .recv_timeout(Duration::from_secs(20))
            .unwrap_or_else(|_| panic!("copy_file of {} blocked", path.display()));
        let err = result.unwrap_err();
        assert!(
            err.contains(kind) && err.contains("only regular files can be attached"),
            "{err}"
        );
    }
    assert_eq!((change_count(&silo), dump(&silo)), before);
    assert_eq!(
        files_under(&silo.dir().join("attachments")),
        Vec::<String>::new()
    );
}

#[test]
fn the_maximum_attachment_size_is_configurable_and_checked_while_copying() {
    assert_eq!(
        ticket_core::SiloConfig::default().max_attachment_bytes.0,
        100 * 1024 * 1024
    );
    let dir = tempfile::tempdir().unwrap();
    let silo = silo_with_config(dir.path(), r#"{"max_attachment_bytes": 1000}"#);
    silo.new_ticket("Backups", None, "").unwrap();
    let before = (change_count(&silo), dump(&silo));
    let over = write_file(&dir.path().join("over.bin"), &[7; 1001], 0o644);
    let err = silo.copy_file("1", &over, "").unwrap_err().to_string();
    assert!(
        err.contains("over.bin")
            && err.contains("maximum of 1000 bytes (max_attachment_bytes in silo.json)"),
        "{err}"
    );
    // a file that claims size 0 (like those of /proc) is stopped while it is copied
    let proc_file = Path::new("/proc/self/smaps");
    assert_eq!(std::fs::metadata(proc_file).unwrap().len(), 0);
    assert!(std::fs::read(proc_file).unwrap().len() > 1000);
    let err = silo.copy_file("1", proc_file, "").unwrap_err().to_string();
    assert!(err.contains("max_attachment_bytes"), "{err}");
    // bytes given through the API are held to the same limit
    let err = silo
        .add_attachment_bytes("1", "upload.bin", &[1; 1001], "")
        .unwrap_err()
        .to_string();
    assert!(err.contains("max_attachment_bytes"), "{err}");
    assert_eq!((change_count(&silo), dump(&silo)), before);
    // no content file left behind (a team silo keeps contents in its database: the dump)
    if !silo.is_team() {
        assert_eq!(
            files_under(&silo.dir().join("attachments")),
            Vec::<String>::new()
        );
    }
    // at the limit is fine
    let at = write_file(&dir.path().join("at.bin"), &[7; 1000], 0o644);
    assert_eq!(silo.copy_file("1", &at, "").unwrap(), 1);
}

#[test]
fn a_failed_attach_leaves_no_temporary_or_content_file() {
    sqlite_only!();
    let dir = tempfile::tempdir().unwrap();
    let silo = new_silo(dir.path());
    silo.new_ticket("Backups", None, "").unwrap();
    let path = silo.address().to_path_buf();
    let file = write_file(&dir.path().join("report.txt"), b"quarterly report\n", 0o644);
    // the ticket does not exist: the copy was made, then the change set fails
    let err = silo.copy_file("99", &file, "").unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
    assert_eq!(files_under(&path.join("attachments")), Vec::<String>::new());
    // the content is moved into place, then validation refuses the change set: the content
    // file it created goes too
    drop(silo);
    std::fs::write(
        path.join("silo.json"),
        r#"{"vrules_pk_required": [{"selector": "", "key": "Assigned"}]}"#,
    )
    .unwrap();
    let silo = Silo::open(&path, ctx_at(NOW)).unwrap();
    let before = change_count(&silo);
    let err = silo.copy_file("1", &file, "").unwrap_err();
    assert!(matches!(err, Error::Validation { .. }), "{err}");
    assert_eq!(change_count(&silo), before);
    assert_eq!(files_under(&path.join("attachments")), Vec::<String>::new());
    // content another attachment already uses is never removed by a failed change set
    silo.add_property("1", "Assigned", "phil").unwrap();
    silo.copy_file("1", &file, "").unwrap();
    let stored = files_under(&path.join("attachments"));
    assert_eq!(stored.len(), 1);
    let err = silo.copy_file("99", &file, "again").unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
    assert_eq!(files_under(&path.join("attachments")), stored);
}

#[test]
fn stale_temporary_files_are_swept_by_the_next_write() {
    sqlite_only!();
    let dir = tempfile::tempdir().unwrap();
    let silo = new_silo(dir.path());
    let attachments = silo.dir().join("attachments");
    let two_days_ago = std::time::SystemTime::now() - Duration::from_secs(2 * 24 * 3600);
    let old = attachments.join(".tmp-0123456789abcdef");
    let fresh = attachments.join(".tmp-fedcba9876543210");
    let kept = attachments.join("notes.txt");
    for p in [&old, &fresh, &kept] {
        std::fs::write(p, b"half a copy").unwrap();
    }
    for p in [&old, &kept] {
        std::fs::File::options()
            .write(true)
            .open(p)
            .unwrap()
            .set_modified(two_days_ago)
            .unwrap();
    }
    // a read sweeps nothing
    silo.count("").unwrap();
    assert!(old.exists());
    silo.new_ticket("Backups", None, "").unwrap();
    assert!(!old.exists(), "a day-old temporary file is swept");
    assert!(
        fresh.exists(),
        "a copy that may still be running is left alone"
    );
    assert!(kept.exists(), "only temporary files are swept");
}

/// A closed silo with two tickets, and its directory.
fn closed_silo(dir: &Path) -> (PathBuf, String) {
    let silo = new_silo(dir);
    silo.new_ticket("Backups fail", None, "restic").unwrap();
    silo.add_tag("1", "risk").unwrap();
    silo.new_ticket("Printer", None, "").unwrap();
    silo.add_property("2", "Assigned", "phil").unwrap();
    let state = dump(&silo);
    let path = silo.address().to_path_buf();
    drop(silo);
    (path, state)
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn an_empty_or_foreign_database_file_is_refused_and_left_as_it_was() {
    sqlite_only!();
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = closed_silo(dir.path());
    let db = path.join("silo.db");
    let sqlite = |setup: &str| {
        std::fs::remove_file(&db).unwrap();
        let c = rusqlite::Connection::open(&db).unwrap();
        c.execute_batch(setup).unwrap();
        drop(c);
        std::fs::read(&db).unwrap()
    };
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            {
                std::fs::write(&db, b"").unwrap();
                Vec::new()
            },
            "the file is empty",
        ),
        (
            sqlite("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('mine');"),
            "it holds no ticket schema",
        ),
        (
            sqlite("CREATE TABLE notes (text TEXT); PRAGMA user_version = -1;"),
            "schema version -1 is not one this program ever wrote",
        ),
    ];
    for (bytes, detail) in cases {
        std::fs::write(&db, &bytes).unwrap();
        let listing = names_in(&path);
        let err = Silo::open(&path, ctx_at(NOW)).err().unwrap();
        assert!(matches!(err, Error::Corrupt { .. }), "{err:?}");
        let text = err.to_string();
        assert!(
            text.contains("silo.db is damaged or not a ticket database") && text.contains(detail),
            "{text}"
        );
        assert_eq!(
            std::fs::read(&db).unwrap(),
            bytes,
            "{detail}: the file was changed"
        );
        assert_eq!(names_in(&path), listing, "{detail}: files were made");
    }
}

#[test]
fn a_missing_derived_table_is_a_clear_error_until_rebuild_recreates_it() {
    sqlite_only!();
    let dir = tempfile::tempdir().unwrap();
    let (path, state) = closed_silo(dir.path());
    let c = rusqlite::Connection::open(path.join("silo.db")).unwrap();
    c.execute_batch("DROP TABLE tags; DROP INDEX tickets_status;")
        .unwrap();
    let changes: i64 = c
        .query_row("SELECT count(*) FROM changes", [], |r| r.get(0))
        .unwrap();
    drop(c);
    let silo = Silo::open(&path, ctx_at(NOW)).unwrap();
    for err in [
        silo.new_ticket("x", None, "").map(|_| ()).unwrap_err(),
        silo.add_tag("1", "more").unwrap_err(),
        silo.count("").map(|_| ()).unwrap_err(),
        silo.get("1").map(|_| ()).unwrap_err(),
    ] {
        let text = err.to_string();
        assert!(matches!(err, Error::Corrupt { .. }), "{err:?}");
        assert!(
            text.contains("the table(s) tags are missing")
                && text.contains("`ticket rebuild` recreates them"),
            "{text}"
        );
    }
    assert_eq!(change_count(&silo), changes, "nothing was written");
    let stats = silo.rebuild().unwrap();
    assert_eq!(stats.tickets, 2);
    assert_eq!(dump(&silo), state);
    assert_eq!(silo.count("g=risk").unwrap(), 1);
    let c = rusqlite::Connection::open(path.join("silo.db")).unwrap();
    let status_index: i64 = c
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name IN ('tickets_status', 'tags_lc')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(status_index, 2, "the dropped indexes are back");
    // and the silo works again, in this handle and the next
    silo.new_ticket("After the repair", None, "").unwrap();
    drop(silo);
    let silo = Silo::open(&path, ctx_at(NOW)).unwrap();
    assert_eq!(silo.count("").unwrap(), 3);
}

#[test]
fn a_missing_log_table_is_damage_rebuild_cannot_repair() {
    sqlite_only!();
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = closed_silo(dir.path());
    let c = rusqlite::Connection::open(path.join("silo.db")).unwrap();
    c.execute_batch("DROP TABLE change_sets").unwrap();
    drop(c);
    let err = Silo::open(&path, ctx_at(NOW)).err().unwrap();
    assert!(matches!(err, Error::Corrupt { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("the change log's table change_sets is missing"),
        "{err}"
    );
}

#[test]
fn pseudo_properties_cannot_be_set() {
    let dir = tempfile::tempdir().unwrap();
    let silo = new_silo(dir.path());
    silo.new_ticket("Backups", None, "").unwrap();
    silo.add_property("1", "Note", "x").unwrap();
    let before = (change_count(&silo), dump(&silo));
    for key in ["Opened", "last_update", "EARLIEST"] {
        let err = silo.add_property("1", key, "2020-01-01").unwrap_err();
        assert!(matches!(err, Error::Invalid { .. }), "{err:?}");
        assert!(
            err.to_string().contains("is a pseudo-property"),
            "{key}: {err}"
        );
        let mut edit = silo.edit("1");
        edit.add_tag("dated").add_property(key, "2020-01-01");
        let err = edit.commit().unwrap_err();
        assert!(err.to_string().contains("pseudo-property"), "{err}");
    }
    assert_eq!((change_count(&silo), dump(&silo)), before);
}

const READ_ONLY_CHILD: &str = "TICKET_TEST_READ_ONLY_SILO";

/// Not a test of its own: what a user who may read but not write the silo does (run as
/// `nobody` by the test below when the tests run as root).
#[test]
fn read_only_child() {
    let Ok(dir) = std::env::var(READ_ONLY_CHILD) else {
        return;
    };
    let expected: u64 = env_number("TICKET_TEST_EXPECTED");
    let silo = Silo::open(Path::new(&dir), ctx_at(NOW)).unwrap();
    assert!(silo.is_read_only());
    assert_eq!(silo.count("").unwrap(), expected);
    assert_eq!(silo.get("1").unwrap().title, "Backups fail");
    assert_eq!(silo.count("g=risk").unwrap(), 1);
    for err in [
        silo.new_ticket("x", None, "").map(|_| ()).unwrap_err(),
        silo.add_tag("1", "more").unwrap_err(),
        silo.rebuild().map(|_| ()).unwrap_err(),
    ] {
        assert!(matches!(err, Error::ReadOnly { .. }), "{err:?}");
        assert!(
            err.to_string().contains("is read-only for this user"),
            "{err}"
        );
    }
    let file = std::env::temp_dir().join(format!("ro-{}.txt", std::process::id()));
    std::fs::write(&file, b"x").unwrap();
    let err = silo.copy_file("1", &file, "").unwrap_err();
    let _ = std::fs::remove_file(&file);
    assert!(matches!(err, Error::ReadOnly { .. }), "{err:?}");
    println!("read-only child done");
}

/// Runs [`read_only_child`] as a user who may not write the silo: `nobody` when the tests
/// run as root (root may write anything), else this user with the silo's modes taken away.
fn run_read_only_child(dir: &Path, expected: u64) {
    use std::os::unix::process::CommandExt;
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "read_only_child",
        "--exact",
        "--nocapture",
        "--test-threads=1",
    ])
    .env(READ_ONLY_CHILD, dir)
    .env("TICKET_TEST_EXPECTED", expected.to_string());
    if unsafe { libc::geteuid() } == 0 {
        cmd.uid(65534).gid(65534).env("TMPDIR", "/tmp");
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("read-only child done"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_silo_the_user_may_only_read_is_read_without_writing_anything() {
    sqlite_only!();
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = closed_silo(dir.path());
    // the clean close removed the WAL's files: the reader cannot make them
    let listing = names_in(&path);
    assert_eq!(listing, ["attachments", "silo.db", "silo.json"]);
    let db = std::fs::read(path.join("silo.db")).unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    for (p, mode) in [
        (path.join("silo.db"), 0o444),
        (path.join("silo.json"), 0o444),
        (path.join("attachments"), 0o555),
        (path.clone(), 0o555),
    ] {
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    run_read_only_child(&path, 2);
    assert_eq!(names_in(&path), listing, "no WAL or journal file was made");
    assert_eq!(std::fs::read(path.join("silo.db")).unwrap(), db);

    // while a writer has the silo open (its WAL holds changes not yet in silo.db), the reader
    // sees them too
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(path.join("silo.db"), std::fs::Permissions::from_mode(0o644)).unwrap();
    let writer = Silo::open(&path, ctx_at(NOW)).unwrap();
    writer.new_ticket("Only in the WAL", None, "").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o555)).unwrap();
    run_read_only_child(&path, 3);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(writer.count("").unwrap(), 3);
}

// The fuzz targets `full_import` and `change_records` (fuzz/), as bounded property tests:
// arbitrary bytes, and valid inputs with bytes changed or cut.

/// A full export of a silo that uses most record kinds.
fn full_export_seed() -> String {
    let dir = tempfile::tempdir().unwrap();
    let silo = new_silo(dir.path());
    silo.new_ticket("Backups fail", None, "restic to the NAS")
        .unwrap();
    silo.new_ticket("Printer", None, "").unwrap();
    silo.add_tag("1", "risk").unwrap();
    silo.add_property("1", "Deadline", "2024-04-01").unwrap();
    silo.add_property("1", "Blocks", "2").unwrap();
    silo.add_entry("1", "checked the logs", 15).unwrap();
    silo.remove_entry("1", 1).unwrap();
    silo.add_attachment_bytes("2", "notes.txt", b"hello", "first")
        .unwrap();
    silo.remove_file("2", 1).unwrap();
    silo.set_status("2", "closed", None).unwrap();
    silo.export_string(ticket_core::ExportFormat::Full, "", "")
        .unwrap()
}

fn mutated(seed: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    let len = seed.len();
    (0..len, any::<u8>(), 0..len, any::<bool>()).prop_map(move |(at, byte, cut, truncate)| {
        let mut v = seed.clone();
        v[at] = byte;
        if truncate {
            v.truncate(cut.max(1));
        }
        v
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
    #[test]
    fn fuzz_full_import_on_arbitrary_bytes(data in prop::collection::vec(any::<u8>(), 0..200)) {
        ticket_core::fuzzing::full_import(&data);
    }

    #[test]
    fn fuzz_full_import_on_damaged_exports(data in mutated(full_export_seed().into_bytes())) {
        ticket_core::fuzzing::full_import(&data);
    }

    #[test]
    fn fuzz_change_records_on_arbitrary_bytes(data in prop::collection::vec(any::<u8>(), 0..64)) {
        ticket_core::fuzzing::change_records(&data);
    }

    #[test]
    fn fuzz_change_records_on_damaged_wire_records(
        data in mutated(WIRE_SEED.to_vec())
    ) {
        ticket_core::fuzzing::change_records(&data);
    }
}

const WIRE_SEED: &[u8] = br#"{"id":"00000000000000010123456789abcdef0001","at":"2024-03-13T09:00:00.000000Z","author":"alice","op":"prop_add","key":"Deadline","value":"2024-04-01"}"#;

#[test]
fn the_fuzz_seeds_are_taken() {
    assert!(ticket_core::fuzzing::change_records(WIRE_SEED));
    for seed in std::fs::read_dir(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fuzz/corpus/change_records"
    ))
    .unwrap()
    {
        let path = seed.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("seed-") && !name.starts_with("seed-row-") {
            assert!(
                ticket_core::fuzzing::change_records(&std::fs::read(&path).unwrap()),
                "{name}"
            );
        }
    }
    let export = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fuzz/corpus/full_import/seed-export"
    ))
    .unwrap();
    assert!(ticket_core::fuzzing::full_import(&export));
}

#[test]
fn the_full_import_seed_imports_whole() {
    let seed = full_export_seed();
    assert!(ticket_core::fuzzing::full_import(seed.as_bytes()));
    let dir = tempfile::tempdir().unwrap();
    let silo = new_silo(dir.path());
    silo.import_json(&seed).unwrap();
    assert_eq!(silo.count("").unwrap(), 2);
}

/// The quality spec's concurrency and SIGKILL runs, repeated (`cargo test -p ticket-core
/// --test reliability -- --ignored --nocapture quality_runs`; `TICKET_TEST_ROUNDS` rounds,
/// default 10): prints the figures recorded in benches/README.md.
#[test]
#[ignore]
fn quality_runs() {
    let rounds: usize = std::env::var("TICKET_TEST_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(10);
    let mut lost = 0usize;
    let mut times = Vec::new();
    for _ in 0..rounds {
        let dir = tempfile::tempdir().unwrap();
        let started = std::time::Instant::now();
        let silo = four_writers(dir.path());
        times.push(started.elapsed().as_secs_f64());
        lost += 1000 - silo.count("").unwrap() as usize;
    }
    times.sort_by(f64::total_cmp);
    println!(
        "concurrency: {rounds} rounds of 4 processes x 250 tickets (2 change sets each): {lost} lost, median {:.2} s, max {:.2} s",
        times[times.len() / 2],
        times[times.len() - 1]
    );

    let mut reported_total = 0usize;
    let mut extra_total = 0usize;
    for round in 0..rounds * 4 {
        let dir = tempfile::tempdir().unwrap();
        let (silo, reported) = kill_a_writer(dir.path(), 20 + (round * 37) % 200);
        reported_total += reported.len();
        extra_total += silo.count("").unwrap() as usize - reported.len();
    }
    println!(
        "SIGKILL: {} kills; {reported_total} tickets reported done, all present and tagged; {extra_total} more committed after the last report read; integrity_check ok and rebuild equal every time",
        rounds * 4
    );
}

/// A handle whose snapshot ended sees what another handle committed meanwhile: ending a read
/// transaction must not fail and leave the old snapshot open (as a write-only step at the
/// end of every transaction did on a read: `ticket serve`'s pooled readers answered "no
/// ticket 3" just after ticket 3 was created).
#[test]
fn a_reader_sees_writes_committed_during_its_last_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let address = silo_address(dir.path(), "s");
    let writer = Silo::create(&address, ctx_at(NOW)).unwrap();
    let reader = Silo::open(&address, ctx_at(NOW)).unwrap();
    writer.new_ticket("first", None, "").unwrap();
    for round in 0..3 {
        let mut made = None;
        let seen = reader
            .snapshot(|s| {
                let before = s.count("")?;
                made = Some(writer.new_ticket(&format!("during {round}"), None, "")?);
                Ok(before)
            })
            .unwrap();
        let made = made.unwrap();
        assert_eq!(reader.count("").unwrap(), seen + 1, "round {round}");
        assert_eq!(
            reader.get(made.as_str()).unwrap().title,
            format!("during {round}")
        );
    }
}
