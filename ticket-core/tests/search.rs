//! The search language against a real silo: every example of search.md section 1, sort
//! rules, hostile keys, and the query plans of the typical set (quality.md).
mod common_support;
use common_support::*;

use ticket_core::{Error, Silo};

const CONFIG: &str = r#"{
  "vrules_pkv_values": [{"key": "Priority", "values": ["low", "medium", "high"]}],
  "searches": [
    {"name": "overdue", "search": "s:* p=deadline:<.:"},
    {"name": "loop1", "search": "@loop2"},
    {"name": "loop2", "search": "g=x | @loop1"}
  ]
}"#;

/// Eight tickets with known tags, properties, dates and texts (today is 2024-03-13).
fn fixture(dir: &std::path::Path) -> Silo {
    let silo = silo_with_config(dir, CONFIG);
    let t = |title: &str, summary: &str| silo.new_ticket(title, None, summary).unwrap();
    t("Disk full on the NAS", "restic backup failed"); // 1
    t("Risk register review", ""); // 2
    t("Ship the 2.0 release", ""); // 3
    t("Abandoned idea", ""); // 4
    t("Backups for laptops", "use restic"); // 5
    t("Printer jams", ""); // 6
    t("Estimate the migration", ""); // 7
    t("Old closed ticket", ""); // 8
    silo.add_tag("1", "bug").unwrap();
    silo.add_tag("2", "risk").unwrap();
    silo.add_tag("3", "release").unwrap();
    silo.add_tag("5", "Risky").unwrap();
    silo.add_property("1", "Assigned", "phil").unwrap();
    silo.add_property("2", "Assigned_To", "Phil").unwrap();
    silo.add_property("3", "Reassigned", "anna").unwrap();
    silo.add_property("4", "Assigned", "phil").unwrap();
    silo.add_property("2", "Reported", "2020-03-01").unwrap();
    silo.add_property("3", "Reported", "2019-12-31").unwrap();
    silo.add_property("1", "Scheduled", "2020-09-07").unwrap();
    silo.add_property("2", "Scheduled", "2024-03-13").unwrap();
    silo.add_property("3", "Scheduled", "2020-09-06").unwrap();
    silo.add_property("1", "Deadline", "2024-03-13").unwrap();
    silo.add_property("2", "Deadline", "2024-03-18").unwrap();
    silo.add_property("3", "Deadline", "2024-04-30").unwrap();
    silo.add_property("6", "Deadline", "2024-03-01").unwrap();
    silo.add_property("7", "Estimate", "5").unwrap();
    silo.add_property("6", "Estimate", "2.5").unwrap();
    silo.add_property("3", "Estimate", "many").unwrap();
    silo.add_property("6", "Severity", "high").unwrap();
    silo.add_property("1", "Priority", "high").unwrap();
    silo.add_property("2", "Priority", "low").unwrap();
    silo.add_property("3", "Priority", "medium").unwrap();
    silo.add_entry("6", "the tray is stuck", 0).unwrap();
    silo.set_status("4", "abandoned", None).unwrap();
    silo.set_status("8", "closed", None).unwrap();
    silo.set_status("3", "in_progress", None).unwrap();
    silo
}

fn numbers(silo: &Silo, key: &str, sort: &str) -> Vec<String> {
    silo.numbers(key, sort)
        .unwrap_or_else(|e| panic!("{key:?} {sort:?}: {e}"))
        .into_iter()
        .map(|n| n.to_string())
        .collect()
}

#[test]
fn every_example_of_the_spec_selects_the_right_tickets() {
    let dir = tempfile::tempdir().unwrap();
    let silo = fixture(dir.path());
    let cases: &[(&str, &[&str])] = &[
        ("", &["1", "2", "3", "4", "5", "6", "7", "8"]),
        ("s:*", &["1", "2", "3", "5", "6", "7"]),
        ("s:oa:", &["1", "2", "4", "5", "6", "7"]),
        ("g=risk", &["2"]),
        ("g^ri", &["2", "5"]),
        ("p:assigned:", &["1", "2", "3", "4"]),
        ("p^assigned:", &["1", "2", "4"]),
        ("p^assigned:=phil:", &["1", "2", "4"]),
        ("p^assigned=phil:", &["1", "2", "4"]),
        ("s:oa: p^assigned=phil:", &["1", "2", "4"]),
        ("p:reported:]2020-01-02:", &["2"]),
        ("p=scheduled:]2020-09-07:", &["1", "2"]),
        ("p=scheduled:].:", &["2"]),
        ("p=deadline:=.:", &["1"]),
        (
            "p=last_update:]-2w:",
            &["1", "2", "3", "4", "5", "6", "7", "8"],
        ),
        ("p=deadline:].:[+7d:", &["1", "2"]),
        ("p=estimate:>3:", &["7"]),
        ("!p=deadline:", &["4", "5", "7", "8"]),
        ("g=bug | g=risk", &["1", "2"]),
        ("s:* (g=bug | p=severity:=high:)", &["1", "6"]),
        ("t:\"disk full\"", &["1"]),
        ("x:restic x:backup", &["1"]),
        ("x:\"restic backup\"", &["1"]),
        ("x:back*", &["1", "5"]),
        ("e:tray", &["6"]),
        ("n=2", &["2"]),
        ("n>6", &["7", "8"]),
        ("@overdue", &["6"]),
        ("S:OA: P^ASSIGNED=PHIL", &["1", "2", "4"]),
        ("s=in_progress", &["3"]),
        ("!p=assigned:=phil:", &["2", "3", "5", "6", "7", "8"]),
        ("p=estimate:<3:", &["6"]),
        ("g~\"^r.*y$\"", &["5"]),
        ("p=x::y:", &[]),
    ];
    for (key, want) in cases {
        assert_eq!(numbers(&silo, key, ""), *want, "key {key:?}");
        assert_eq!(silo.count(key).unwrap(), want.len() as u64, "count {key:?}");
    }
}

#[test]
fn sort_rules_order_with_missing_values_last_and_number_as_tie_breaker() {
    let dir = tempfile::tempdir().unwrap();
    let silo = fixture(dir.path());
    assert_eq!(
        numbers(&silo, "", "d"),
        ["6", "1", "2", "3", "4", "5", "7", "8"]
    );
    assert_eq!(
        numbers(&silo, "", "!d"),
        ["3", "2", "1", "6", "4", "5", "7", "8"]
    );
    assert_eq!(numbers(&silo, "p:priority:", "vpriority:"), ["2", "3", "1"]);
    assert_eq!(
        numbers(&silo, "p:priority:", "!vpriority:"),
        ["1", "3", "2"]
    );
    assert_eq!(numbers(&silo, "p=estimate:", "#estimate:"), ["6", "7", "3"]);
    assert_eq!(
        numbers(&silo, "", "!n"),
        ["8", "7", "6", "5", "4", "3", "2", "1"]
    );
    assert_eq!(numbers(&silo, "s:oi", "s"), ["1", "2", "5", "6", "7", "3"]);
    assert_eq!(numbers(&silo, "g~.", "t"), ["5", "1", "2", "3"]);
    assert_eq!(numbers(&silo, "", "h")[..3], ["3", "1", "2"]);
    assert!(matches!(
        silo.numbers("", "vassigned:"),
        Err(Error::Search(_))
    ));
}

#[test]
fn search_errors_are_usage_errors_with_spans() {
    let dir = tempfile::tempdir().unwrap();
    let silo = fixture(dir.path());
    for (key, start) in [
        ("s:ox: g=risk", 3),
        ("@nothing", 0),
        ("@loop1", 0),
        ("p=deadline:>someday:", 12),
        ("g~(", 2),
        ("(g=a", 4),
    ] {
        match silo.count(key) {
            Err(Error::Search(e)) => assert_eq!(e.span().start, start, "{key}: {}", e.render(key)),
            other => panic!("{key}: expected a search error, got {other:?}"),
        }
    }
    let Err(Error::Search(e)) = silo.count("@loop1") else {
        panic!()
    };
    assert!(
        e.message().contains("@loop1 → @loop2 → @loop1"),
        "{}",
        e.message()
    );
}

#[test]
fn hostile_keys_only_ever_match_text() {
    let dir = tempfile::tempdir().unwrap();
    let silo = fixture(dir.path());
    silo.add_tag("7", "'; DROP TABLE tickets; --").unwrap();
    silo.add_property("7", "Note\"", "a\0b").unwrap_err();
    for key in [
        "g=\"'; DROP TABLE tickets; --\"",
        "t:\"' OR 1=1 --\"",
        "p=\"x'); DELETE FROM tags; --\":",
        "x:\"\\\" OR \\\"\"",
        "g=\"\0\"",
        "u:\"%\"",
        "t:_",
    ] {
        let n = silo.count(key).unwrap_or_else(|e| panic!("{key}: {e}"));
        assert!(n <= 1, "{key} matched {n}");
    }
    assert_eq!(numbers(&silo, "g=\"'; DROP TABLE tickets; --\"", ""), ["7"]);
    assert_eq!(silo.count("").unwrap(), 8, "nothing was dropped");
}

/// The plan of each typical search: indexes drive the subqueries; no table is scanned in
/// full for every ticket.
#[test]
fn query_plans_of_the_typical_set_use_the_indexes() {
    // SQLite's plans (`EXPLAIN QUERY PLAN` on the silo's file)
    sqlite_only!();
    let dir = tempfile::tempdir().unwrap();
    let silo = fixture(dir.path());
    for (key, sort, wanted) in [
        ("s:*", "", "COVERING INDEX tickets_number_order"),
        ("s:* g=bug", "", "tags_lc"),
        ("p^assigned=phil:", "", "properties_kv"),
        ("p=deadline:].:[+30d:", "d", "properties_date"),
        (
            "s:* (g=a | g=b) !p=priority:=low:",
            "!vpriority:d",
            "tags_lc",
        ),
        ("p=last_update:]-2w:", "", ""),
        ("s:* p=estimate:>3:", "", "properties_num"),
        ("x:restic", "", "ticket_fts"),
    ] {
        let plan = query_plan(&silo, key, sort);
        let text = plan.join("\n");
        assert!(text.contains(wanted), "{key}: plan lacks {wanted}:\n{text}");
        for line in &plan {
            let scans_side_table = line.starts_with("SCAN")
                && (line.contains("tags")
                    || line.contains("properties")
                    || line.contains("entries"));
            assert!(!scans_side_table, "{key}: full scan in plan:\n{text}");
        }
    }
}

/// Exact tags joined by `|` become one subquery over a list of tags (one index range per
/// tag, no merge of row-id sets): the same tickets as each tag's own search together, in the
/// same order, whatever else the chain holds.
#[test]
fn exact_tags_in_one_or_chain_are_one_list() {
    let dir = tempfile::tempdir().unwrap();
    let silo = fixture(dir.path());
    let numbers = |key: &str| -> Vec<String> {
        silo.numbers(key, "")
            .unwrap()
            .into_iter()
            .map(|n| n.to_string())
            .collect()
    };
    let union = |keys: &[&str]| -> Vec<String> {
        let mut all: Vec<String> = keys.iter().flat_map(|k| numbers(k)).collect();
        all.sort_by_key(|n| n.parse::<u64>().unwrap());
        all.dedup();
        all
    };
    for (key, parts) in [
        ("g=bug | g=RISK", vec!["g=bug", "g=risk"]),
        ("g=bug | g=risk | g=nothing", vec!["g=bug", "g=risk"]),
        (
            "g=bug | t:printer | g=Risky",
            vec!["g=bug", "t:printer", "g=risky"],
        ),
        (
            "(g=bug | g^ris) | g=release",
            vec!["g=bug", "g^ris", "g=release"],
        ),
        (
            "g=bug | (g=risk g=release) | g=risky",
            vec!["g=bug", "g=risky"],
        ),
    ] {
        assert_eq!(numbers(key), union(&parts), "{key}");
        assert!(!numbers(key).is_empty(), "{key}");
    }
    assert!(!numbers("!(g=bug | g=risk) s:*").contains(&"1".to_string()));
    let e = silo.explain("g=bug | g=risk | t:printer", "").unwrap();
    assert_eq!(e.sql.matches("FROM tags").count(), 1, "{}", e.sql);
    if !on_postgres() {
        let plan = query_plan(
            &silo,
            "s:* (g=bug | g=risk) !p=priority:=low:",
            "!vpriority:d",
        )
        .join("\n");
        assert!(!plan.contains("MULTI-INDEX OR"), "{plan}");
        assert!(plan.contains("tags_lc"), "{plan}");
    }
}

#[test]
fn explain_describes_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let silo = fixture(dir.path());
    let e = silo.explain("s:* g=bug", "!l").unwrap();
    assert!(
        e.words.contains("any active status")
            && e.words.contains("\"bug\"")
            && e.words.contains("last update (descending)"),
        "{}",
        e.words
    );
    assert!(e.canonical.starts_with("s:*: g=bug:"));
    // the silo's own dialect: SQLite's parameters are `?1`, PostgreSQL's `$1`
    let first = if on_postgres() { "$1" } else { "?1" };
    assert!(
        e.sql.starts_with("SELECT") && e.sql.contains(first),
        "{}",
        e.sql
    );
}

#[test]
fn lists_and_pages() {
    let dir = tempfile::tempdir().unwrap();
    let silo = fixture(dir.path());
    let tags = silo.list_tags("").unwrap();
    assert_eq!(
        tags,
        vec![
            ("bug".to_string(), 1),
            ("release".into(), 1),
            ("risk".into(), 1),
            ("Risky".into(), 1)
        ]
    );
    let keys = silo.list_property_keys("g=bug").unwrap();
    assert!(keys.contains(&("Assigned".to_string(), 1)));
    assert_eq!(
        silo.list_property_values("", "assigned").unwrap(),
        vec![("phil".to_string(), 2)]
    );
    let page: Vec<String> = silo
        .search_page("", "n", Some(3), 2)
        .unwrap()
        .into_iter()
        .map(|t| t.number.to_string())
        .collect();
    assert_eq!(page, ["3", "4", "5"]);
    let mut all = Vec::new();
    silo.for_each_ticket("", "!n", |t| {
        all.push(t.number.to_string());
        Ok(())
    })
    .unwrap();
    assert_eq!(all.len(), 8);
    let rows = silo.search("n=1", "").unwrap();
    assert_eq!(rows[0].tags, vec!["bug"]);
    assert_eq!(rows[0].get("assigned"), vec!["phil"]);
}
