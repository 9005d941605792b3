//! The user's silo list: path resolution, editing, atomic saving, choice of the silo to use.

use std::path::{Path, PathBuf};

use ticket_core::{AddOutcome, Env, Registry, RegistryError, Removed, SiloListing, SiloSource};

/// A temporary home with a configuration path and silo directories.
struct World {
    tmp: tempfile::TempDir,
    env: Env,
}

impl World {
    fn new() -> World {
        let tmp = tempfile::tempdir().unwrap();
        let env = Env {
            ticket_config: Some(tmp.path().join("cfg").join("config.json")),
            current_dir: Some(tmp.path().to_path_buf()),
            ..Env::default()
        };
        World { tmp, env }
    }

    /// Makes a directory that looks like a silo (holds silo.json).
    fn silo(&self, name: &str) -> PathBuf {
        let dir = self.tmp.path().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("silo.json"), "{}").unwrap();
        dir.canonicalize().unwrap()
    }

    fn registry(&self) -> Registry {
        Registry::load(&Registry::config_path(&self.env).unwrap()).unwrap()
    }
}

#[test]
fn config_path_prefers_ticket_config_then_xdg_then_home() {
    let mut env = Env {
        ticket_config: Some("/a/t.json".into()),
        xdg_config_home: Some("/x".into()),
        home: Some("/h".into()),
        ..Env::default()
    };
    assert_eq!(Registry::config_path(&env).unwrap(), Path::new("/a/t.json"));
    env.ticket_config = None;
    assert_eq!(
        Registry::config_path(&env).unwrap(),
        Path::new("/x/ticket/config.json")
    );
    env.xdg_config_home = None;
    assert_eq!(
        Registry::config_path(&env).unwrap(),
        Path::new("/h/.config/ticket/config.json")
    );
    env.home = None;
    assert!(matches!(
        Registry::config_path(&env),
        Err(RegistryError::NoConfigPath)
    ));
}

#[test]
fn relative_ticket_config_is_made_absolute() {
    let env = Env {
        ticket_config: Some("conf/t.json".into()),
        current_dir: Some("/work/here".into()),
        ..Env::default()
    };
    assert_eq!(
        Registry::config_path(&env).unwrap(),
        Path::new("/work/here/conf/t.json")
    );
}

#[test]
fn missing_file_is_an_empty_list() {
    let w = World::new();
    let r = w.registry();
    assert!(r.silos().is_empty());
    assert_eq!(r.active(), None);
    assert!(r.show_silos().is_empty());
}

#[test]
fn round_trip_add_activate_remove() {
    let w = World::new();
    let a = w.silo("a");
    let b = w.silo("b");

    let mut r = w.registry();
    assert_eq!(
        r.add_silo(&a, &w.env).unwrap(),
        AddOutcome::Added(a.clone())
    );
    // Relative to the current directory, with a detour: the same silo.
    assert_eq!(
        r.add_silo(Path::new("b/../b"), &w.env).unwrap(),
        AddOutcome::Added(b.clone())
    );
    assert_eq!(
        r.set_active_silo(Path::new("a"), &w.env).unwrap(),
        AddOutcome::AlreadyListed(a.clone())
    );
    r.save().unwrap();

    let mut r = w.registry();
    assert_eq!(r.silos(), [a.clone(), b.clone()]);
    assert_eq!(
        r.show_silos(),
        [
            SiloListing {
                path: a.clone(),
                active: true
            },
            SiloListing {
                path: b.clone(),
                active: false
            }
        ]
    );

    // Removing the active silo clears the active one.
    assert_eq!(
        r.remove_silo(&a, &w.env).unwrap(),
        Removed {
            path: a.clone(),
            was_active: true
        }
    );
    r.save().unwrap();
    let r = w.registry();
    assert_eq!(r.silos(), std::slice::from_ref(&b));
    assert_eq!(r.active(), None);

    // The file on disk is the documented format, with absolute paths.
    let text = std::fs::read_to_string(r.path()).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["silos"][0].as_str().unwrap(), b.to_str().unwrap());
    assert!(json["active"].is_null());
}

#[test]
fn adding_twice_is_a_no_op_that_says_so() {
    let w = World::new();
    let a = w.silo("a");
    let mut r = w.registry();
    r.add_silo(&a, &w.env).unwrap();
    let before = r.clone();
    assert_eq!(
        r.add_silo(&w.tmp.path().join("a/."), &w.env).unwrap(),
        AddOutcome::AlreadyListed(a)
    );
    assert_eq!(r, before);
}

#[cfg(unix)]
#[test]
fn a_silo_reached_through_a_symlink_is_listed_once() {
    let w = World::new();
    let a = w.silo("a");
    std::os::unix::fs::symlink(&a, w.tmp.path().join("link")).unwrap();
    let mut r = w.registry();
    r.add_silo(&a, &w.env).unwrap();
    assert_eq!(
        r.add_silo(Path::new("link"), &w.env).unwrap(),
        AddOutcome::AlreadyListed(a)
    );
}

#[test]
fn set_active_adds_an_unlisted_silo() {
    let w = World::new();
    let a = w.silo("a");
    let mut r = w.registry();
    assert_eq!(
        r.set_active_silo(&a, &w.env).unwrap(),
        AddOutcome::Added(a.clone())
    );
    assert_eq!(r.active(), Some(a.as_path()));
}

#[test]
fn only_silos_can_be_added() {
    let w = World::new();
    let plain = w.tmp.path().join("plain");
    std::fs::create_dir(&plain).unwrap();
    let mut r = w.registry();
    let e = r.add_silo(&plain, &w.env).unwrap_err();
    assert!(matches!(e, RegistryError::NotASilo { .. }), "{e:?}");
    assert!(
        e.to_string()
            .ends_with("plain is not a silo (no silo.json in it)"),
        "{e}"
    );
    let e = r.add_silo(Path::new("missing"), &w.env).unwrap_err();
    assert!(matches!(e, RegistryError::Io { .. }), "{e:?}");
    assert!(r.silos().is_empty());
}

#[test]
fn removing_an_unlisted_silo_is_an_error() {
    let w = World::new();
    let a = w.silo("a");
    let mut r = w.registry();
    let e = r.remove_silo(&a, &w.env).unwrap_err();
    assert!(matches!(e, RegistryError::NotListed { .. }), "{e:?}");
}

#[test]
fn a_deleted_silo_can_still_be_removed() {
    let w = World::new();
    let a = w.silo("a");
    let mut r = w.registry();
    r.add_silo(&a, &w.env).unwrap();
    std::fs::remove_dir_all(&a).unwrap();
    let removed = r.remove_silo(&a, &w.env).unwrap();
    assert_eq!(removed.path, a);
    assert!(r.silos().is_empty());
}

#[test]
fn a_broken_list_is_an_error_not_overwritten() {
    let w = World::new();
    let path = Registry::config_path(&w.env).unwrap();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    for (text, json_path) in [
        (r#"{"silos": ["/a"], "actve": null}"#, "actve"),
        (r#"{"silos": [5]}"#, "silos[0]"),
        ("[]", "(top level)"),
        ("{", "(top level)"),
    ] {
        std::fs::write(&path, text).unwrap();
        match Registry::load(&path) {
            Err(RegistryError::Format { json_path: p, .. }) => assert_eq!(p, json_path, "{text}"),
            other => panic!("{text}: expected a format error, got {other:?}"),
        }
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    }
}

#[test]
fn save_leaves_no_temporary_file_behind() {
    let w = World::new();
    let a = w.silo("a");
    let mut r = w.registry();
    r.add_silo(&a, &w.env).unwrap();
    r.save().unwrap();
    r.save().unwrap();
    let dir = r.path().parent().unwrap();
    let names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["config.json"]);
}

/// The list may hold a team silo's address with its password: only its owner reads it, also
/// when an older, world-readable file was there before.
#[cfg(unix)]
#[test]
fn the_silo_list_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let w = World::new();
    let a = w.silo("a");
    let mut r = w.registry();
    r.add_silo(&a, &w.env).unwrap();
    std::fs::create_dir_all(r.path().parent().unwrap()).unwrap();
    std::fs::write(r.path(), "{}").unwrap();
    std::fs::set_permissions(r.path(), std::fs::Permissions::from_mode(0o644)).unwrap();
    r.save().unwrap();
    let mode = std::fs::metadata(r.path()).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "{mode:o}");
}

#[test]
fn silo_resolution_order() {
    let w = World::new();
    let a = w.silo("a");
    let mut r = w.registry();
    r.set_active_silo(&a, &w.env).unwrap();
    let mut env = w.env.clone();
    env.ticket_silo = Some("/from/env".into());

    assert_eq!(
        Registry::resolve_silo(Some(Path::new("opt")), &env, &r).unwrap(),
        (w.tmp.path().join("opt"), SiloSource::Option)
    );
    assert_eq!(
        Registry::resolve_silo(None, &env, &r).unwrap(),
        (PathBuf::from("/from/env"), SiloSource::Environment)
    );
    env.ticket_silo = None;
    assert_eq!(
        Registry::resolve_silo(None, &env, &r).unwrap(),
        (a.clone(), SiloSource::Active)
    );
    r.remove_silo(&a, &env).unwrap();
    let e = Registry::resolve_silo(None, &env, &r).unwrap_err();
    assert!(matches!(e, RegistryError::NoSiloSelected));
    insta::assert_snapshot!(e.to_string(), @"no silo selected: give --silo DIR, set TICKET_SILO, or choose an active silo with set_active_silo");
}
