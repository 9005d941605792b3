//! `clone`, `sync`, `bundle`, `undo` and `log` from the command line: the "two laptops" walk.
mod common;
use common::World;

#[test]
fn two_laptops_clone_change_offline_sync_and_undo() {
    let world = World::new();
    world.new_ticket("Backups fail");
    let laptop = world.tmp.path().join("laptop");
    let laptop_s = laptop.to_str().unwrap();
    let silo_s = world.silo.to_str().unwrap();
    let run = world.run_global(&["clone", silo_s, laptop_s]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("cloned"), "{run:?}");
    assert!(run.stdout.contains("(1 ticket; replica "), "{run:?}");
    // both create ticket 2 offline, and the laptop tags ticket 1
    world.new_ticket("Desk ticket");
    let on_laptop = |args: &[&str]| {
        let mut cmd = world.command();
        cmd.arg("--silo").arg(&laptop).args(args);
        common::output(cmd)
    };
    assert_eq!(
        on_laptop(&["quiet", "nt", "Laptop ticket"]).stdout.trim(),
        "2"
    );
    assert_eq!(on_laptop(&["ag", "1", "offline"]).code, 0);
    let dry = world.run(&["sync", laptop_s, "--dry-run"]);
    assert_eq!(dry.code, 0, "{dry:?}");
    assert!(dry.stdout.contains("would move 2 change set(s)"), "{dry:?}");
    let sync = world.run(&["sync", laptop_s]);
    assert_eq!(sync.code, 0, "{sync:?}");
    assert!(
        sync.stdout.contains("ticket 2 from") && sync.stdout.contains("is now 3"),
        "{sync:?}"
    );
    // the renumbered ticket's history says why its create names 2
    let history = world.ok(&["dt", "3", "--history"]);
    assert!(
        history.contains("created ticket 2")
            && history
                .contains("repaired: number 2 was taken earlier in the log's order: this one is 3"),
        "{history}"
    );
    let again = world.run(&["--format", "json", "sync", laptop_s]);
    let report: serde_json::Value = serde_json::from_str(&again.stdout).unwrap();
    assert_eq!(report["pulled"]["records"], 0);
    assert_eq!(report["pushed"]["records"], 0);
    assert_eq!(
        world.ok(&["export", "full"]),
        on_laptop(&["export", "full"]).stdout
    );

    // the timeline and undo
    let log = world.ok(&["log", "--limit", "3"]);
    assert!(log.contains("added tag offline"), "{log}");
    world.ok(&["ag", "1", "mistake"]);
    let undo = world.run(&["undo"]);
    assert_eq!(undo.code, 0, "{undo:?}");
    assert!(undo.stdout.starts_with("undid change set"), "{undo:?}");
    assert!(!world.ok(&["dt", "1"]).contains("mistake"));
    assert!(world.ok(&["log", "--limit", "2"]).contains("(undone)"));
    // a configuration set is a change set of its own, said in words
    std::fs::write(world.tmp.path().join("rules.json"), "{}").unwrap();
    world.ok(&["config", "--set", "rules.json"]);
    let log = world.ok(&["log", "--limit", "1"]);
    assert!(log.ends_with("  changed the configuration\n"), "{log}");
    let refused = world.run(&["undo", "0000000000000001aaaaaaaaaaaaaaaa"]);
    assert_eq!(refused.code, 1, "{refused:?}");

    // a bundle for a copy that never meets the others
    let usb = world.tmp.path().join("usb.bundle");
    world.ok(&["ag", "1", "via-usb"]);
    let made = world.run(&[
        "bundle",
        "create",
        usb.to_str().unwrap(),
        "--since",
        laptop_s,
    ]);
    assert_eq!(made.code, 0, "{made:?}");
    // what the laptop lacks: the mistake, its undo and the new tag
    assert!(made.stdout.contains("wrote 3 change set(s)"), "{made:?}");
    // a bundle given to `sync` says how bundles are applied
    let wrong = world.run(&["sync", usb.to_str().unwrap()]);
    assert_eq!(wrong.code, 2, "{wrong:?}");
    assert!(
        wrong.stderr.contains("is a file, not a silo") && wrong.stderr.contains("bundle apply"),
        "{wrong:?}"
    );
    assert_eq!(
        on_laptop(&["bundle", "apply", usb.to_str().unwrap()]).code,
        0
    );
    assert!(on_laptop(&["dt", "1"]).stdout.contains("via-usb"));
    // the next bundle since that one: what is not in it (that bundle was itself made since
    // the laptop, so this one carries the laptop's older sets again: the laptop adds only
    // the new one)
    world.ok(&["ag", "1", "second-usb"]);
    let usb2 = world.tmp.path().join("usb2.bundle");
    let made = world.run(&[
        "bundle",
        "create",
        usb2.to_str().unwrap(),
        "--since",
        usb.to_str().unwrap(),
    ]);
    assert_eq!(made.code, 0, "{made:?}");
    assert!(!made.stdout.contains("wrote 0 change set(s)"), "{made:?}");
    let applied = on_laptop(&["bundle", "apply", usb2.to_str().unwrap()]);
    assert!(
        applied.stdout.contains("moved 1 change set(s)"),
        "{applied:?}"
    );
    assert!(on_laptop(&["dt", "1"]).stdout.contains("second-usb"));
    // a file that is not a bundle says so and writes nothing
    let bad = world.run(&[
        "bundle",
        "create",
        world.tmp.path().join("usb3.bundle").to_str().unwrap(),
        "--since",
        world.tmp.path().join("rules.json").to_str().unwrap(),
    ]);
    assert_eq!(bad.code, 1, "{bad:?}");
    assert!(bad.stderr.contains("not a bundle"), "{bad:?}");
    assert!(!world.tmp.path().join("usb3.bundle").exists());
    // peers this version cannot reach say so
    let http = world.run(&["sync", "http://example.invalid/"]);
    assert_eq!(http.code, 2, "{http:?}");
}

/// sync.md 2: a repair is in the history at the record that caused it. The desk merges 1
/// into 2, the laptop (one change set more, so its merge replays last) merges 2 into 3: the
/// chain is followed to 3, and `dt 2 --history` shows the repair under 2's `Closed_Via`.
#[test]
fn history_shows_a_repair() {
    let world = World::new();
    for t in ["one", "two", "three"] {
        world.new_ticket(t);
    }
    let laptop = world.tmp.path().join("laptop");
    let laptop_s = laptop.to_str().unwrap();
    let silo_s = world.silo.to_str().unwrap();
    assert_eq!(world.run_global(&["clone", silo_s, laptop_s]).code, 0);
    let on_laptop = |args: &[&str]| {
        let mut cmd = world.command();
        cmd.arg("--silo").arg(&laptop).args(args);
        common::output(cmd)
    };
    world.ok(&["ss", "1", "merged", "2"]);
    assert_eq!(on_laptop(&["ag", "3", "filler"]).code, 0);
    assert_eq!(on_laptop(&["ss", "2", "merged", "3"]).code, 0);
    let sync = world.run(&["sync", laptop_s]);
    assert_eq!(sync.code, 0, "{sync:?}");
    assert!(
        sync.stdout
            .contains("repaired (pulled): 2 Closed_Via 3: 1, merged into 2, now points at 3 too"),
        "{sync:?}"
    );
    insta::assert_snapshot!(world.show(&["dt", "2", "--history"]));
    let json: serde_json::Value =
        serde_json::from_str(&world.ok(&["--format", "json", "dt", "2", "--history"])).unwrap();
    let repairs: Vec<&serde_json::Value> = json
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| !c["repair"].is_null())
        .collect();
    assert_eq!(repairs.len(), 1, "{json}");
    assert_eq!(repairs[0]["what"], "added property Closed_Via = 3");
    // the laptop replayed the same and shows the same
    assert_eq!(
        on_laptop(&["dt", "2", "--history"]).stdout,
        world.ok(&["dt", "2", "--history"])
    );
}
