//! The silo commands and the user's silo list in `TICKET_CONFIG`.

mod common;

use common::{settings, World};

#[test]
fn create_add_activate_show_remove() {
    let world = World::new();
    // create_silo listed the silo and made it active: commands work without --silo.
    let run = world.run_global(&["ct"]);
    assert_eq!((run.code, run.stdout.as_str()), (0, "0\n"), "{run:?}");
    assert_eq!(world.run_global(&["create_silo", "second"]).code, 0);
    assert_eq!(world.run_global(&["create_silo", "third"]).code, 0);
    assert_eq!(world.run_global(&["rs", "third"]).code, 0);
    settings(&world).bind(|| {
        insta::assert_snapshot!("ds_after_create", world.run_global(&["ds"]).stdout);
    });
    assert_eq!(world.run_global(&["sas", "second"]).code, 0);
    let shown = world.run_global(&["show-silos"]).stdout;
    let active: Vec<&str> = shown.lines().filter(|l| l.starts_with('*')).collect();
    assert_eq!(active.len(), 1);
    assert!(active[0].ends_with("second"), "{shown}");
    // the third silo was removed from the list, but its files stay
    assert!(world.tmp.path().join("third/silo.json").is_file());
    assert_eq!(world.run_global(&["as", "third"]).code, 0);
    assert_eq!(world.run_global(&["quiet", "ds"]).stdout.lines().count(), 3);
    assert!(world
        .run_global(&["ds"])
        .stdout
        .ends_with("\n3 silos; * marks the active one\n"));
    let json: serde_json::Value =
        serde_json::from_str(&world.run_global(&["--format", "json", "ds"]).stdout).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 3);
    // the list lives in TICKET_CONFIG, nowhere else under HOME
    assert!(world.config_file().is_file());
    assert!(!world.tmp.path().join("home/.config").exists());
}

#[test]
fn silo_list_errors_exit_1() {
    let world = World::new();
    std::fs::create_dir(world.tmp.path().join("plain")).unwrap();
    for args in [
        ["as", "plain"],
        ["rs", "plain"],
        ["create_silo", "silo"],
        ["as", "missing"],
    ] {
        let run = world.run_global(&args);
        assert_eq!(run.code, 1, "{args:?}: {run:?}");
        assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
    }
}

#[test]
fn ticket_silo_environment_is_used() {
    let world = World::new();
    world.run_global(&["create_silo", "other"]);
    let mut cmd = world.command();
    cmd.env("TICKET_SILO", world.tmp.path().join("other"))
        .args(["quiet", "nt", "in other"]);
    assert_eq!(common::output(cmd).stdout, "1\n");
    // the active silo (the first one) is untouched
    assert_eq!(world.run_global(&["ct"]).stdout, "0\n");
}

#[test]
fn an_empty_list_says_so_and_set_active_silo_confirms() {
    let world = World::empty();
    let run = world.run_global(&["ds"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.starts_with("no silos listed"), "{run:?}");
    assert_eq!(world.run_global(&["quiet", "ds"]).stdout, "");
    assert_eq!(world.run_global(&["create_silo", "one"]).code, 0);
    assert_eq!(world.run_global(&["create_silo", "two"]).code, 0);
    let run = world.run_global(&["sas", "two"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.starts_with("the active silo is now ") && run.stdout.ends_with("two\n"),
        "{run:?}"
    );
    assert_eq!(run.stdout.lines().count(), 1);
    assert_eq!(world.run_global(&["quiet", "sas", "one"]).stdout, "");
}
