//! Properties of configuration parsing: no panics, round trips, full period really means full.

use proptest::prelude::*;
use ticket_core::{LcgNumbering, Numbering, SiloConfig};

fn full_json() -> serde_json::Value {
    let text = include_str!("fixtures/config/full.json");
    serde_json::from_str(text).unwrap()
}

/// Every JSON path (as pointer) of a value's leaves.
fn leaf_pointers(v: &serde_json::Value, at: String, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                leaf_pointers(x, format!("{at}/{k}"), out);
            }
        }
        serde_json::Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                leaf_pointers(x, format!("{at}/{i}"), out);
            }
        }
        _ => out.push(at),
    }
}

fn any_json_leaf() -> impl Strategy<Value = serde_json::Value> {
    prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(|n| serde_json::json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| serde_json::json!(f)),
        "\\PC{0,8}".prop_map(serde_json::Value::String),
        Just(serde_json::json!([])),
        Just(serde_json::json!({})),
        Just(serde_json::json!([[1, 2]])),
    ]
}

/// Whether x' = (a·x + c) mod m visits all of [0, m) starting from 0.
fn walks_full_period(a: u64, c: u64, m: u64) -> bool {
    let lcg = LcgNumbering {
        a,
        c,
        m,
        width: 0,
        prefix: String::new(),
    };
    let mut seen = vec![false; m as usize];
    let mut x = 0;
    for _ in 0..m {
        if std::mem::replace(&mut seen[x as usize], true) {
            return false;
        }
        x = lcg.next(x);
    }
    true
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        let _ = SiloConfig::from_json_str(&text, "silo.json");
    }

    #[test]
    fn any_leaf_replaced_never_panics_and_errors_name_a_path(
        index in any::<prop::sample::Index>(),
        leaf in any_json_leaf(),
    ) {
        let mut doc = full_json();
        let mut pointers = Vec::new();
        leaf_pointers(&doc, String::new(), &mut pointers);
        let pointer = index.get(&pointers).clone();
        *doc.pointer_mut(&pointer).unwrap() = leaf;
        let text = serde_json::to_string_pretty(&doc).unwrap();
        if let Err(e) = SiloConfig::from_json_str(&text, "silo.json") {
            prop_assert!(!e.paths().is_empty(), "{e}");
            prop_assert!(e.to_string().starts_with("silo.json"), "{e}");
        }
    }

    #[test]
    fn accepted_lcg_parameters_have_full_period(m in 2u64..3000, a in 1u64..3000, c in 1u64..3000) {
        let (a, c) = (a % m, c % m);
        prop_assume!(a >= 1 && c >= 1);
        let text = format!(r#"{{"numbering": {{"mode": "lcg", "a": {a}, "c": {c}, "m": {m}}}}}"#);
        let accepted = SiloConfig::from_json_str(&text, "silo.json").is_ok();
        prop_assert_eq!(accepted, walks_full_period(a, c, m), "a={} c={} m={}", a, c, m);
    }

    #[test]
    fn pretty_output_round_trips(
        tags in prop::collection::vec("[A-Za-z][A-Za-z_ ]{0,6}[A-Za-z]", 0..5),
        prefix in "[0-9A-Z]{0,3}",
        start in any::<u64>(),
        width in 0u32..=64,
        rate in 0.0f64..1e6,
    ) {
        let text = serde_json::json!({
            "numbering": {"prefix": prefix, "start": start, "width": width},
            "suggested_tags": tags,
            "crules": [{"name": "r", "tags": tags}],
            "time": {"rate_per_hour": rate, "currency": "$"},
        })
        .to_string();
        let config = SiloConfig::from_json_str(&text, "silo.json").unwrap();
        let again = SiloConfig::from_json_str(&config.to_json_pretty(), "again").unwrap();
        prop_assert_eq!(&again, &config);
        prop_assert!(matches!(config.numbering, Numbering::Simple(_)));
    }
}
