//! The lookups, styling and suggestion helpers of `SiloConfig`.

use std::path::Path;

use ticket_core::{Colours, SiloConfig, Suggestions, UnknownRule, BUILTIN_UNIQUE_KEYS};

fn parse(text: &str) -> SiloConfig {
    SiloConfig::from_json_str(text, "silo.json").unwrap()
}

fn full() -> SiloConfig {
    SiloConfig::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/config/full.json"))
        .unwrap()
}

#[test]
fn without_rules_the_builtin_norule_applies() {
    let c = SiloConfig::default();
    assert_eq!(c.default_rule().name, "norule");
    assert!(c.default_rule().tags.is_empty() && c.default_rule().properties.is_empty());
    assert_eq!(c.rule("").unwrap().name, "norule");
    assert_eq!(c.rule("NoRule").unwrap().name, "norule");
    assert_eq!(
        c.rule("bug").unwrap_err(),
        UnknownRule {
            name: "bug".into(),
            available: vec!["norule".into()]
        }
    );
}

#[test]
fn with_rules_the_first_is_the_default_and_norule_is_gone() {
    let c = parse(r#"{"crules": [{"name": "bug", "tags": ["bug"]}, {"name": "Feature"}]}"#);
    assert_eq!(c.default_rule().name, "bug");
    assert_eq!(c.rule("").unwrap().name, "bug");
    assert_eq!(c.rule("  feature ").unwrap().name, "Feature");
    let e = c.rule("norule").unwrap_err();
    assert_eq!(e.available, ["bug", "Feature"]);
    insta::assert_snapshot!(e.to_string(), @r#"no creation rule "norule" in this silo; available: bug, Feature"#);
    assert_eq!(
        c.rules()
            .iter()
            .map(|r| r.name.as_str())
            .collect::<Vec<_>>(),
        ["bug", "Feature"]
    );
}

#[test]
fn norule_can_be_listed_explicitly() {
    let c = full();
    assert_eq!(c.default_rule().name, "riskregister");
    assert_eq!(c.rule("norule").unwrap().description, "Empty rule");
}

#[test]
fn unique_keys_are_the_builtins_and_the_configured_ones() {
    let c = parse(r#"{"unique_property_keys": ["Owner", "deadline", "owner"]}"#);
    let mut expected: Vec<&str> = BUILTIN_UNIQUE_KEYS.to_vec();
    expected.push("Owner");
    assert_eq!(c.unique_keys(), expected);
    for key in [
        "scheduled",
        "DEADLINE",
        "Review",
        "scheduled_repeats",
        "Deadline_Repeats",
        "review_repeats",
        "deadline_warning",
        "child_of",
        "OWNER",
    ] {
        assert!(c.is_unique_key(key), "{key}");
    }
    for key in ["Parent_Of", "Blocks", "Assigned", "Closed_Via"] {
        assert!(!c.is_unique_key(key), "{key}");
    }
}

#[test]
fn date_keys_are_builtins_pseudo_properties_and_irules() {
    let c = parse(r#"{"irules_date_picker": ["Reported"], "irules_date_toggle": ["Follow_Up"]}"#);
    for key in [
        "scheduled",
        "deadline",
        "review",
        "opened",
        "last_update",
        "earliest",
        "reported",
        "follow_up",
        "Follow_Up",
    ] {
        assert!(c.is_date_key(key), "{key}");
    }
    assert!(!c.is_date_key("deadline_warning"));
    assert!(!c.is_date_key("estimate"));
    // Pseudo-properties are read-only: no date input on write.
    assert!(c.is_date_input_key("REPORTED"));
    assert!(c.is_date_input_key("Deadline"));
    assert!(!c.is_date_input_key("opened"));
}

#[test]
fn value_order_and_canonical_value_follow_vrules() {
    let c = full();
    assert_eq!(
        c.value_order("initial_risk").unwrap(),
        ["low", "Medium", "HIGH"]
    );
    assert_eq!(c.value_order("assigned"), None);
    assert_eq!(c.canonical_value("INITIAL_RISK", "high"), Some("HIGH"));
    assert_eq!(c.canonical_value("initial_risk", "medium"), Some("Medium"));
    assert_eq!(c.canonical_value("initial_risk", "extreme"), None);
    assert_eq!(c.canonical_value("assigned", "phil"), None);
    assert_eq!(
        c.allowed_values("residual_risk").unwrap().key,
        "Residual_Risk"
    );
}

#[test]
fn saved_searches_are_found_case_insensitively() {
    let c = full();
    let s = c.saved_search("OPEN").unwrap();
    assert_eq!(s.search, "s:*");
    assert_eq!(s.sort, "!vinitial_risk:est");
    assert!(c.saved_search("closed").is_none());
}

#[test]
fn display_case_comes_from_styling_rules() {
    let c = full();
    assert_eq!(c.display_tag("risk"), "Risk");
    assert_eq!(c.display_tag("daft_case"), "DaFt_cAsE");
    assert_eq!(c.display_tag("other"), "other");
    assert_eq!(c.display_key("initial_risk"), "Initial_Risk");
    assert_eq!(c.display_key("assigned"), "assigned");
    // srules_pkv_case wins over the vrules case for display…
    assert_eq!(c.display_value("initial_risk", "HIGH"), "High");
    // …the vrules case is used when there is no styling rule for the key…
    assert_eq!(c.display_value("residual_risk", "high"), "HIGH");
    // …and other values are shown as given.
    assert_eq!(c.display_value("initial_risk", "extreme"), "extreme");
    assert_eq!(c.display_value("assigned", "phil"), "phil");
}

#[test]
fn colours_are_looked_up_case_insensitively() {
    let c = full();
    assert_eq!(
        c.tag_colours("INCIDENT"),
        Some(Colours {
            fg: Some("white"),
            bg: Some("red")
        })
    );
    assert_eq!(c.tag_colours("bug"), None);
    assert_eq!(
        c.key_colours("opened_by"),
        Some(Colours {
            fg: Some("white"),
            bg: Some("blue")
        })
    );
    assert_eq!(
        c.value_colours("initial_risk", "HIGH"),
        Some(Colours {
            fg: None,
            bg: Some("#C00000")
        })
    );
    assert_eq!(c.value_colours("initial_risk", "medium"), None);
}

#[test]
fn tags_are_sorted_priority_first_then_alphabetically() {
    let c = full(); // srules_t_priority: Risk, Incident
    let mut tags = vec!["zeta", "incident", "Alpha", "risk", "beta"];
    c.sort_tags_for_display(&mut tags);
    assert_eq!(tags, ["risk", "incident", "Alpha", "beta", "zeta"]);
    assert_eq!(c.tag_priority("RISK"), Some(0));
    assert_eq!(c.tag_priority("alpha"), None);
}

#[test]
fn properties_are_sorted_priority_first_then_by_key() {
    let c = full(); // srules_pk_priority: Initial_Risk, Residual_Risk
    let mut props = vec![
        ("Owner", "phil"),
        ("residual_risk", "low"),
        ("assigned", "b"),
        ("Initial_Risk", "HIGH"),
        ("assigned", "a"),
        ("initial_risk", "low"),
    ];
    c.sort_properties_for_display(&mut props);
    assert_eq!(
        props,
        [
            // Initial_Risk values follow the vrules order low, Medium, HIGH.
            ("initial_risk", "low"),
            ("Initial_Risk", "HIGH"),
            ("residual_risk", "low"),
            // Values of one key without vrules keep their order.
            ("assigned", "b"),
            ("assigned", "a"),
            ("Owner", "phil"),
        ]
    );
}

#[test]
fn suggestions_merge_every_source_without_duplicates() {
    let c = full();
    let s = Suggestions::build(
        &c,
        ["RISK", "alpha", "outage"],
        ["Assigned_to", "Client"],
        [
            ("client", "ACME"),
            ("Initial_Risk", "medium"),
            ("alpha", "ABLE"),
        ],
    );
    // Configured tags and silo tags, once each; styling case for Risk; first case for Alpha.
    assert_eq!(s.tags, ["Alpha", "Bravo", "outage", "Risk"]);
    // Keys from configuration, silo, rules and built-ins; styling case for Initial_Risk.
    for key in [
        "Alpha",
        "Assigned_To",
        "Client",
        "Initial_Risk",
        "Residual_Risk",
        "Reported",
        "Follow_Up",
        "Deadline",
        "Deadline_Warning",
        "Child_Of",
        "Related_To",
    ] {
        assert!(s.keys.iter().any(|k| k == key), "{key} in {:?}", s.keys);
    }
    let lower: Vec<String> = s.keys.iter().map(|k| k.to_lowercase()).collect();
    let mut dedup = lower.clone();
    dedup.dedup();
    assert_eq!(lower, dedup, "keys are unique and sorted");
    assert!(
        !s.keys.iter().any(|k| k == "Closed_Via"),
        "reserved keys are not offered"
    );
    // Pairs: configured, silo, then vrules values in their display case; keys as in `keys`.
    assert_eq!(
        s.key_values,
        [
            ("Alpha".to_string(), "able".to_string()),
            ("Bravo".into(), "baker".into()),
            ("Client".into(), "ACME".into()),
            ("Initial_Risk".into(), "High".into()),
            ("Initial_Risk".into(), "Low".into()),
            ("Initial_Risk".into(), "Medium".into()),
            ("Residual_Risk".into(), "HIGH".into()),
            ("Residual_Risk".into(), "low".into()),
            ("Residual_Risk".into(), "Medium".into()),
        ]
    );
}

#[test]
fn suggested_values_of_one_key() {
    let s = Suggestions::build(&full(), ["x"], ["y"], [("INITIAL_RISK", "extreme")]);
    assert_eq!(
        s.values_of("initial_risk"),
        ["extreme", "High", "Low", "Medium"]
    );
    assert!(s.values_of("owner").is_empty());
}

#[test]
fn suggestions_of_an_empty_silo_still_offer_builtin_keys() {
    let none: [&str; 0] = [];
    let s = Suggestions::build(&SiloConfig::default(), none, none, none.map(|x| (x, x)));
    assert!(s.tags.is_empty());
    assert!(s.key_values.is_empty());
    assert_eq!(s.keys.len(), 14);
    assert!(s.keys.contains(&"Scheduled_Repeats".to_string()));
}
