//! `ticket demo`: a deterministic silo of a few hundred tickets and a tour.

mod common;

use common::World;

#[test]
fn demo_fills_a_silo_and_tours_it_deterministically() {
    let world = World::empty();
    let run = world.run_global(&["demo", "one"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("Created a demo silo with"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.matches("$ ticket lt").count() >= 8,
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("$ ticket dt"), "{}", run.stdout);
    assert!(
        run.stdout.contains("cost EUR"),
        "time and cost of a client ticket: {}",
        run.stdout
    );
    let count = |dir: &str, key: &str| -> u64 {
        let mut cmd = world.command();
        cmd.args(["--silo", dir, "ct", key]);
        common::output(cmd).stdout.trim().parse().unwrap()
    };
    let total = count("one", "");
    assert!((250..=400).contains(&total), "{total}");
    for key in [
        "g=risk",
        "g=billable",
        "g=homelab",
        "g=bug",
        "p=client:=globex:",
        "p=deadline_warning:",
    ] {
        assert!(count("one", key) > 5, "{key}");
    }
    // the risk rule and its validation: every risk has an Owner
    assert_eq!(count("one", "g=risk !p=owner:"), 0);
    // repeating reviews: closed risks were reopened with an entry
    assert!(count("one", "g=risk e:reopened") > 0);
    // same seed, same clock: the same silo again
    let again = world.run_global(&["quiet", "demo", "two"]);
    assert_eq!(again.code, 0, "{again:?}");
    assert_eq!(
        again.stdout.trim_end(),
        world
            .tmp
            .path()
            .join("two")
            .canonicalize()
            .unwrap()
            .display()
            .to_string()
    );
    let listing = |dir: &str| {
        let mut cmd = world.command();
        cmd.args(["--silo", dir, "--format", "csv", "lt", "", "n"]);
        let csv = common::output(cmd).stdout;
        // the uuid and the timestamps' microseconds may differ; titles, statuses, tags and
        // properties may not
        csv.lines()
            .map(|l| {
                let mut f: Vec<&str> = l.split(',').collect();
                f.remove(1);
                f.join(",")
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(listing("one"), listing("two"));
    // the silo passes its own validation rules
    let mut cmd = world.command();
    cmd.args(["--silo", "one", "check"]);
    assert_eq!(common::output(cmd).code, 0);
}

#[test]
fn demo_refuses_a_used_directory() {
    let world = World::new();
    let run = world.run_global(&["demo", "silo"]);
    assert_eq!(run.code, 1, "{run:?}");
}

/// The demo built with the real clock (no `TICKET_NOW`): every ticket's history starts with
/// its creation, `rebuild` succeeds and changes nothing, and its full export imports into an
/// empty silo and exports identically (sync.md 1).
#[test]
fn the_demo_with_the_real_clock_rebuilds_and_round_trips() {
    let world = World::empty();
    let real = |args: &[&str]| {
        let mut cmd = world.command();
        cmd.env_remove("TICKET_NOW").args(args);
        let run = common::output(cmd);
        assert_eq!(run.code, 0, "ticket {args:?}: {run:?}");
        run.stdout
    };
    real(&["quiet", "demo", "real"]);
    let numbers = real(&["--silo", "real", "ltn"]);
    for n in numbers.lines() {
        let history: serde_json::Value = serde_json::from_str(&real(&[
            "--silo",
            "real",
            "--format",
            "json",
            "dt",
            n,
            "--history",
        ]))
        .unwrap();
        let ops: Vec<&str> = history
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["op"].as_str().unwrap())
            .collect();
        assert_eq!(ops[0], "create", "ticket {n}: {ops:?}");
        assert!(!ops[1..].contains(&"create"), "ticket {n}: {ops:?}");
    }
    let before = real(&["--silo", "real", "export", "full"]);
    real(&["--silo", "real", "rebuild"]);
    assert_eq!(real(&["--silo", "real", "export", "full"]), before);
    let file = world.tmp.path().join("demo.json");
    std::fs::write(&file, &before).unwrap();
    real(&["create_silo", "copy"]);
    real(&["--silo", "copy", "import", "json", file.to_str().unwrap()]);
    assert_eq!(real(&["--silo", "copy", "export", "full"]), before);
}
