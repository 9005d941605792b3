//! Command names, abbreviations, help, completions and usage errors (exit 2).

mod common;

use common::World;

/// cli.md's table: long name and abbreviation.
const COMMANDS: [(&str, Option<&str>); 27] = [
    ("create_silo", None),
    ("add_silo", Some("as")),
    ("remove_silo", Some("rs")),
    ("set_active_silo", Some("sas")),
    ("show_silos", Some("ds")),
    ("new_ticket", Some("nt")),
    ("import_ticket", Some("it")),
    ("set_title", Some("st")),
    ("set_summary", Some("su")),
    ("set_status", Some("ss")),
    ("add_tag", Some("ag")),
    ("remove_tag", Some("rg")),
    ("add_entry", Some("ae")),
    ("remove_entry", Some("re")),
    ("copy_file", Some("af")),
    ("remove_file", Some("rf")),
    ("show_ticket", Some("dt")),
    ("add_property", Some("ap")),
    ("change_property", Some("cp")),
    ("remove_property_k", Some("rk")),
    ("remove_property_kv", Some("rkv")),
    ("select_tickets", Some("lt")),
    ("list_ticket_numbers", Some("ltn")),
    ("count_tickets", Some("ct")),
    ("list_tags", Some("lg")),
    ("list_properties_k", Some("lk")),
    ("list_properties_kv", Some("lkv")),
];

const MORE: [&str; 12] = [
    "edit",
    "searches",
    "run",
    "explain",
    "export",
    "import",
    "time",
    "check",
    "rebuild",
    "config",
    "demo",
    "completions",
];

fn usage_line(world: &World, word: &str) -> String {
    let run = world.run_global(&[word, "--help"]);
    assert_eq!(run.code, 0, "{word} --help: {run:?}");
    run.stdout
        .lines()
        .find(|l| l.starts_with("Usage: "))
        .unwrap_or_else(|| panic!("no usage line for {word}: {}", run.stdout))
        .to_string()
}

#[test]
fn every_abbreviation_and_spelling_resolves_to_its_command() {
    let world = World::empty();
    for (long, abbrev) in COMMANDS {
        let expected = format!("Usage: ticket {long}");
        assert!(usage_line(&world, long).starts_with(&expected), "{long}");
        if let Some(a) = abbrev {
            assert!(
                usage_line(&world, a).starts_with(&expected),
                "{a} -> {long}"
            );
        }
        let dashed = long.replace('_', "-");
        let squashed = long.replace('_', "");
        assert!(
            usage_line(&world, &dashed).starts_with(&expected),
            "{dashed}"
        );
        assert!(
            usage_line(&world, &squashed).starts_with(&expected),
            "{squashed}"
        );
    }
    for name in MORE {
        let run = world.run_global(&[name, "--help"]);
        assert_eq!(run.code, 0, "{name}: {run:?}");
    }
}

#[test]
fn help_subcommand_takes_any_spelling() {
    let world = World::empty();
    let run = world.run_global(&["help", "show-ticket"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("Usage: ticket show_ticket"),
        "{}",
        run.stdout
    );
}

#[test]
fn abbreviations_are_exact() {
    let world = World::empty();
    for wrong in ["n-t", "NT", "ntt", "l", "newticke", "New_Ticket"] {
        let run = world.run_global(&[wrong, "x"]);
        assert_eq!(run.code, 2, "{wrong}: {run:?}");
        assert!(
            run.stderr.contains("unrecognized subcommand"),
            "{wrong}: {}",
            run.stderr
        );
    }
}

#[test]
fn binary_help_documents_markers_and_exit_codes() {
    let world = World::empty();
    let run = world.run_global(&["--help"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("`!` due soon"));
    assert!(run.stdout.contains("`!!` overdue"));
    assert!(run.stdout.contains("2 bad usage"));
    insta::assert_snapshot!(
        "help_select_tickets",
        world.run_global(&["lt", "-h"]).stdout
    );
}

#[test]
fn wrong_arguments_are_usage_errors() {
    let world = World::new();
    for args in [
        vec!["frobnicate"],
        vec!["nt"],
        vec!["st", "1"],
        vec!["ae", "1", "text", "many"],
        vec!["re", "1", "x"],
        vec!["--format", "xml", "lt"],
        vec!["--color", "sometimes", "lt"],
        vec!["cp", "1", "k", "v"],
        vec!["edit", "1", "--minutes", "5"],
        vec!["edit", "1", "--prop", "novalue"],
        vec!["ss", "1", "closed", "2"],
        vec!["set_status", "1", "o", "2"],
        vec!["edit", "1", "--status", "closed", "--other", "2"],
        vec!["lkv"],
        vec![],
    ] {
        let run = world.run(&args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(!run.stderr.is_empty(), "{args:?}");
        assert!(run.stdout.is_empty(), "{args:?}: {}", run.stdout);
    }
}

/// A free-text argument takes values starting with `-` (`-3d`, `-5 degrees`, `-` for
/// standard input), but `--word` there is a mistyped option, not a title: `ticket nt --title
/// "Disk full"` made a ticket titled `--title` under the rule "Disk full" (or, without a
/// rule word, silently a ticket titled `--bogus`). Refused with a usage error and nothing
/// written; after `--` it is a value like any other.
#[test]
fn an_unknown_option_is_not_taken_for_a_title() {
    let world = World::new();
    let n = world.new_ticket("first");
    let before = world.snapshot_state();
    insta::assert_snapshot!(
        "unknown_option_as_title",
        world.show(&["nt", "--title", "Disk full"])
    );
    for args in [
        vec!["nt", "--bogus"],
        vec!["nt", "Title", "--bogus"],
        vec!["ae", &n, "--verbose", "5"],
        vec!["ap", &n, "deadline", "--x"],
        vec!["st", &n, "--title"],
    ] {
        let run = world.run(&args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(
            run.stderr.contains("use '-- --"),
            "{args:?}: {}",
            run.stderr
        );
    }
    assert_eq!(world.snapshot_state(), before, "nothing written");
    // after `--`, and a single hyphen anywhere, a value as before
    let dashed = world
        .ok(&["quiet", "nt", "--", "--title"])
        .trim()
        .to_string();
    let negative = world.new_ticket("-5 degrees outside");
    world.ok(&["ap", &n, "deadline", "-3d"]);
    world.ok(&["ae", &n, "--", "--verbose was on", "5"]);
    let titles = world.ok(&["lt", ""]);
    assert!(titles.contains("--title") && titles.contains("-5 degrees outside"));
    assert_ne!(dashed, negative);
}

#[test]
fn no_silo_is_a_usage_error() {
    let world = World::empty();
    let run = world.run_global(&["lt"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("no silo"), "{}", run.stderr);
}

#[test]
fn completions_for_three_shells() {
    let world = World::empty();
    // the dynamic completion's registration (the candidates come from `ticket` itself:
    // tests/completion.rs)
    for (shell, marker) in [
        ("bash", "_clap_complete_ticket()"),
        ("zsh", "#compdef ticket"),
        ("fish", "complete --keep-order --exclusive --command ticket"),
    ] {
        let run = world.run_global(&["completions", shell]);
        assert_eq!(run.code, 0, "{shell}");
        assert!(run.stdout.contains(marker), "{shell}");
        assert!(run.stdout.contains("COMPLETE="), "{shell}");
    }
    assert_eq!(world.run_global(&["completions", "tcsh"]).code, 2);
}

#[test]
fn help_search_explains_the_language() {
    let world = World::empty();
    let run = world.run_global(&["help", "search"]);
    assert_eq!(run.code, 0, "{run:?}");
    for part in [
        "SEARCH KEYS",
        "SORT RULES",
        "s:*",
        "g=risk",
        "p=deadline:<.:",
        "dh!l",
    ] {
        assert!(run.stdout.contains(part), "{part}: {}", run.stdout);
    }
    insta::assert_snapshot!("help_search", run.stdout);
    // the same text without `help`, and a pointer to it from the commands that take a key
    assert_eq!(world.run_global(&["search"]).stdout, run.stdout);
    for cmd in ["lt", "ltn"] {
        let run = world.run_global(&[cmd, "--help"]);
        assert!(run.stdout.contains("`ticket help search`"), "{cmd}");
    }
    assert!(world
        .run_global(&["--help"])
        .stdout
        .contains("`ticket help search`"));
    // a topic, not a command: not in the list of commands
    assert!(!world.run_global(&["--help"]).stdout.contains("  search "));
}

#[test]
fn manual_pages_come_from_the_command_definition() {
    let world = World::empty();
    let run = world.run_global(&["manpage"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains(".TH ticket 1"), "{}", run.stdout);
    assert!(run.stdout.contains("new_ticket"), "{}", run.stdout);
    let dir = world.tmp.path().join("man");
    std::fs::create_dir(&dir).unwrap();
    let run = world.run_global(&["manpage", dir.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, "");
    for (long, _) in COMMANDS {
        let page = std::fs::read_to_string(dir.join(format!("ticket-{long}.1")))
            .unwrap_or_else(|e| panic!("{long}: {e}"));
        assert!(page.contains(&format!(".TH ticket-{long} 1")), "{long}");
    }
    assert!(dir.join("ticket.1").is_file());
    let run = world.run_global(&["manpage", "no/such/dir"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("no/such/dir"), "{}", run.stderr);
}
