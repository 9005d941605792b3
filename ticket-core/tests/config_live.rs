//! A handle that lives long (a web server's, a Python script's) applies the configuration
//! another handle or process set, from its next read or write on (`config_watch.rs`); a
//! configuration file broken by hand is the next call's error until it is mended. Runs on
//! both backends (`TICKET_TEST_BACKEND`).
mod common_support;
use common_support::*;

use ticket_core::{Error, Silo};

/// A team silo's handle asks whether the configuration changed at most once a second.
fn until_the_next_look() {
    if on_postgres() {
        std::thread::sleep(std::time::Duration::from_millis(1100));
    }
}

const RULES: &str = r#"{
  "vrules_pk_required": [{"selector": "g=risk", "key": "Owner"}],
  "searches": [{"name": "risks", "search": "g=risk", "sort": "n"}]
}"#;

#[test]
fn a_long_lived_handle_applies_the_rules_another_handle_set() {
    let dir = tempfile::tempdir().unwrap();
    let address = silo_address(dir.path(), "s");
    let server = Silo::create(&address, ctx_at(NOW)).unwrap();
    let n = server.new_ticket("Flood", None, "").unwrap();
    assert!(server.saved_searches().is_empty());
    let admin = Silo::open(&address, ctx_at(NOW)).unwrap();
    admin.set_config(RULES).unwrap();
    until_the_next_look();
    // the next read sees the saved search, the next write the rule
    assert_eq!(server.count("").unwrap(), 1);
    assert_eq!(server.saved_searches().len(), 1);
    let err = server.add_tag(n.as_str(), "risk").err().unwrap();
    assert!(matches!(err, Error::Validation { .. }), "{err}");
    assert!(server.get(n.as_str()).unwrap().tags.is_empty());
    assert_eq!(server.config().vrules_pk_required.len(), 1);
    // and the rules taken back again
    admin.set_config("{}").unwrap();
    until_the_next_look();
    server.add_tag(n.as_str(), "risk").unwrap();
    assert!(server.saved_searches().is_empty());
}

#[test]
fn a_configuration_file_broken_by_hand_is_the_next_calls_error_until_it_is_mended() {
    sqlite_only!();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s");
    let silo = Silo::create(&path, ctx_at(NOW)).unwrap();
    let n = silo.new_ticket("Flood", None, "").unwrap();
    std::fs::write(path.join("silo.json"), "{ broken").unwrap();
    // what opening the silo anew says, for reads and writes alike; nothing is written
    let fresh = Silo::open(&path, ctx_at(NOW)).err().unwrap().to_string();
    let read = silo.get(n.as_str()).err().unwrap();
    assert!(matches!(read, Error::Config(_)), "{read}");
    assert_eq!(read.to_string(), fresh);
    let write = silo.add_tag(n.as_str(), "risk").err().unwrap();
    assert!(matches!(write, Error::Config(_)), "{write}");
    // the handle keeps what it had until the file parses again
    assert!(silo.config().vrules_pk_required.is_empty());
    std::fs::write(path.join("silo.json"), RULES).unwrap();
    let err = silo.add_tag(n.as_str(), "risk").err().unwrap();
    assert!(matches!(err, Error::Validation { .. }), "{err}");
    assert_eq!(silo.get(n.as_str()).unwrap().tags, Vec::<String>::new());
    assert_eq!(silo.saved_searches().len(), 1);
}
