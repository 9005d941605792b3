//! Writing commands, show_ticket, quiet mode, exit 1 paths and "a failure changes nothing".

mod common;

use common::World;

const RULES: &str = r#"{
  "crules": [
    {"name": "task", "description": "default", "tags": [], "properties": []},
    {"name": "risk", "description": "a risk", "tags": ["risk"], "properties": [{"key": "Owner", "value": "board"}]}
  ],
  "vrules_pk_required": [{"selector": "g=risk", "key": "Owner"}],
  "vrules_pkv_values": [{"key": "Priority", "values": ["high", "medium", "low"]}],
  "srules_t_case": ["NAS"],
  "srules_pk_priority": ["Priority", "Deadline"],
  "time": {"rate_per_hour": 60, "currency": "EUR"}
}"#;

fn world() -> World {
    let world = World::new();
    world.configure(RULES);
    world
}

#[test]
fn new_ticket_prints_the_number_quiet_or_not() {
    let world = world();
    assert_eq!(world.ok(&["nt", "First"]), "created ticket 1\n");
    assert_eq!(world.ok(&["quiet", "nt", "Second"]), "2\n");
    assert_eq!(
        world.ok(&["-q", "new-ticket", "Third", "", "summary"]),
        "3\n"
    );
    assert_eq!(world.ok(&["--quiet", "newticket", "Fourth", "risk"]), "4\n");
    assert_eq!(world.ok(&["quiet", "it", "A7", "Imported"]), "A7\n");
    assert_eq!(world.ok(&["quiet", "ct"]), "5\n");
    assert_eq!(world.ok(&["ltn", "g=risk"]), "4\n");
}

#[test]
fn every_write_command_then_show_ticket() {
    let world = world();
    let n = world.new_ticket("Replace the disk in the nas");
    let other = world.new_ticket("Order a spare disk");
    world.ok(&["st", &n, "Replace the failing disk in the NAS"]);
    world.ok(&[
        "su",
        &n,
        "SMART shows reallocated sectors.\nOrder a WD Red.",
    ]);
    world.ok(&["ag", &n, "nas"]);
    world.ok(&["ag", &n, "hardware"]);
    world.ok(&["ag", &n, "spare"]);
    world.ok(&["rg", &n, "spare"]);
    world.ok(&["ap", &n, "Priority", "HIGH"]);
    world.ok(&["ap", &n, "Deadline", "2024-03-10"]);
    world.ok(&["ap", &n, "Deadline_Warning", "3"]);
    world.ok(&["ap", &n, "Assigned", "sam"]);
    world.ok(&["cp", &n, "Assigned", "sam", "alex"]);
    world.ok(&["ap", &n, "Note", "a"]);
    world.ok(&["ap", &n, "Note", "b"]);
    world.ok(&["rkv", &n, "Note", "a"]);
    world.ok(&["ap", &n, "Gone", "x"]);
    world.ok(&["rk", &n, "Gone"]);
    world.ok(&["ap", &n, "Blocks", &other]);
    assert_eq!(
        world.ok(&["ae", &n, "Ran smartctl.", "30"]),
        format!("added entry 1 to ticket {n}\n")
    );
    assert_eq!(
        world.ok(&["quiet", "ae", &n, "Ordered the disk.", "45"]),
        "2\n"
    );
    assert_eq!(world.ok(&["quiet", "ae", &n, "A mistake."]), "3\n");
    world.ok(&["re", &n, "3"]);
    std::fs::write(world.tmp.path().join("smart.log"), "reallocated: 8\n").unwrap();
    assert_eq!(
        world.ok(&["quiet", "af", &n, "smart.log", "SMART output"]),
        "1\n"
    );
    std::fs::write(world.tmp.path().join("extra.txt"), "x").unwrap();
    world.ok(&["quiet", "af", &n, "extra.txt"]);
    world.ok(&["rf", &n, "2"]);
    world.ok(&["ss", &n, "in_progress"]);
    insta::assert_snapshot!("show_ticket", world.show(&["--color", "never", "dt", &n]));
    insta::assert_snapshot!("show_ticket_other", world.show(&["dt", &other]));
    let history = world.ok(&["dt", &n, "--history"]);
    assert!(history.lines().count() >= 20, "{history}");
    assert!(history.contains("tester"));
    let json: serde_json::Value =
        serde_json::from_str(&world.ok(&["--format", "json", "dt", &n])).unwrap();
    assert_eq!(json["number"], n);
    assert_eq!(json["status"], "In_Progress");
    assert_eq!(json["entries"].as_array().unwrap().len(), 2);
    assert_eq!(json["attachments"].as_array().unwrap().len(), 1);
    assert_eq!(json["total_minutes"], 75);
    assert_eq!(json["deadline_state"], "overdue");
}

#[test]
fn set_status_merged_needs_the_other_ticket() {
    let world = world();
    let a = world.new_ticket("A");
    let b = world.new_ticket("B");
    world.ok(&["ss", &a, "merged", &b]);
    let shown = world.ok(&["dt", &b]);
    assert!(shown.contains("Merged"), "{shown}");
    let run = world.run(&["ss", &b, "duplicate", &b]);
    assert_eq!(run.code, 1, "{run:?}");
}

#[test]
fn the_other_ticket_is_refused_for_any_other_status() {
    let world = world();
    let a = world.new_ticket("A");
    let b = world.new_ticket("B");
    let before = world.snapshot_state();
    for args in [
        vec!["ss", &a, "closed", &b],
        vec!["ss", &a, "o", &b],
        vec!["edit", &a, "--status", "closed", "--other", &b],
    ] {
        let run = world.run(&args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(run.stderr.contains("only merged and duplicate"), "{run:?}");
        assert!(run.stdout.is_empty(), "{run:?}");
        assert_eq!(world.snapshot_state(), before, "{args:?} changed the silo");
    }
    world.ok(&["edit", &a, "--status", "duplicate", "--other", &b]);
    assert!(world.ok(&["dt", &a]).contains("Duplicate"));
}

#[test]
fn edit_is_one_change_set() {
    let world = world();
    let n = world.new_ticket("Edit me");
    world.ok(&[
        "edit",
        &n,
        "--title",
        "Edited",
        "--status",
        "blocked",
        "--tag",
        "risk",
        "--tag",
        "b",
        "--prop",
        "Owner=alex",
        "--prop",
        "Priority=low",
        "--entry",
        "Did it",
        "--minutes",
        "12",
    ]);
    let json: serde_json::Value =
        serde_json::from_str(&world.ok(&["--format", "json", "dt", &n])).unwrap();
    assert_eq!(json["title"], "Edited");
    assert_eq!(json["status"], "Blocked");
    assert_eq!(json["total_minutes"], 12);
    let history: serde_json::Value =
        serde_json::from_str(&world.ok(&["--format", "json", "dt", &n, "--history"])).unwrap();
    let sets: std::collections::BTreeSet<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["set_id"].as_str().unwrap())
        .collect();
    assert_eq!(sets.len(), 2, "creation + one edit: {history}");
    world.ok(&[
        "edit",
        &n,
        "--untag",
        "b",
        "--unprop",
        "Priority=low",
        "--unprop",
        "Owner",
        "--untag",
        "risk",
    ]);
    assert_eq!(world.ok(&["lk", &format!("n={n}")]), "");
}

#[test]
fn not_found_is_exit_1_with_a_clear_message() {
    let world = world();
    for args in [
        vec!["dt", "99"],
        vec!["st", "99", "x"],
        vec!["ag", "99", "x"],
        vec!["ae", "99", "x"],
        vec!["edit", "99", "--title", "x"],
        vec!["dt", "99", "--history"],
    ] {
        let run = world.run(&args);
        assert_eq!(run.code, 1, "{args:?}: {run:?}");
        assert_eq!(run.stderr, "error: no ticket 99 in this silo\n", "{args:?}");
        assert!(run.stdout.is_empty());
    }
}

#[test]
fn a_failing_command_changes_nothing() {
    let world = world();
    let n = world.new_ticket("Keep me");
    world.ok(&["ap", &n, "Priority", "high"]);
    world.ok(&["ae", &n, "entry", "5"]);
    let before = world.snapshot_state();
    let failing: Vec<Vec<&str>> = vec![
        vec!["ap", &n, "Priority", "urgent"], // vrules_pkv_values
        vec!["ag", &n, "risk"],               // vrules_pk_required: Owner
        vec!["edit", &n, "--title", "New", "--tag", "risk"], // one change set, refused whole
        vec!["edit", &n, "--title", "New", "--status", "nonsense"],
        vec!["ap", &n, "Deadline", "not a date"],
        vec!["ap", &n, "Merged", "1"],
        vec!["ap", &n, "Blocks", &n],
        vec!["ss", &n, "merged"],
        vec!["st", &n, "   "],
        vec!["re", &n, "7"],
        vec!["af", &n, "no-such-file"],
        vec!["it", &n, "Taken"],
        vec!["nt", "Risky", "risk_unknown_rule"],
    ];
    for args in &failing {
        let run = world.run(args);
        assert_ne!(run.code, 0, "{args:?} should fail: {run:?}");
        assert!(
            run.stderr.starts_with("error: "),
            "{args:?}: {}",
            run.stderr
        );
        assert_eq!(world.snapshot_state(), before, "{args:?} changed the silo");
    }
    let run = world.run(&["ag", &n, "risk"]);
    assert_eq!(run.code, 1);
    insta::assert_snapshot!("validation_error", run.stderr);
}

#[test]
fn a_broken_silo_json_is_exit_1() {
    let world = world();
    world.configure(r#"{"crules": [{"name": "x", "tagz": []}]}"#);
    let run = world.run(&["ct"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("tagz"), "{}", run.stderr);
}

#[test]
fn values_may_start_with_a_hyphen() {
    let world = world();
    let n = world.new_ticket("-dash title");
    world.ok(&["ap", &n, "Scheduled", "-2d"]);
    world.ok(&["ae", &n, "-- not an option", "5"]);
    world.ok(&["edit", &n, "--summary", "-x", "--prop", "Review=+1w"]);
    let json: serde_json::Value =
        serde_json::from_str(&world.ok(&["--format", "json", "dt", &n])).unwrap();
    assert_eq!(json["title"], "-dash title");
    assert_eq!(json["summary"], "-x");
    let props = json["properties"].as_array().unwrap();
    assert!(
        props
            .iter()
            .any(|p| p["key"] == "Scheduled" && p["value"] == "2024-03-11"),
        "{json}"
    );
    assert!(
        props
            .iter()
            .any(|p| p["key"] == "Review" && p["value"] == "2024-03-20"),
        "{json}"
    );
}

#[test]
fn the_author_falls_back_to_the_os_user_and_user_is_checked() {
    let world = world();
    let expected = std::process::Command::new("id")
        .arg("-un")
        .output()
        .unwrap();
    let expected = String::from_utf8(expected.stdout)
        .unwrap()
        .trim()
        .to_string();
    assert!(!expected.is_empty());
    // neither $TICKET_USER nor $USER nor $USERNAME
    let mut cmd = world.cmd(&["nt", "by the OS user"]);
    cmd.env_remove("TICKET_USER");
    assert_eq!(common::output(cmd).code, 0);
    let history: serde_json::Value =
        serde_json::from_str(&world.ok(&["--format", "json", "dt", "1", "--history"])).unwrap();
    assert_eq!(history[0]["author"], expected.as_str(), "{history}");
    // $USER and --user still win
    let mut cmd = world.cmd(&["ag", "1", "from-user"]);
    cmd.env_remove("TICKET_USER").env("USER", "someone");
    assert_eq!(common::output(cmd).code, 0);
    world.ok(&["--user", "alex", "ag", "1", "from-option"]);
    let history: serde_json::Value =
        serde_json::from_str(&world.ok(&["--format", "json", "dt", "1", "--history"])).unwrap();
    let authors: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["author"].as_str().unwrap())
        .collect();
    let (created, tagged) = authors.split_at(authors.len() - 2);
    assert!(created.iter().all(|a| *a == expected), "{authors:?}");
    assert_eq!(tagged, ["someone", "alex"]);

    let before = world.snapshot_state();
    for user in ["", "  ", "bell\u{7}", "two\nlines", "esc\u{1b}[31m"] {
        let run = world.run(&["--user", user, "ag", "1", "refused"]);
        assert_eq!(run.code, 2, "{user:?}: {run:?}");
        assert!(run.stderr.contains("--user"), "{run:?}");
        assert!(run.stdout.is_empty(), "{run:?}");
    }
    assert_eq!(world.snapshot_state(), before);
}

#[test]
fn writes_confirm_in_one_line_and_quiet_prints_nothing() {
    let world = world();
    let n = world.new_ticket("Confirm me");
    let other = world.new_ticket("The other one");
    for (args, said) in [
        (vec!["ag", &n, "nas"], "ticket 1: added tag NAS"),
        (vec!["ag", &n, "nas"], "ticket 1: nothing to change"),
        (
            vec!["ap", &n, "Deadline", "+3d"],
            "ticket 1: added property Deadline = 2024-03-16",
        ),
        (
            vec!["ss", &n, "c"],
            "ticket 1: status \"Open\" → \"Closed\"",
        ),
        (
            vec!["ss", &n, "merged", &other],
            "ticket 1: status \"Closed\" → \"Merged\"; added property Closed_Via = 2",
        ),
        (
            vec![
                "edit",
                &n,
                "--status",
                "open",
                "--tag",
                "b",
                "--entry",
                "done",
                "--minutes",
                "5",
            ],
            "ticket 1: removed property Closed_Via = 2; status \"Merged\" → \"Open\"; \
             added tag b; added entry 1 (5 min)",
        ),
        (vec!["rg", &n, "b"], "ticket 1: removed tag b"),
        (
            vec!["st", &n, "Renamed"],
            "ticket 1: title \"Confirm me\" → \"Renamed\"",
        ),
    ] {
        assert_eq!(world.ok(&args), format!("{said}\n"), "{args:?}");
    }
    let long = "x".repeat(500);
    let said = world.ok(&["su", &n, &long]);
    assert_eq!(said.lines().count(), 1, "{said}");
    assert!(said.chars().count() < 120, "{said}");
    for args in [
        vec!["quiet", "ag", &n, "quiet"],
        vec!["-q", "ap", &n, "Owner", "sam"],
        vec!["quiet", "ss", &n, "b"],
        vec!["quiet", "edit", &n, "--untag", "quiet"],
    ] {
        assert_eq!(world.ok(&args), "", "{args:?}");
    }
}

/// A creation rule whose tag needs a property that only the command line gives.
const INCIDENTS: &str = r#"{
  "crules": [
    {"name": "task", "description": "default", "tags": [], "properties": []},
    {"name": "incident", "description": "an incident", "tags": ["incident"], "properties": []}
  ],
  "vrules_pk_required": [{"selector": "g=incident", "key": "Severity"}]
}"#;

#[test]
fn new_and_import_ticket_take_tags_and_properties_into_the_creating_change_set() {
    let world = World::new();
    world.configure(INCIDENTS);
    let before = world.snapshot_state();
    let run = world.run(&["nt", "Outage", "incident"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("Severity"), "{}", run.stderr);
    assert_eq!(world.snapshot_state(), before);
    let run = world.run(&["nt", "Outage", "incident", "--prop", "Severity"]);
    assert_eq!(run.code, 2, "KEY=VALUE is checked first: {run:?}");
    assert_eq!(
        world.ok(&[
            "nt",
            "Outage",
            "incident",
            "sdb",
            "--prop",
            "Severity=high",
            "--tag",
            "db",
            "--tag",
            "nas"
        ]),
        "created ticket 1\n"
    );
    let t: serde_json::Value =
        serde_json::from_str(&world.ok(&["--format", "json", "dt", "1"])).unwrap();
    assert_eq!(t["tags"], serde_json::json!(["db", "incident", "nas"]));
    assert_eq!(
        t["properties"],
        serde_json::json!([{"key": "Severity", "value": "high"}])
    );
    assert_eq!(t["summary"], "sdb");
    let history: serde_json::Value =
        serde_json::from_str(&world.ok(&["--format", "json", "dt", "1", "--history"])).unwrap();
    let sets: std::collections::BTreeSet<String> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["set_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(sets.len(), 1, "one change set: {history}");
    assert_eq!(
        world.ok(&[
            "quiet",
            "it",
            "B2",
            "Flood",
            "incident",
            "--prop",
            "Severity=low"
        ]),
        "B2\n"
    );
    assert_eq!(world.ok(&["ltn", "g=incident"]), "1\nB2\n");
}

#[test]
fn summaries_and_entries_from_standard_input() {
    let world = world();
    let n = world.new_ticket("Disk");
    let run = world.run_with_stdin(&["su", &n, "-"], "line one\nline two\n");
    assert_eq!(run.code, 0, "{run:?}");
    let run = world.run_with_stdin(&["ae", &n, "-", "15"], "from a pipe\n");
    assert_eq!(run.code, 0, "{run:?}");
    let run = world.run_with_stdin(&["nt", "Piped", "", "-"], "a piped summary\n");
    assert_eq!(run.code, 0, "{run:?}");
    let t: serde_json::Value =
        serde_json::from_str(&world.ok(&["--format", "json", "dt", &n])).unwrap();
    assert_eq!(t["summary"], "line one\nline two");
    assert_eq!(t["entries"][0]["text"], "from a pipe");
    assert_eq!(t["entries"][0]["minutes"], 15);
    let t: serde_json::Value =
        serde_json::from_str(&world.ok(&["--format", "json", "dt", "2"])).unwrap();
    assert_eq!(t["summary"], "a piped summary");
}

#[test]
fn new_ticket_edit_opens_the_editor() {
    let world = world();
    let script = world.tmp.path().join("editor.sh");
    // the "editor" checks it was given the template, then writes a title and a summary
    std::fs::write(
        &script,
        "#!/bin/sh\ngrep -q '^Draft$' \"$1\" || exit 3\nprintf 'Edited title\\n\\nFirst line\\nsecond line\\n# a comment\\n' > \"$1\"\n",
    )
    .unwrap();
    let editor = format!("sh {}", script.display());
    let mut cmd = world.cmd(&["nt", "Draft", "--edit", "--tag", "nas"]);
    cmd.env("EDITOR", &editor);
    let run = common::output(cmd);
    assert_eq!(run.code, 0, "{run:?}");
    let t: serde_json::Value =
        serde_json::from_str(&world.ok(&["--format", "json", "dt", "1"])).unwrap();
    assert_eq!(t["title"], "Edited title");
    assert_eq!(t["summary"], "First line\nsecond line");
    assert_eq!(t["tags"], serde_json::json!(["NAS"]));
    // an editor that fails, or leaves no title, creates nothing
    let before = world.snapshot_state();
    let mut cmd = world.cmd(&["nt", "--edit"]);
    cmd.env("EDITOR", "false");
    let run = common::output(cmd);
    assert_eq!(run.code, 1, "{run:?}");
    let mut cmd = world.cmd(&["nt", "--edit"]);
    cmd.env("EDITOR", "true");
    let run = common::output(cmd);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("empty title"), "{}", run.stderr);
    let run = world.run(&["nt", "--edit"]);
    assert_eq!(run.code, 2, "no editor set: {run:?}");
    assert_eq!(world.snapshot_state(), before);
}

#[test]
fn titles_are_limited_to_4096_bytes() {
    let world = world();
    let long = "x".repeat(4097);
    let run = world.run(&["nt", &long]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("at most 4096 bytes"), "{}", run.stderr);
    assert!(run.stderr.len() < 300, "the title is not echoed whole");
    world.ok(&["nt", &"x".repeat(4096)]);
}

#[test]
fn invalid_calendar_dates_say_so() {
    let world = world();
    let n = world.new_ticket("Dates");
    for (date, says) in [
        ("2024-02-30", "is not a calendar date"),
        ("2024-13-01", "there is no month 13"),
        ("2024-03-01 25:00", "is not a time of day"),
        ("9999-12-31+1d", "years 1 to 9999"),
    ] {
        let run = world.run(&["ap", &n, "Deadline", date]);
        assert_eq!(run.code, 1, "{date}: {run:?}");
        assert!(run.stderr.contains(says), "{date}: {}", run.stderr);
        assert!(
            !run.stderr.contains("expected +N"),
            "{date}: {}",
            run.stderr
        );
    }
}

#[test]
fn get_file_gives_an_attachment_back() {
    let world = world();
    let n = world.new_ticket("With a file");
    let src = world.tmp.path().join("notes.bin");
    let content: Vec<u8> = (0u8..=255).cycle().take(3000).collect();
    std::fs::write(&src, &content).unwrap();
    world.ok(&["af", &n, src.to_str().unwrap(), "raw"]);
    let out = world.cmd(&["get_file", &n, "1"]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(out.stdout, content);
    let dest = world.tmp.path().join("back.bin");
    let said = world.ok(&["gf", &n, "1", "-o", dest.to_str().unwrap()]);
    assert!(said.contains("notes.bin"), "{said}");
    assert_eq!(std::fs::read(&dest).unwrap(), content);
    let run = world.run(&["get_file", &n, "2"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("has no attachment 2"), "{}", run.stderr);
    let run = world.run(&["get_file", &n, "1", "-o", "/missing/dir/x"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("/missing/dir/x"), "{}", run.stderr);
}

#[test]
fn a_full_export_with_files_is_a_backup() {
    let world = world();
    let n = world.new_ticket("With a file");
    let src = world.tmp.path().join("notes.txt");
    std::fs::write(&src, "the content").unwrap();
    world.ok(&["af", &n, src.to_str().unwrap()]);
    let file = world.tmp.path().join("backup.json");
    let said = world.ok(&[
        "export",
        "full",
        "-o",
        file.to_str().unwrap(),
        "--with-files",
    ]);
    assert!(said.contains("copied 1 attachment file(s)"), "{said}");
    assert_eq!(world.run(&["export", "csv", "--with-files"]).code, 2);
    // a new silo restored from the backup gives the content back
    let other = World::new();
    let report = other.ok(&["import", "json", file.to_str().unwrap()]);
    assert!(report.contains("imported 1 ticket(s)"), "{report}");
    let out = other.cmd(&["get_file", &n, "1"]).output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "the content",
        "{out:?}"
    );
    // a foreign file in the directory is refused before anything is imported
    let files = world.tmp.path().join("backup.json.files");
    std::fs::write(files.join("not-a-sum"), "x").unwrap();
    let third = World::new();
    let run = third.run(&["import", "json", file.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(third.ok(&["ltn"]), "");
}
