//! Listings in every format, search errors (exit 2 with the caret display), saved searches,
//! explain, check, rebuild, config and the commands of issue 7.

mod common;

use common::World;

const CONFIG: &str = r#"{
  "vrules_pkv_values": [{"key": "Priority", "values": ["high", "medium", "low"]}],
  "srules_t_case": ["NAS"],
  "srules_pk_case": ["Priority"],
  "srules_t_priority": ["risk"],
  "srules_pk_priority": ["Priority", "Deadline"],
  "searches": [
    {"name": "urgent", "description": "High priority", "search": "s:* p=priority:=high:", "sort": "d"},
    {"name": "broken", "description": "Refers to a saved search that does not exist", "search": "@missing", "sort": ""}
  ]
}"#;

/// Title, tags, properties.
type Fixture = (
    &'static str,
    &'static [&'static str],
    &'static [(&'static str, &'static str)],
);

/// A small silo: five tickets with tags, properties and deadlines around today (2024-03-13).
fn world() -> World {
    let world = World::new();
    world.configure(CONFIG);
    let tickets: [Fixture; 5] = [
        (
            "Replace the failing disk in the NAS",
            &["nas", "hardware"],
            &[
                ("Priority", "high"),
                ("Deadline", "2024-03-10"),
                ("Deadline_Warning", "3"),
            ],
        ),
        (
            "Renew the TLS certificate",
            &["security"],
            &[
                ("Priority", "medium"),
                ("Deadline", "2024-03-15"),
                ("Deadline_Warning", "5"),
            ],
        ),
        (
            "Document the backup rotation with restic",
            &["docs", "risk"],
            &[("Priority", "low")],
        ),
        (
            "Set up monitoring for the router",
            &["network"],
            &[("Deadline", "2024-04-30"), ("Deadline_Warning", "2")],
        ),
        ("Old idea", &[], &[]),
    ];
    for (title, tags, props) in tickets {
        let n = world.new_ticket(title);
        for t in tags {
            world.ok(&["ag", &n, t]);
        }
        for (k, v) in props {
            world.ok(&["ap", &n, k, v]);
        }
    }
    world.ok(&["ss", "5", "abandoned"]);
    world
}

#[test]
fn select_tickets_text_json_csv() {
    let world = world();
    insta::assert_snapshot!("lt_all", world.show(&["lt"]));
    insta::assert_snapshot!(
        "lt_active_by_deadline",
        world.show(&["select-tickets", "s:*", "d"])
    );
    insta::assert_snapshot!("lt_json", world.show(&["--format", "json", "lt", "g=nas"]));
    insta::assert_snapshot!(
        "lt_csv",
        world.show(&["--format", "csv", "lt", "s:*", "!n"])
    );
    assert_eq!(world.ok(&["quiet", "lt", "s:*", "!n"]), "4\n3\n2\n1\n");
    // streamed formats with no rows: still whole documents
    assert_eq!(world.ok(&["--format", "json", "lt", "g=nothing"]), "[]\n");
    assert_eq!(
        world
            .ok(&["--format", "csv", "lt", "g=nothing"])
            .lines()
            .count(),
        1,
        "the header alone"
    );
    let json: serde_json::Value =
        serde_json::from_str(&world.ok(&["--format", "json", "lt"])).unwrap();
    let rows = json.as_array().unwrap();
    assert_eq!(rows.len(), 5);
    for field in [
        "number",
        "uuid",
        "status",
        "title",
        "summary",
        "opened",
        "last_update",
        "tags",
        "properties",
        "total_minutes",
        "deadline_state",
    ] {
        assert!(rows[0].get(field).is_some(), "{field}");
    }
    assert_eq!(rows[0]["deadline_state"], "overdue");
    assert_eq!(rows[1]["deadline_state"], "due_soon");
    assert!(rows[3]["deadline_state"].is_null());
    let csv = world.ok(&["--format", "csv", "lt"]);
    assert!(csv.starts_with("number,uuid,status,title,summary,opened,last_update,tags,properties,total_minutes,deadline_state\n"));
    assert_eq!(csv.lines().count(), 6);
}

#[test]
fn listings_count_and_say_when_nothing_matched() {
    let world = world();
    let listed = world.ok(&["lt", "g=nas | g=docs"]);
    assert!(listed.starts_with("#  status"), "{listed}");
    assert!(listed.ends_with("\n2 tickets\n"), "{listed}");
    assert!(world.ok(&["lt", "g=nas"]).ends_with("\n1 ticket\n"));
    assert_eq!(
        world.ok(&["lt", "g=nothing s:*"]),
        "no tickets match g=nothing s:*\n"
    );
    assert_eq!(
        world.ok(&["run", "urgent"]).lines().last(),
        Some("1 ticket")
    );
    // quiet: the numbers alone, nothing when nothing matched
    assert_eq!(world.ok(&["quiet", "lt", "g=nas | g=docs"]), "1\n3\n");
    assert_eq!(world.ok(&["quiet", "lt", "g=nothing"]), "");
    assert_eq!(world.ok(&["quiet", "searches"]), "urgent\nbroken\n");
    // a silo without tickets or saved searches
    let empty = World::new();
    assert_eq!(empty.ok(&["lt"]), "no tickets in this silo\n");
    assert!(empty.ok(&["searches"]).starts_with("no saved searches"));
    assert_eq!(empty.ok(&["quiet", "searches"]), "");
}

#[test]
fn cjk_titles_align_by_display_width() {
    let world = World::new();
    for (title, tag) in [
        ("ディスクの交換", "nas"),
        ("Renew the TLS certificate", "web"),
        ("备份失败", "backup"),
    ] {
        let n = world.new_ticket(title);
        world.ok(&["ag", &n, tag]);
    }
    let listed = world.ok(&["lt"]);
    insta::assert_snapshot!("lt_cjk", listed);
    // the tags column starts at the same terminal column on every row: count the columns a
    // terminal gives each character (2 for these ideographs and kana) before the tag
    let columns = |line: &str, tag: &str| -> usize {
        let before = &line[..line.find(tag).unwrap()];
        before
            .chars()
            .map(|c| if c.is_ascii() { 1 } else { 2 })
            .sum()
    };
    let lines: Vec<&str> = listed.lines().collect();
    let at = [
        columns(lines[1], "nas"),
        columns(lines[2], "web"),
        columns(lines[3], "backup"),
    ];
    assert!(at.iter().all(|c| *c == at[0]), "{at:?}\n{listed}");
}

#[test]
fn colour_only_when_asked() {
    let world = world();
    assert!(
        !world.ok(&["lt"]).contains('\x1b'),
        "not a terminal: no colour"
    );
    let coloured = world.ok(&["--color", "always", "lt"]);
    assert!(coloured.contains("\x1b[1;31m!!\x1b[0m"), "{coloured}");
    assert!(coloured.contains("\x1b[33m!\x1b[0m"), "{coloured}");
}

#[test]
fn numbers_counts_tags_keys_values() {
    let world = world();
    assert_eq!(world.ok(&["ltn", "s:*", "d"]), "1\n2\n4\n3\n");
    assert_eq!(world.ok(&["ct"]), "5\n");
    assert_eq!(world.ok(&["count-tickets", "s:a"]), "1\n");
    assert_eq!(world.ok(&["quiet", "ct", "g=nas | g=docs"]), "2\n");
    assert_eq!(
        world.ok(&["--format", "json", "ct", "s:*"]),
        "{\n  \"count\": 4\n}\n"
    );
    insta::assert_snapshot!("lg", world.show(&["lg"]));
    insta::assert_snapshot!("lk", world.show(&["lk", "s:*"]));
    insta::assert_snapshot!("lkv", world.show(&["lkv", "priority"]));
    assert_eq!(
        world.ok(&["quiet", "lkv", "s:* g=risk", "priority"]),
        "low\n"
    );
    let csv = world.ok(&["--format", "csv", "lg", "g=nas"]);
    assert!(csv.starts_with("tag,count\n"), "{csv}");
    assert!(
        csv.contains("NAS,1\n") && csv.contains("hardware,1\n"),
        "{csv}"
    );
    let tags: serde_json::Value =
        serde_json::from_str(&world.ok(&["--format", "json", "lg"])).unwrap();
    assert!(tags
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["count"].as_u64().unwrap() >= 1));
}

#[test]
fn search_errors_are_usage_errors_with_a_caret() {
    let world = world();
    let before = world.snapshot_state();
    for args in [
        vec!["lt", "s:ox: g=risk"],
        vec!["lt", "s:*", "zz"],
        vec!["ct", "p=deadline:]notadate:"],
        vec!["ltn", "@nosuchsearch"],
        vec!["lg", "(g=a"],
        vec!["explain", "t~(unclosed"],
        vec!["run", "nosuch"],
        vec!["run", "broken"],
    ] {
        let run = world.run(&args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(run.stdout.is_empty(), "{args:?}");
    }
    assert_eq!(world.snapshot_state(), before);
    insta::assert_snapshot!("search_error_caret", world.show(&["lt", "s:ox: g=risk"]));
    insta::assert_snapshot!("sort_error_caret", world.show(&["lt", "s:*", "dq"]));
}

#[test]
fn saved_searches_and_explain() {
    let world = world();
    insta::assert_snapshot!("searches", world.show(&["searches"]));
    assert_eq!(world.ok(&["quiet", "run", "urgent"]), "1\n");
    assert_eq!(world.ok(&["quiet", "lt", "@urgent"]), "1\n");
    let explained = world.ok(&["explain", "s:* g=NAS", "d"]);
    for part in ["in words", "canonical", "SQL", "parameters"] {
        assert!(explained.contains(part), "{explained}");
    }
    assert!(
        !explained.contains("'nas'"),
        "values are bound, not spliced: {explained}"
    );
}

#[test]
fn check_rebuild_config() {
    let world = world();
    assert_eq!(world.run(&["check"]).code, 0);
    let listed_before = world.ok(&["--format", "json", "lt"]);
    let run = world.run(&["rebuild"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(world.ok(&["--format", "json", "lt"]), listed_before);
    // a new rule that existing tickets break
    world.configure(&CONFIG.replace(
        "\"searches\"",
        "\"vrules_pk_required\": [{\"selector\": \"g=nas\", \"key\": \"Owner\"}],\n  \"searches\"",
    ));
    let run = world.run(&["check"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.contains('1'), "{run:?}");
    let run = world.run(&["--format", "json", "check"]);
    assert_eq!(run.code, 1, "{run:?}");
    let found: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(found[0]["number"], "1", "{found}");
    assert!(found[0]["rule"].as_str().unwrap().contains("Owner"));
    let shown: serde_json::Value = serde_json::from_str(&world.ok(&["config"])).unwrap();
    assert_eq!(shown["searches"][0]["name"], "urgent");
    std::fs::write(
        world.tmp.path().join("bad.json"),
        r#"{"numbering": {"mode": "lcg", "a": 2, "c": 1, "m": 10}}"#,
    )
    .unwrap();
    let run = world.run(&["config", "--check", "bad.json"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("bad.json"), "{}", run.stderr);
    // the fixture's `broken` saved search refers to `@missing`
    let run = world.run(&["config", "--check", "silo/silo.json"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("saved search 'broken'") && run.stderr.contains("missing"),
        "{}",
        run.stderr
    );
    let cycle = r#"{"searches": [
        {"name": "a", "description": "", "search": "g=x | @b", "sort": ""},
        {"name": "b", "description": "", "search": "@a", "sort": ""},
        {"name": "fine", "description": "", "search": "@a2", "sort": ""},
        {"name": "a2", "description": "", "search": "s:*", "sort": "d"}
    ]}"#;
    std::fs::write(world.tmp.path().join("cycle.json"), cycle).unwrap();
    let run = world.run(&["config", "--check", "cycle.json"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("refer to each other"), "{}", run.stderr);
    assert!(!run.stderr.contains("'fine'"), "{}", run.stderr);
    world.configure(&CONFIG.replace(", \"search\": \"@missing\"", ", \"search\": \"@urgent\""));
    let run = world.run(&["config", "--check", "silo/silo.json"]);
    assert_eq!(run.code, 0, "{run:?}");
}

#[test]
fn exchange_commands_parse_their_arguments() {
    let world = world();
    assert_eq!(world.run(&["export", "xml"]).code, 2);
    assert_eq!(world.run(&["import", "json"]).code, 2);
    assert_eq!(world.run(&["time", "s:*"]).code, 2, "--by is required");
    for args in [
        vec!["export", "csv", "s:*", "n"],
        vec!["time", "--by", "Client"],
    ] {
        let run = world.run(&args);
        assert_eq!(run.code, 0, "{args:?}: {run:?}");
    }
}

#[test]
fn export_import_and_time_round_trip_through_the_command() {
    let world = world();
    world.ok(&["ae", "1", "two hours of work", "120"]);
    world.ok(&["ap", "1", "Client", "ACME"]);
    let csv = world.ok(&["export", "csv", "", "n"]);
    assert!(csv.starts_with("number,uuid,status,title"), "{csv}");
    let file = world.tmp.path().join("full.json");
    let done = world.ok(&["export", "full", "-o", file.to_str().unwrap()]);
    assert!(done.contains("exported"), "{done}");
    let full = std::fs::read_to_string(&file).unwrap();
    assert!(full.contains("\"history\""));
    // importing into the same silo finds every ticket already there and creates nothing
    let before = world.snapshot_state();
    let report = world.ok(&["import", "json", file.to_str().unwrap()]);
    assert!(report.contains("imported 0 ticket(s)"), "{report}");
    assert_eq!(world.snapshot_state(), before);
    // a wrong-shaped source is exit 1 and changes nothing
    let bad = world.tmp.path().join("bad.db");
    std::fs::write(&bad, "not a database").unwrap();
    let run = world.run(&["import", "tkts", bad.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("import failed"), "{}", run.stderr);
    assert_eq!(world.snapshot_state(), before);
    let report = world.ok(&["time", "--by", "client"]);
    assert!(
        report.contains("ACME") && report.contains("total"),
        "{report}"
    );
    let json = world.ok(&["--format", "json", "time", "--by", "Client"]);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["rows"][0]["group"], "ACME");
    assert_eq!(doc["rows"][0]["minutes"], 120);
    assert_eq!(
        world
            .run(&["time", "--by", "Client", "--from", "someday"])
            .code,
        2
    );
}

/// Tickets whose tags and values hold the old CSV join's separators.
fn awkward_world() -> World {
    let world = World::new();
    world.configure(r#"{"time": {"rate_per_hour": 75.5, "currency": "EUR"}}"#);
    world.ok(&[
        "nt",
        "Quotes \"and\", commas",
        "",
        "two\nlines",
        "--tag",
        "a; b",
        "--tag",
        "c",
        "--prop",
        "K=x=y; z",
        "--prop",
        "Client=ACME",
    ]);
    world.ok(&["ae", "1", "work", "7153"]);
    world.ok(&["nt", "Plain"]);
    world
}

#[test]
fn one_shape_of_a_ticket_in_every_format() {
    let world = awkward_world();
    insta::assert_snapshot!("export_json", world.show(&["export", "json", "", "n"]));
    insta::assert_snapshot!("export_csv", world.show(&["export", "csv", "", "n"]));
    insta::assert_snapshot!(
        "lt_json_awkward",
        world.show(&["--format", "json", "lt", "", "n"])
    );
    // the listing and the export agree field for field
    let listed: serde_json::Value =
        serde_json::from_str(&world.ok(&["--format", "json", "lt", "", "n"])).unwrap();
    let exported: serde_json::Value =
        serde_json::from_str(&world.ok(&["export", "json", "", "n"])).unwrap();
    assert_eq!(listed, exported);
    assert_eq!(
        world.ok(&["--format", "csv", "lt", "", "n"]),
        world.ok(&["export", "csv", "", "n"])
    );
    // dt: the listing's fields plus entries and attachments
    let shown: serde_json::Value =
        serde_json::from_str(&world.ok(&["--format", "json", "dt", "1"])).unwrap();
    for (k, v) in listed[0].as_object().unwrap() {
        assert_eq!(&shown[k], v, "{k}");
    }
    assert_eq!(shown["entries"][0]["at"], "2024-03-13T09:00:00.000000Z");
    // the CSV cells decode back to the exact tags and properties
    let csv = world.ok(&["export", "csv", "", "n"]);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let row = reader.records().next().unwrap().unwrap();
    let tags: Vec<String> = serde_json::from_str(&row[7]).unwrap();
    assert_eq!(tags, ["a; b", "c"]);
    let props: serde_json::Value = serde_json::from_str(&row[8]).unwrap();
    assert_eq!(
        props,
        serde_json::json!([{"key": "K", "value": "x=y; z"}, {"key": "Client", "value": "ACME"}])
    );
}

#[test]
fn time_report_money_is_a_decimal_with_two_places() {
    let world = awkward_world();
    insta::assert_snapshot!("time_text", world.show(&["time", "--by", "client"]));
    insta::assert_snapshot!(
        "time_json",
        world.show(&["--format", "json", "time", "--by", "client"])
    );
    insta::assert_snapshot!(
        "time_csv",
        world.show(&["--format", "csv", "time", "--by", "client"])
    );
    let text = world.ok(&["time", "--by", "client"]);
    assert!(text.lines().all(|l| l == l.trim_end()), "{text:?}");
    assert!(text.contains("EUR 9,000.86"), "{text}");
    // the same format in show_ticket
    assert!(world.ok(&["dt", "1"]).contains("cost EUR 9,000.86"));
    for (args, says) in [
        (vec!["time", "--by", ""], "must not be empty"),
        (vec!["time", "--by", " "], "must not be empty"),
        (
            vec![
                "time",
                "--by",
                "Client",
                "--from",
                "2024-03-10",
                "--to",
                "2024-03-01",
            ],
            "the start is after the end",
        ),
        (
            vec!["time", "--by", "Client", "--from", "2024-02-30"],
            "not a calendar date",
        ),
        (
            vec!["time", "--by", "Client", "--to", "9999-12-31+1d"],
            "years 1 to 9999",
        ),
    ] {
        let run = world.run(&args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(run.stderr.contains(says), "{args:?}: {}", run.stderr);
        assert!(run.stdout.is_empty());
    }
}

/// A second run of an import finds every ticket there: its text report names ten, then
/// counts the rest (a big import's rerun printed a line per ticket); JSON names them all.
#[test]
fn an_import_names_ten_tickets_already_there_then_counts() {
    let world = World::new();
    for i in 0..11 {
        world.new_ticket(&format!("more {i}"));
    }
    let file = world.tmp.path().join("full.json");
    world.ok(&["export", "full", "-o", file.to_str().unwrap()]);
    let listed = world.ok(&["--format", "json", "import", "json", file.to_str().unwrap()]);
    let listed: serde_json::Value = serde_json::from_str(&listed).unwrap();
    let there = listed["already_there"].as_array().unwrap().len();
    assert_eq!(
        there as i64,
        world.ok(&["ct", ""]).trim().parse::<i64>().unwrap()
    );
    assert_eq!(listed["created"], serde_json::json!([]));
    let report = world.ok(&["import", "json", file.to_str().unwrap()]);
    assert_eq!(report.lines().count(), 12, "{report}");
    let more = format!(
        "  … and {} more already there (--format json lists them all)\n",
        there - 10
    );
    assert!(report.ends_with(&more), "{report}");
}
