//! `silo.json` parsing: every field, and the errors for a file of the wrong shape.

use std::path::Path;

use ticket_core::{
    ConfigError, CreationRule, KeyValue, KeyValues, LcgNumbering, Numbering, SavedSearch,
    SiloConfig, SimpleNumbering, TextPosition, TimeConfig,
};

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/config")
        .join(name)
}

fn parse(text: &str) -> Result<SiloConfig, ConfigError> {
    SiloConfig::from_json_str(text, "silo.json")
}

fn err(text: &str) -> ConfigError {
    parse(text).expect_err("the configuration should be refused")
}

#[test]
fn every_field_parses() {
    let c = SiloConfig::load(&fixture("full.json")).unwrap();
    assert_eq!(c.comment, ["every field of silo.json, for the parser test"]);
    assert_eq!(
        c.numbering,
        Numbering::Lcg(LcgNumbering {
            a: 37,
            c: 1,
            m: 1296,
            width: 2,
            prefix: "R".into()
        })
    );
    assert_eq!(c.crules.len(), 2);
    assert_eq!(
        c.crules[0],
        CreationRule {
            name: "riskregister".into(),
            description: "Risk register entry".into(),
            tags: vec!["risk".into()],
            properties: vec![
                KeyValue {
                    key: "initial_risk".into(),
                    value: "medium".into()
                },
                KeyValue {
                    key: "residual_risk".into(),
                    value: "medium".into()
                },
            ],
        }
    );
    assert_eq!(c.unique_property_keys, ["Initial_Risk", "Residual_Risk"]);
    assert_eq!(c.vrules_pk_required[1].selector, "g=risk");
    assert_eq!(c.vrules_pk_required[1].key, "Residual_Risk");
    assert_eq!(
        c.vrules_pkv_values[0],
        KeyValues {
            key: "Initial_Risk".into(),
            values: vec!["low".into(), "Medium".into(), "HIGH".into()]
        }
    );
    assert_eq!(c.suggested_tags, ["Alpha", "Bravo"]);
    assert_eq!(c.suggested_property_keys, ["Assigned_To"]);
    assert_eq!(c.suggested_property_kv[1].value, "baker");
    assert_eq!(
        c.searches,
        [SavedSearch {
            name: "open".into(),
            description: "Open tickets by priority".into(),
            search: "s:*".into(),
            sort: "!vinitial_risk:est".into()
        }]
    );
    assert_eq!(c.irules_date_picker, ["Reported"]);
    assert_eq!(c.irules_date_toggle, ["Follow_Up"]);
    assert_eq!(c.srules_t_case, ["Risk", "Incident", "DaFt_cAsE"]);
    assert_eq!(c.srules_pk_case, ["Initial_Risk", "Residual_Risk"]);
    assert_eq!(c.srules_pkv_case[0].values, ["Low", "Medium", "High"]);
    assert_eq!(c.srules_t_colour[1].bg.as_deref(), Some("#ff0"));
    assert_eq!(c.srules_pk_colour[0].key, "Opened_By");
    assert_eq!(c.srules_pkv_colour[1].fg, None);
    assert_eq!(c.srules_pkv_colour[1].bg.as_deref(), Some("#C00000"));
    assert_eq!(c.srules_t_priority, ["Risk", "Incident"]);
    assert_eq!(c.srules_pk_priority, ["Initial_Risk", "Residual_Risk"]);
    assert_eq!(
        c.time,
        Some(TimeConfig {
            rate_per_hour: 85.5,
            currency: "EUR".into()
        })
    );
}

#[test]
fn empty_object_is_the_default_configuration() {
    let c = parse("{}").unwrap();
    assert_eq!(c, SiloConfig::default());
    assert_eq!(
        c.numbering,
        Numbering::Simple(SimpleNumbering {
            prefix: String::new(),
            start: 1,
            width: 0
        })
    );
    assert_eq!(c.time, None);
}

#[test]
fn numbering_mode_defaults_to_simple() {
    let c = parse(r#"{"numbering": {"prefix": "T", "width": 4}}"#).unwrap();
    assert_eq!(
        c.numbering,
        Numbering::Simple(SimpleNumbering {
            prefix: "T".into(),
            start: 1,
            width: 4
        })
    );
    assert_eq!(c.numbering.render(7), "T0007");
}

#[test]
fn pretty_output_parses_back_to_the_same_configuration() {
    let c = SiloConfig::load(&fixture("full.json")).unwrap();
    let again = parse(&c.to_json_pretty()).unwrap();
    assert_eq!(again, c);
}

#[test]
fn default_json_snapshot() {
    insta::assert_snapshot!(SiloConfig::default_json());
}

#[test]
fn to_json_pretty_shows_effective_values() {
    let c = parse(r#"{"numbering": {"mode": "lcg", "a": 37, "c": 1, "m": 1296}}"#).unwrap();
    insta::assert_snapshot!(c.to_json_pretty());
}

#[test]
fn unknown_top_level_field_is_refused_with_its_name() {
    let e = err(r#"{"crule": []}"#);
    assert_eq!(e.paths(), ["crule"]);
    insta::assert_snapshot!(e.to_string());
}

#[test]
fn unknown_field_at_nested_depth_is_reported_with_its_path() {
    let e = err(r#"{
  "crules": [
    { "name": "a" },
    { "name": "b", "properties": [ { "key": "k", "value": "v", "vaule": "w" } ] }
  ]
}"#);
    assert_eq!(e.paths(), ["crules[1].properties[0].vaule"]);
    match &e {
        ConfigError::Shape { position, .. } => {
            assert_eq!(position.map(|p| p.line), Some(4));
        }
        other => panic!("expected a shape error, got {other:?}"),
    }
    insta::assert_snapshot!(e.to_string());
}

#[test]
fn unknown_field_in_numbering_is_refused() {
    let e = err(r#"{"numbering": {"mode": "simple", "strat": 5}}"#);
    assert_eq!(e.paths(), ["numbering.strat"]);
    insta::assert_snapshot!(e.to_string());
}

#[test]
fn wrong_type_is_reported_with_path_and_expectation() {
    let e = err(r#"{"crules": [{"name": "a", "tags": ["x", 5]}]}"#);
    assert_eq!(e.paths(), ["crules[0].tags[1]"]);
    let shown = e.to_string();
    assert!(shown.contains("expected a string"), "{shown}");
    insta::assert_snapshot!(shown);
}

#[test]
fn wrong_type_of_a_number_is_reported() {
    let e = err(r#"{"numbering": {"mode": "lcg", "a": "37", "c": 1, "m": 1296}}"#);
    assert_eq!(e.paths(), ["numbering.a"]);
    insta::assert_snapshot!(e.to_string());
}

#[test]
fn negative_number_where_unsigned_expected() {
    let e = err(r#"{"numbering": {"start": -1}}"#);
    assert_eq!(e.paths(), ["numbering.start"]);
    insta::assert_snapshot!(e.to_string());
}

#[test]
fn missing_required_field_is_reported() {
    let e = err(r#"{"vrules_pk_required": [{"selector": "g=risk"}]}"#);
    assert_eq!(e.paths(), ["vrules_pk_required[0]"]);
    insta::assert_snapshot!(e.to_string());
}

#[test]
fn unknown_numbering_mode_lists_the_modes() {
    let e = err(r#"{"numbering": {"mode": "random"}}"#);
    assert_eq!(e.paths(), ["numbering.mode"]);
    insta::assert_snapshot!(e.to_string());
}

#[test]
fn field_of_the_other_numbering_mode_is_refused() {
    let e = err(r#"{"numbering": {"mode": "lcg", "a": 37, "c": 1, "m": 1296, "start": 3}}"#);
    assert_eq!(e.paths(), ["numbering"]);
    insta::assert_snapshot!("lcg_with_start", e.to_string());
    let e = err(r#"{"numbering": {"m": 1296}}"#);
    insta::assert_snapshot!("simple_with_m", e.to_string());
    let e = err(r#"{"numbering": {"mode": "lcg", "a": 37}}"#);
    insta::assert_snapshot!("lcg_missing_c_m", e.to_string());
}

#[test]
fn syntax_error_has_line_and_column() {
    let e = err("{\n  \"crules\": [\n    { \"name\": \"a\", }\n  ]\n}");
    match &e {
        ConfigError::Syntax { position, .. } => {
            assert_eq!(
                *position,
                Some(TextPosition {
                    line: 3,
                    column: 20
                })
            );
        }
        other => panic!("expected a syntax error, got {other:?}"),
    }
    insta::assert_snapshot!(e.to_string());
}

#[test]
fn empty_file_is_refused() {
    let e = err("");
    assert!(matches!(e, ConfigError::Syntax { .. }), "{e:?}");
}

#[test]
fn top_level_must_be_an_object() {
    let e = err("[]");
    insta::assert_snapshot!(e.to_string());
}

#[test]
fn missing_file_is_a_read_error_naming_the_file() {
    let path = fixture("does-not-exist.json");
    let e = SiloConfig::load(&path).unwrap_err();
    assert!(matches!(e, ConfigError::Read { .. }), "{e:?}");
    assert!(e.to_string().contains("does-not-exist.json"), "{e}");
}

#[test]
fn arrays_are_refused_wherever_an_object_belongs() {
    // serde would otherwise read these positionally, field by field.
    let cases = [
        (r#"{"numbering": ["lcg", 37, 1, 1296]}"#, "numbering"),
        (r#"{"time": [85, "$"]}"#, "time"),
        (r#"{"crules": [["a", "b"]]}"#, "crules[0]"),
        (
            r#"{"crules": [{"name": "a", "properties": [{"key": "k", "value": "v"}, ["k", "v"]]}]}"#,
            "crules[0].properties[1]",
        ),
        (
            r#"{"vrules_pk_required": [["g=x", "k"]]}"#,
            "vrules_pk_required[0]",
        ),
        (
            r#"{"vrules_pkv_values": [["k", ["a"]]]}"#,
            "vrules_pkv_values[0]",
        ),
        (
            r#"{"suggested_property_kv": [["k", "v"]]}"#,
            "suggested_property_kv[0]",
        ),
        (r#"{"searches": [["n", "d", "s:*", ""]]}"#, "searches[0]"),
        (
            r#"{"srules_pkv_case": [["k", ["A"]]]}"#,
            "srules_pkv_case[0]",
        ),
        (
            r#"{"srules_t_colour": [["t", "red"]]}"#,
            "srules_t_colour[0]",
        ),
        (
            r#"{"srules_pk_colour": [["k", "red"]]}"#,
            "srules_pk_colour[0]",
        ),
        (
            r#"{"srules_pkv_colour": [["k", "v", "red"]]}"#,
            "srules_pkv_colour[0]",
        ),
    ];
    for (text, path) in cases {
        let e = err(text);
        assert!(matches!(e, ConfigError::Shape { .. }), "{text}: {e:?}");
        assert_eq!(e.paths(), [path], "{text}");
    }
}

#[test]
fn loading_a_file_reports_its_path_line_and_json_path() {
    let path = fixture("unknown_nested.json");
    let e = SiloConfig::load(&path).unwrap_err();
    assert_eq!(e.file(), path.display().to_string());
    assert_eq!(e.paths(), ["crules[1].properties[0].colour"]);
    match &e {
        ConfigError::Shape { position, .. } => assert_eq!(position.map(|p| p.line), Some(5)),
        other => panic!("expected a shape error, got {other:?}"),
    }
    let shown = e
        .to_string()
        .replace(&path.display().to_string(), "unknown_nested.json");
    insta::assert_snapshot!(shown);
}

#[test]
fn loading_a_file_lists_every_semantic_problem() {
    let path = fixture("semantic_problems.json");
    let e = SiloConfig::load(&path).unwrap_err();
    assert_eq!(
        e.paths(),
        [
            "numbering.prefix",
            "numbering.a",
            "irules_date_toggle[0]",
            "srules_t_colour[0].fg"
        ]
    );
    let shown = e
        .to_string()
        .replace(&path.display().to_string(), "semantic_problems.json");
    insta::assert_snapshot!(shown);
}
