//! Dynamic completion: the shell's request (`COMPLETE=SHELL ticket -- WORDS`) answered from a
//! real silo — statuses, tags, keys and values (the suggestions), saved searches and numbers.

mod common;

use common::World;

const CONFIG: &str = r#"{
  "suggested_tags": ["Backlog"],
  "suggested_property_keys": ["Client"],
  "suggested_property_kv": [{"key": "Client", "value": "acme"}],
  "vrules_pkv_values": [{"key": "Priority", "values": ["high", "medium", "low"]}],
  "searches": [
    {"name": "mine", "description": "mine", "search": "s:* p=assigned:=phil:", "sort": ""},
    {"name": "misc", "description": "other", "search": "g=misc", "sort": ""}
  ]
}"#;

/// Tickets 1 (tags bug, risk; Assigned phil and ann), 2 (closed), 3 (changed a day later).
fn world() -> World {
    let world = World::new();
    world.configure(CONFIG);
    world.new_ticket("Backups fail");
    world.new_ticket("Printer jams");
    world.new_ticket("Disk full");
    world.ok(&["ag", "1", "bug"]);
    world.ok(&["ag", "1", "risk"]);
    world.ok(&["ap", "1", "Assigned", "phil"]);
    world.ok(&["ap", "1", "Assigned", "ann"]);
    let later = world
        .cmd(&["ap", "3", "Project", "nas"])
        .env("TICKET_NOW", "2024-03-14T09:00:00Z")
        .output()
        .unwrap();
    assert!(later.status.success(), "{later:?}");
    world.ok(&["ss", "2", "closed"]);
    world
}

/// The values fish would show for the last of `words` (one per line, `value\thelp`), with
/// the environment of the world (its active silo is `silo`). The options clap offers beside
/// them for an empty word are left out (`commands_and_options_complete_from_the_definition`).
fn complete(world: &World, words: &[&str]) -> String {
    complete_in(world, "fish", None, words)
        .lines()
        .filter(|line| !line.starts_with('-'))
        .map(|line| format!("{line}\n"))
        .collect()
}

fn complete_in(world: &World, shell: &str, index: Option<usize>, words: &[&str]) -> String {
    let mut cmd = world.command();
    cmd.env("COMPLETE", shell)
        .arg("--")
        .arg("ticket")
        .args(words);
    if let Some(i) = index {
        cmd.env("_CLAP_COMPLETE_INDEX", i.to_string())
            .env("_CLAP_IFS", "\n");
    }
    let out = cmd.output().expect("run ticket");
    assert!(out.status.success(), "completion failed: {out:?}");
    assert!(out.stderr.is_empty(), "completion wrote to stderr: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn statuses_complete_by_name_in_any_case() {
    let world = world();
    insta::assert_snapshot!(complete(&world, &["ss", "1", ""]), @r"
    Open
    In_Progress
    Blocked
    Waiting
    Postponed
    Closed
    Abandoned
    Merged
    Duplicate
    ");
    assert_eq!(complete(&world, &["ss", "1", "in"]), "In_Progress\n");
    assert_eq!(
        complete(&world, &["edit", "1", "--status", "clo"]),
        "Closed\n"
    );
}

#[test]
fn ticket_numbers_come_with_their_titles() {
    let world = world();
    // nothing typed: the active tickets, most recently changed first
    insta::assert_snapshot!(complete(&world, &["dt", ""]), @r"
    3	Disk full
    1	Backups fail
    ");
    // a prefix: every ticket whose number continues it, closed ones too
    assert_eq!(complete(&world, &["set_status", "2"]), "2\tPrinter jams\n");
    assert_eq!(
        complete(&world, &["ss", "1", "merged", "3"]),
        "3\tDisk full\n"
    );
    assert_eq!(complete(&world, &["dt", "9"]), "");
}

#[test]
fn tags_are_the_suggestions_or_the_tickets_own() {
    let world = world();
    // add_tag: configured suggestions and every tag of the silo
    insta::assert_snapshot!(complete(&world, &["ag", "3", ""]), @r"
    Backlog
    bug
    risk
    ");
    assert_eq!(
        complete(&world, &["nt", "New", "--tag", "b"]),
        "Backlog\nbug\n"
    );
    // remove_tag and edit --untag: the tags of the ticket typed before
    assert_eq!(complete(&world, &["rg", "1", ""]), "bug\nrisk\n");
    assert_eq!(complete(&world, &["rg", "3", ""]), "");
    assert_eq!(complete(&world, &["edit", "1", "--untag", "r"]), "risk\n");
}

#[test]
fn property_keys_and_values_follow_the_key_typed_before() {
    let world = world();
    let keys = complete(&world, &["ap", "3", ""]);
    for key in ["Assigned", "Client", "Priority", "Project", "Deadline"] {
        assert!(keys.lines().any(|k| k == key), "{key} missing in {keys}");
    }
    // letter case does not matter; the suggestion's case is kept
    assert_eq!(complete(&world, &["ap", "3", "prio"]), "Priority\n");
    assert_eq!(complete(&world, &["time", "--by", "cl"]), "Client\n");
    // the values of the key typed before: validation rule values, configured, the silo's
    insta::assert_snapshot!(complete(&world, &["ap", "3", "Priority", ""]), @r"
    high
    low
    medium
    ");
    assert_eq!(complete(&world, &["ap", "3", "client", ""]), "acme\n");
    assert_eq!(
        complete(&world, &["ap", "3", "Assigned", ""]),
        "ann\nphil\n"
    );
    // removing: the ticket's own keys and values
    assert_eq!(complete(&world, &["rk", "1", ""]), "Assigned\n");
    assert_eq!(complete(&world, &["rkv", "1", "assigned", "p"]), "phil\n");
    assert_eq!(
        complete(&world, &["cp", "1", "Assigned", "ann", ""]),
        "ann\nphil\n"
    );
}

#[test]
fn key_value_options_complete_the_key_then_its_values() {
    let world = world();
    assert_eq!(
        complete(&world, &["nt", "New", "--prop", "pri"]),
        "Priority=\n"
    );
    insta::assert_snapshot!(complete(&world, &["nt", "New", "--prop", "Priority="]), @r"
    Priority=high
    Priority=low
    Priority=medium
    ");
    assert_eq!(
        complete(&world, &["edit", "1", "--prop", "Priority=h"]),
        "Priority=high\n"
    );
    assert_eq!(
        complete(&world, &["edit", "1", "--unprop", "Assigned=a"]),
        "Assigned=ann\n"
    );
}

#[test]
fn saved_searches_complete_by_name_and_as_at_references() {
    let world = world();
    assert_eq!(complete(&world, &["run", ""]), "mine\nmisc\n");
    assert_eq!(complete(&world, &["run", "mi"]), "mine\nmisc\n");
    assert_eq!(complete(&world, &["lt", "s:* @mis"]), "s:* @misc\n");
    assert_eq!(complete(&world, &["lkv", "@mi"]), "@mine\n@misc\n");
    assert_eq!(complete(&world, &["lkv", "@mine", "assi"]), "Assigned\n");
    assert_eq!(complete(&world, &["lt", "g=b"]), "");
}

#[test]
fn the_silo_of_the_command_line_is_used_and_a_missing_one_gives_nothing() {
    let world = world();
    let other = World::new();
    other.new_ticket("Elsewhere");
    other.ok(&["ag", "1", "elsewhere"]);
    let silo = other.silo.to_str().unwrap();
    assert_eq!(
        complete(&world, &["--silo", silo, "ag", "1", "e"]),
        "elsewhere\n"
    );
    assert_eq!(
        complete(&world, &["ag", "1", "--silo", silo, "e"]),
        "elsewhere\n"
    );
    assert_eq!(
        complete(&world, &["--silo", "/nonexistent", "ag", "1", ""]),
        ""
    );
    // statuses need no silo
    assert_eq!(
        complete(&world, &["--silo", "/nonexistent", "ss", "1", "w"]),
        "Waiting\n"
    );
}

#[test]
fn commands_and_options_complete_from_the_definition() {
    let world = world();
    let commands = complete_in(&world, "fish", None, &["set_s"]);
    assert!(
        commands.lines().any(|l| l.starts_with("set_status")),
        "{commands}"
    );
    let options = complete_in(&world, "fish", None, &["edit", "1", "--unt"]);
    assert!(options.starts_with("--untag"), "{options}");
    // an empty word: the values and the options
    let both = complete_in(&world, "fish", None, &["ss", "1", ""]);
    assert!(
        both.starts_with("Open\n") && both.contains("\n--silo\t"),
        "{both}"
    );
}

#[test]
fn bash_completes_the_word_under_the_cursor() {
    let world = world();
    // `ticket ag 1 |risk`: the cursor on the third word, words after it ignored
    let out = complete_in(&world, "bash", Some(3), &["ag", "1", "r", "whatever"]);
    assert_eq!(out, "risk");
}

#[test]
fn completions_prints_the_registration_script() {
    let world = World::empty();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let run = world.run_global(&["completions", shell]);
        assert_eq!(run.code, 0, "{run:?}");
        assert!(run.stdout.contains("COMPLETE"), "{shell}: {}", run.stdout);
    }
    let bash = world.run_global(&["completions", "bash"]).stdout;
    assert!(bash
        .contains("complete -o nospace -o bashdefault -o nosort -F _clap_complete_ticket ticket"));
}
