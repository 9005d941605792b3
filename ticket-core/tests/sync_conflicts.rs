//! What a sync says about the state two copies made apart (sync.md 2): single-valued fields
//! both changed (the later in replay order stands, both copies alike, and the report lists the
//! conflict) and validation rules the merged state breaks (listed, not refused).
mod common_support;
use common_support::*;

use ticket_core::{Direction, Silo};

#[test]
fn a_field_both_copies_changed_is_a_listed_conflict_settled_alike() {
    let dir = tempfile::tempdir().unwrap();
    let a = new_silo(dir.path());
    a.new_ticket("Backups fail", None, "").unwrap();
    a.new_ticket("Printer jams", None, "").unwrap();
    let b = Silo::clone_silo(a.address(), &dir.path().join("b"), ctx_at(NOW)).unwrap();
    a.set_title("1", "Backups fail nightly").unwrap();
    b.set_title("1", "Backups fail on Mondays").unwrap();
    // the same value written on both sides, and a field only one side changed: no conflict
    a.set_title("2", "Printer jams daily").unwrap();
    b.set_title("2", "Printer jams daily").unwrap();
    b.set_status("2", "Closed", None).unwrap();

    let dry = a.sync(&b, Direction::Pull, true).unwrap();
    assert_eq!(dry.conflicts.len(), 1, "{dry}");
    assert_eq!(a.get("1").unwrap().title, "Backups fail nightly");

    let report = a.sync(&b, Direction::Both, false).unwrap();
    assert_eq!(report.conflicts.len(), 1, "{report}");
    let c = &report.conflicts[0];
    assert_eq!((c.ticket.as_str(), c.field.as_str()), ("1", "title"));
    assert_eq!(c.mine, "Backups fail nightly");
    assert_eq!(c.theirs, "Backups fail on Mondays");
    // the value that stands is the later write in replay order, on both copies
    for s in [&a, &b] {
        assert_eq!(s.get("1").unwrap().title, c.kept);
        assert_eq!(s.get("2").unwrap().status.to_string(), "Closed");
    }
    assert!(report.to_string().contains(&format!(
        "conflict: ticket 1 title: this copy wrote \"Backups fail nightly\", the peer wrote \"Backups fail on Mondays\"; {:?} stands",
        c.kept
    )));
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["conflicts"][0]["field"], "title");
    // both stay in the history
    let history: Vec<String> = a
        .history("1")
        .unwrap()
        .iter()
        .filter_map(|h| h.new_value.clone())
        .collect();
    let both = history.join("\n");
    assert!(
        both.contains("nightly") && both.contains("Mondays"),
        "{both}"
    );
    // settled: nothing more to say on the next sync
    let again = a.sync(&b, Direction::Both, false).unwrap();
    assert!(again.conflicts.is_empty(), "{again}");
}

#[test]
fn validation_rules_a_merged_state_breaks_are_listed_not_refused() {
    let dir = tempfile::tempdir().unwrap();
    let a = new_silo(dir.path());
    a.set_config(r#"{"vrules_pk_required": [{"selector": "g=risk", "key": "Owner"}]}"#)
        .unwrap();
    a.new_ticket("Rotate the keys", None, "").unwrap();
    a.add_property("1", "Owner", "ann").unwrap();
    let b = Silo::clone_silo(a.address(), &dir.path().join("b"), ctx_at(NOW)).unwrap();
    // each change is valid where it is made: a tags it (it has an owner), b drops the owner
    // (it has no risk tag there)
    a.add_tag("1", "risk").unwrap();
    b.remove_property_kv("1", "Owner", "ann").unwrap();

    let report = a.sync(&b, Direction::Both, false).unwrap();
    assert_eq!(report.pulled.records, 1, "{report}");
    assert_eq!(report.violations.len(), 1, "{report}");
    assert!(report.violations[0].starts_with("ticket 1:"), "{report}");
    assert!(
        report
            .to_string()
            .contains("breaks a validation rule: ticket 1:"),
        "{report}"
    );
    // the merged state is kept as it is, and `check` lists it too
    let t = a.get("1").unwrap();
    assert_eq!(t.tags, vec!["risk"]);
    assert!(t.get("Owner").is_empty());
    assert_eq!(a.check().unwrap().len(), 1);
    assert_eq!(
        a.export_string(ticket_core::ExportFormat::Full, "", "")
            .unwrap(),
        b.export_string(ticket_core::ExportFormat::Full, "", "")
            .unwrap()
    );
}
