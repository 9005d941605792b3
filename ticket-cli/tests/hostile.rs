//! Bad input from the command line (quality spec §2): a damaged or foreign silo, non-UTF-8,
//! huge and control-character arguments. Each gets a clear error and the right exit status,
//! never a panic, and leaves the silo exactly as it was.
mod common;
use common::*;

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

/// Everything the silo holds, as the full JSON export shows it.
fn state(world: &World) -> String {
    let run = world.run(&["export", "full"]);
    assert_eq!(run.code, 0, "{run:?}");
    run.stdout
}

fn assert_clean_failure(run: &Run, code: i32, needle: &str) {
    assert_eq!(run.code, code, "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");
    assert!(
        run.stderr.contains(needle),
        "expected {needle:?} in {}",
        run.stderr
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert!(!run.stderr.contains("RUST_BACKTRACE"), "{}", run.stderr);
}

fn world_with_a_ticket() -> World {
    let world = World::new();
    for args in [vec!["nt", "Backups fail"], vec!["ag", "1", "risk"]] {
        let run = world.run(&args);
        assert_eq!(run.code, 0, "{run:?}");
    }
    world
}

#[test]
fn non_utf8_arguments_are_usage_errors_and_change_nothing() {
    let world = world_with_a_ticket();
    let before = state(&world);
    for args in [
        vec!["nt".into(), OsString::from_vec(b"bad \xff title".to_vec())],
        vec![
            "ag".into(),
            "1".into(),
            OsString::from_vec(b"\xc3\x28".to_vec()),
        ],
        vec!["lt".into(), OsString::from_vec(b"g=\xfe".to_vec())],
    ] {
        let run = output({
            let mut cmd = world.command();
            cmd.arg("--silo").arg(&world.silo).args(&args);
            cmd
        });
        assert_clean_failure(&run, 2, "UTF-8");
    }
    assert_eq!(state(&world), before);
}

#[test]
fn huge_arguments_are_refused_or_stored_whole() {
    let world = world_with_a_ticket();
    let before = state(&world);

    // a search key over the 8 KiB limit is a usage error naming the limit
    let key = format!("t:{}", "x".repeat(100_000));
    let run = world.run(&["lt", &key]);
    assert_clean_failure(&run, 2, "at most 8192");
    let run = world.run(&["lt", "", &"t".repeat(100_000)]);
    assert_clean_failure(&run, 2, "at most 8192");
    assert_eq!(state(&world), before);

    // a long entry is data: stored whole, byte for byte
    let text = "restic ".repeat(15_000);
    let run = world.run(&["ae", "1", &text]);
    assert_eq!(run.code, 0, "{run:?}");
    let run = world.run(&["--format", "json", "dt", "1"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains(text.trim()), "the entry was cut");
}

#[test]
fn control_characters_in_arguments_are_clear_errors_and_change_nothing() {
    let world = world_with_a_ticket();
    let before = state(&world);
    for args in [
        vec!["nt", "bell\u{7} title"],
        vec!["nt", "two\nlines"],
        vec!["ag", "1", "esc\u{1b}[31m"],
        vec!["ae", "1", "a \u{8} backspace"],
    ] {
        let run = world.run(&args);
        assert_clean_failure(&run, 1, "control characters");
    }
    assert_eq!(state(&world), before);
}

#[test]
fn a_damaged_database_is_a_clear_error() {
    let world = world_with_a_ticket();
    for f in ["silo.db-wal", "silo.db-shm"] {
        let _ = std::fs::remove_file(world.silo.join(f));
    }
    std::fs::write(world.silo.join("silo.db"), b"SQLite format 3\0truncated").unwrap();
    for args in [vec!["lt"], vec!["nt", "x"], vec!["dt", "1"]] {
        let run = world.run(&args);
        assert_eq!(run.code, 1, "{args:?}: {run:?}");
        assert!(run.stdout.is_empty(), "{run:?}");
        assert!(run.stderr.contains("silo.db"), "{}", run.stderr);
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    }
    // nothing was written over the damaged file
    assert_eq!(
        std::fs::read(world.silo.join("silo.db")).unwrap(),
        b"SQLite format 3\0truncated"
    );
}

#[test]
fn a_broken_silo_json_is_reported_with_its_path_and_changes_nothing() {
    let world = world_with_a_ticket();
    let before = state(&world);
    let config = world.silo.join("silo.json");
    let good = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, "{ \"tag_case\": [").unwrap();
    let run = world.run(&["nt", "x"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("silo.json"), "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    std::fs::write(&config, good).unwrap();
    assert_eq!(state(&world), before);
}

#[test]
fn a_directory_that_is_not_a_silo_is_a_clear_error_and_stays_untouched() {
    let world = World::empty();
    std::fs::create_dir(&world.silo).unwrap();
    std::fs::write(world.silo.join("notes.txt"), "mine").unwrap();
    for args in [vec!["lt"], vec!["nt", "x"]] {
        let run = world.run(&args);
        assert_ne!(run.code, 0, "{run:?}");
        assert!(run.stderr.contains("not a silo"), "{}", run.stderr);
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    }
    let names: Vec<_> = std::fs::read_dir(&world.silo)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("notes.txt")]);
}

/// Runs `ticket --silo SILO ARGS...` with standard output (and, with `both`, standard error)
/// going to a pipe nobody reads any more; returns the exit status and standard error.
fn run_into_closed_pipe(world: &World, args: &[&str], both: bool) -> (i32, String) {
    let mut cmd = world.cmd(args);
    cmd.stdout(closed_pipe());
    if both {
        cmd.stderr(closed_pipe());
    }
    let out = cmd.output().expect("run ticket");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_closed_output_pipe_ends_every_command_quietly() {
    let world = world_with_a_ticket();
    world.ok(&["ae", "1", "an entry", "30"]);
    world.ok(&["ap", "1", "Client", "ACME"]);
    for args in [
        vec!["export", "csv"],
        vec!["export", "json"],
        vec!["export", "full"],
        vec!["lt"],
        vec!["--format", "csv", "lt"],
        vec!["--format", "json", "lt"],
        vec!["quiet", "lt"],
        vec!["ltn"],
        vec!["ct"],
        vec!["lg"],
        vec!["--format", "csv", "lk"],
        vec!["lkv", "client"],
        vec!["dt", "1"],
        vec!["dt", "1", "--history"],
        vec!["--format", "csv", "dt", "1", "--history"],
        vec!["searches"],
        vec!["explain", "g=risk"],
        vec!["--format", "csv", "time", "--by", "client"],
        vec!["config"],
        vec!["ds"],
        vec!["nt", "written, then the confirmation finds the pipe closed"],
        vec!["lt", "--help"],
        vec!["completions", "bash"],
    ] {
        let (code, stderr) = run_into_closed_pipe(&world, &args, false);
        assert_eq!((code, stderr.as_str()), (0, ""), "{args:?}");
    }
}

#[test]
fn an_error_with_standard_error_closed_is_not_a_panic() {
    let world = world_with_a_ticket();
    for (args, code) in [
        (vec!["dt", "99"], 1),
        (vec!["lt", "s:ox:"], 2),
        (vec!["frobnicate"], 2),
        (vec!["nt", "bell\u{7}"], 1),
    ] {
        let (got, _) = run_into_closed_pipe(&world, &args, true);
        assert_eq!(got, code, "{args:?}");
    }
}

#[test]
fn an_export_that_fails_writes_nothing_and_names_the_users_file() {
    let world = world_with_a_ticket();
    for format in ["csv", "json", "full"] {
        let run = world.run(&["export", format, "s:ox:"]);
        assert_clean_failure(&run, 2, "unknown status letter");
        let run = world.run(&["export", format, "", "zz"]);
        assert_clean_failure(&run, 2, "unknown sort key");
    }
    let run = world.run(&["--format", "csv", "lt", "s:ox:"]);
    assert_clean_failure(&run, 2, "unknown status letter");
    let run = world.run(&["--format", "json", "lt", "s:ox:"]);
    assert_clean_failure(&run, 2, "unknown status letter");

    let run = world.run(&["export", "csv", "-o", "/missing/dir/x"]);
    assert_clean_failure(&run, 1, "/missing/dir/x:");
    assert!(!run.stderr.contains("tmp"), "{}", run.stderr);
    // a bad key with -o leaves no file behind
    let target = world.tmp.path().join("out.csv");
    let run = world.run(&["export", "csv", "s:ox:", "-o", target.to_str().unwrap()]);
    assert_clean_failure(&run, 2, "unknown status letter");
    let left: Vec<_> = std::fs::read_dir(world.tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("out"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn the_busy_timeout_is_configurable_and_reported_in_whole_seconds() {
    let world = world_with_a_ticket();
    let before = state(&world);
    // another writer holds the silo
    let holder = rusqlite::Connection::open(world.silo.join("silo.db")).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let started = std::time::Instant::now();
    let run = world.run(&["--busy-timeout", "1", "nt", "waits one second"]);
    let waited = started.elapsed();
    assert_clean_failure(&run, 1, "silo is busy");
    assert!(run.stderr.contains("more than 1 s;"), "{}", run.stderr);
    assert!(
        waited < std::time::Duration::from_secs(10),
        "waited {waited:?}"
    );
    // the environment variable, and 0: no waiting at all
    let mut cmd = world.cmd(&["ag", "1", "waiting"]);
    cmd.env("TICKET_BUSY_TIMEOUT", "0");
    let started = std::time::Instant::now();
    let run = output(cmd);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert_clean_failure(&run, 1, "more than 0 s;");
    // the option wins over the environment; a bad value is bad usage
    let mut cmd = world.cmd(&["--busy-timeout", "1", "ag", "1", "waiting"]);
    cmd.env("TICKET_BUSY_TIMEOUT", "0");
    let run = output(cmd);
    assert_clean_failure(&run, 1, "more than 1 s;");
    let mut cmd = world.cmd(&["ct"]);
    cmd.env("TICKET_BUSY_TIMEOUT", "soon");
    assert_clean_failure(&output(cmd), 2, "--busy-timeout");
    assert_clean_failure(&world.run(&["--busy-timeout", "-1", "ct"]), 2, "-1");
    assert_clean_failure(
        &world.run(&["--busy-timeout", "1.5", "ct"]),
        2,
        "--busy-timeout",
    );
    holder.execute_batch("ROLLBACK").unwrap();
    drop(holder);
    assert_eq!(state(&world), before);
}

#[test]
fn a_thousand_term_key_is_answered_not_a_database_error() {
    let world = world_with_a_ticket();
    world.ok(&["nt", "a500 is in this title"]);
    // 999 terms joined by `|` (about 7 KB, under the 8 KiB limit): SQLite refused the
    // left-deep expression tree of `a OR b OR …` at depth 1000
    let ors: Vec<String> = (1..=999).map(|i| format!("t:a{i}")).collect();
    let key = ors.join("|");
    assert!(key.len() < 8192);
    let run = world.run(&["ct", &key]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "1\n");
    assert_eq!(world.ok(&["ltn", &key, "!n"]), "2\n");
    // the same for and: 999 negated tags, joined by spaces
    let ands: Vec<String> = (1..=999).map(|i| format!("!g=a{i}")).collect();
    let run = world.run(&["ct", &ands.join(" ")]);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "2\n"),
        "{}",
        run.stderr
    );
    // and in every command that searches
    let run = world.run(&["export", "csv", &key]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout.lines().count(), 2);
    let run = world.run(&["lg", &key]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// Every file under the silo's `attachments/`, temporary files included.
fn attachment_files(world: &World) -> Vec<String> {
    let root = world.silo.join("attachments");
    let mut out = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(&root).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn attaching_what_is_not_a_small_regular_file_is_refused_and_changes_nothing() {
    let world = world_with_a_ticket();
    world.configure(r#"{"max_attachment_bytes": 1000}"#);
    let before = state(&world);
    let fifo = world.tmp.path().join("pipe");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::write(world.tmp.path().join("big.bin"), [0u8; 1001]).unwrap();
    std::fs::create_dir(world.tmp.path().join("folder")).unwrap();
    let mut shown = String::new();
    for file in ["/dev/zero", "pipe", "folder", "big.bin"] {
        let started = std::time::Instant::now();
        shown.push_str(&world.show(&["af", "1", file]));
        // a FIFO without a writer does not block
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "{file}"
        );
    }
    insta::assert_snapshot!(shown);
    assert_eq!(state(&world), before);
    assert_eq!(attachment_files(&world), Vec::<String>::new());
    // within the limit it works, and the copy keeps the source's mode
    use std::os::unix::fs::PermissionsExt;
    let small = world.tmp.path().join("small.txt");
    std::fs::write(&small, b"private notes\n").unwrap();
    std::fs::set_permissions(&small, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(
        world.ok(&["af", "1", "small.txt"]),
        "attached small.txt as attachment 1 of ticket 1\n"
    );
    let files = attachment_files(&world);
    assert_eq!(files.len(), 1, "{files:?}");
    let mode = std::fs::metadata(world.silo.join("attachments").join(&files[0]))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn a_zero_byte_database_is_an_error_not_a_new_silo() {
    let world = world_with_a_ticket();
    for f in ["silo.db-wal", "silo.db-shm"] {
        let _ = std::fs::remove_file(world.silo.join(f));
    }
    std::fs::write(world.silo.join("silo.db"), b"").unwrap();
    let mut shown = world.show(&["ct"]);
    shown.push_str(&world.show(&["nt", "x"]));
    insta::assert_snapshot!(shown);
    assert_eq!(
        std::fs::metadata(world.silo.join("silo.db")).unwrap().len(),
        0
    );
    assert!(!world.silo.join("silo.db-wal").exists());
}

#[test]
fn pseudo_properties_are_refused_like_merged() {
    let world = world_with_a_ticket();
    let before = state(&world);
    let mut shown = String::new();
    for args in [
        ["ap", "1", "Opened", "2020-01-01"],
        ["ap", "1", "last_update", "2020-01-01"],
        ["ap", "1", "Earliest", "2020-01-01"],
        ["ap", "1", "Merged", "1"],
    ] {
        shown.push_str(&world.show(&args));
    }
    insta::assert_snapshot!(shown);
    assert_eq!(state(&world), before);
}

#[test]
fn a_damaged_schema_is_reported_and_rebuild_recreates_missing_tables() {
    let world = world_with_a_ticket();
    let before = state(&world);
    let db = world.silo.join("silo.db");
    let sql = |batch: &str| {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.execute_batch(batch).unwrap();
    };
    sql("PRAGMA user_version = -1");
    let mut shown = world.show(&["lt"]);
    sql(&format!(
        "PRAGMA user_version = {}",
        ticket_core::SCHEMA_VERSION
    ));
    sql("DROP TABLE tags");
    shown.push_str(&world.show(&["nt", "written over a damaged silo"]));
    shown.push_str(&world.show(&["lt"]));
    shown.push_str(&world.show(&["rebuild"]));
    insta::assert_snapshot!(shown);
    assert_eq!(state(&world), before);
    assert_eq!(world.ok(&["ltn", "g=risk"]), "1\n");
}

#[test]
fn a_silo_the_user_may_only_read_can_be_read_not_written() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    let world = world_with_a_ticket();
    let before = state(&world);
    let db = std::fs::read(world.silo.join("silo.db")).unwrap();
    let mode = |p: &std::path::Path, m: u32| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap()
    };
    mode(world.tmp.path(), 0o755);
    mode(&world.silo.join("silo.db"), 0o444);
    mode(&world.silo, 0o555);
    // root may write anything: the reader is `nobody` then
    let as_reader = |args: &[&str]| {
        let mut cmd = world.cmd(args);
        if unsafe { libc::geteuid() } == 0 {
            cmd.uid(65534).gid(65534);
        }
        output(cmd)
    };
    let run = as_reader(&["ltn"]);
    assert_eq!((run.code, run.stdout.as_str()), (0, "1\n"), "{run:?}");
    let run = as_reader(&["ct", "g=risk"]);
    assert_eq!((run.code, run.stdout.as_str()), (0, "1\n"), "{run:?}");
    let run = as_reader(&["nt", "x"]);
    assert_clean_failure(&run, 1, "is read-only for this user");
    let listing: Vec<_> = std::fs::read_dir(&world.silo)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !listing.iter().any(|n| n.starts_with("silo.db-")),
        "{listing:?}"
    );
    assert_eq!(std::fs::read(world.silo.join("silo.db")).unwrap(), db);
    mode(&world.silo, 0o755);
    mode(&world.silo.join("silo.db"), 0o644);
    assert_eq!(state(&world), before);
}

/// `export -o` onto something that is not a regular file (a FIFO here; `/dev/null` alike)
/// writes through it: renaming a temporary file over it would replace it (as root, `-o
/// /dev/null` replaced the device with a file).
#[test]
fn export_to_a_fifo_writes_through_it_and_leaves_it_a_fifo() {
    use std::os::unix::fs::FileTypeExt;
    let world = world_with_a_ticket();
    let fifo = world.tmp.path().join("pipe");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let run = world.run(&["export", "csv", "-o", fifo.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{run:?}");
    // checked before waiting for the reader, which would wait for ever on a replaced FIFO
    let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
    assert!(kind.is_fifo(), "the FIFO was replaced: {kind:?}");
    let read = reader.join().unwrap();
    assert!(read.starts_with("number,"), "{read}");
}
