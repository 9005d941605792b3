//! The language itself: compiled SQL snapshots of the spec's examples, error displays,
//! limits, and the parse → print → parse property.
use proptest::prelude::*;
use ticket_query::{compile, compile_for, parse_search, parse_sort, Dialect, ErrorKind};

mod fixtures;

use fixtures::{today, TestCatalogue, SPEC_CASES};

fn compiled(key: &str, sort: &str) -> String {
    compiled_for(Dialect::Sqlite, key, sort)
}

fn compiled_for(dialect: Dialect, key: &str, sort: &str) -> String {
    let c = compile_for(
        dialect,
        &parse_search(key).unwrap(),
        &parse_sort(sort).unwrap(),
        &TestCatalogue,
        today(),
    )
    .unwrap();
    let (sql, params) = c.select_sql("t.id, t.number", None, 0);
    let params: Vec<String> = params.iter().map(|p| p.to_string()).collect();
    format!(
        "key:    {key}\nsort:   {sort}\nsql:    {sql}\nparams: [{}]",
        params.join(", ")
    )
}

/// Every example row of search.md section 1, and the sort examples of section 4, in both
/// dialects: `sql_NN_…` for SQLite, `pg_sql_NN_…` for PostgreSQL.
#[test]
fn spec_examples_compile_to_the_expected_sql() {
    // one snapshot file per case and dialect, named by its position and its key
    for (i, (key, sort)) in SPEC_CASES.iter().enumerate() {
        let name = format!("sql_{i:02}_{}", slug(key, sort));
        insta::assert_snapshot!(name.clone(), compiled(key, sort));
        insta::assert_snapshot!(
            format!("pg_{name}"),
            compiled_for(Dialect::Postgres, key, sort)
        );
    }
}

/// The OR/NOT key of quality.md's typical searches, sorted by a ranked property and a date:
/// on PostgreSQL its negated semi-join joins the driving array's ids (no hashed subplan per
/// fetched ticket); SQLite keeps `IN` and `NOT IN`.
#[test]
fn semi_joins_of_a_conjunct_in_both_dialects() {
    let (key, sort) = ("s:* (g=tag1 | g=tag2) !p=priority:=low:", "!vpriority:d");
    insta::assert_snapshot!("or_not_sorted_sqlite", compiled(key, sort));
    insta::assert_snapshot!(
        "or_not_sorted_pg",
        compiled_for(Dialect::Postgres, key, sort)
    );
}

/// The other statements of a compiled search, and the spellings that only some keys reach
/// (an empty saved search, no limit with an offset), in both dialects.
#[test]
fn statements_in_both_dialects() {
    for (name, dialect) in [("sqlite", Dialect::Sqlite), ("pg", Dialect::Postgres)] {
        let c = compile_for(
            dialect,
            &parse_search("@all g=a | t~x").unwrap(),
            &parse_sort("t").unwrap(),
            &TestCatalogue,
            today(),
        )
        .unwrap();
        assert_eq!(c.dialect(), dialect);
        let mut out = String::new();
        for (what, (sql, params)) in [
            ("page", c.select_sql("t.id", Some(10), 20)),
            ("offset", c.select_sql("t.id", None, 20)),
            ("count", c.count_sql()),
            ("ids", c.ids_sql()),
            ("one", c.one_ticket_sql(7)),
        ] {
            let params: Vec<String> = params.iter().map(|p| p.to_string()).collect();
            out.push_str(&format!("{what}: {sql}\n  [{}]\n", params.join(", ")));
        }
        insta::assert_snapshot!(format!("statements_{name}"), out);
    }
}

/// A file-name-safe name for a key and sort rule: letters and digits kept, runs of anything
/// else as one `_`.
fn slug(key: &str, sort: &str) -> String {
    let text = format!("{key} {sort}");
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let out = out.trim_matches('_');
    if out.is_empty() {
        "empty".to_string()
    } else {
        out.chars().take(40).collect()
    }
}

fn render_error(key: &str) -> String {
    let err = match parse_search(key) {
        Err(e) => e,
        Ok(parsed) => {
            compile(&parsed, &parse_sort("").unwrap(), &TestCatalogue, today()).unwrap_err()
        }
    };
    err.render(key)
}

#[test]
fn error_displays() {
    let keys = [
        "s:ox: g=risk",
        "s=finished",
        "g=",
        "(g=a | g=b",
        "g=a)",
        "q:x",
        "p=deadline:>someday:",
        "t~\"(unclosed\"",
        "@nothing",
        "@a",
        "n~3",
        "t:\"open",
        "x:\"...\"",
        "g=a|",
    ];
    for (i, key) in keys.iter().enumerate() {
        insta::assert_snapshot!(format!("error_{i:02}_{}", slug(key, "")), render_error(key));
    }
}

#[test]
fn the_spec_caret_example_is_exact() {
    assert_eq!(
        render_error("s:ox: g=risk"),
        "error: unknown status letter 'x'\n  s:ox: g=risk\n     ^ expected one of o i b w p c a m d *"
    );
}

#[test]
fn sort_errors() {
    let e = parse_sort("dq").unwrap_err();
    assert_eq!(e.span().start, 1);
    let e = compile(
        &parse_search("").unwrap(),
        &parse_sort("vowner:").unwrap(),
        &TestCatalogue,
        today(),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadSort);
    assert!(
        parse_sort("ppriority").is_err(),
        "a property sort key needs its final ':'"
    );
}

#[test]
fn limits_are_errors_not_crashes() {
    let deep = "(".repeat(100_000);
    assert_eq!(parse_search(&deep).unwrap_err().kind(), ErrorKind::TooLarge);
    let bangs = "!".repeat(65) + "g=a";
    assert_eq!(
        parse_search(&bangs).unwrap_err().kind(),
        ErrorKind::TooLarge
    );
    let ok = "(".repeat(64) + "g=a" + &")".repeat(64);
    assert!(parse_search(&ok).is_ok());
    let long = "g=a ".repeat(3000);
    assert_eq!(parse_search(&long).unwrap_err().kind(), ErrorKind::TooLarge);
    assert_eq!(
        parse_sort(&"n".repeat(9000)).unwrap_err().kind(),
        ErrorKind::TooLarge
    );
}

/// The most `OR`/`AND` operators in one parenthesised run of `sql`, and the deepest nesting of
/// parentheses: SQLite's expression depth grows with both.
fn chain_shape(sql: &str) -> (usize, usize) {
    let mut runs = vec![0usize];
    let (mut widest, mut deepest) = (0, 0);
    let mut rest = sql;
    while let Some(c) = rest.chars().next() {
        if rest.starts_with(" OR ") || rest.starts_with(" AND ") {
            let top = runs.last_mut().unwrap();
            *top += 1;
            widest = widest.max(*top);
        }
        match c {
            '(' => {
                runs.push(0);
                deepest = deepest.max(runs.len() - 1);
            }
            ')' => {
                runs.pop();
            }
            _ => {}
        }
        rest = &rest[c.len_utf8()..];
    }
    (widest, deepest)
}

#[test]
fn long_chains_compile_to_shallow_sql() {
    let ors: Vec<String> = (1..=999).map(|i| format!("t:a{i}")).collect();
    let ands: Vec<String> = (1..=999).map(|i| format!("!g=a{i}")).collect();
    let tags: Vec<String> = (1..=1200).map(|i| format!("g={i}")).collect();
    for key in [ors.join("|"), ands.join(" "), tags.join("|")] {
        assert!(key.len() <= 8192, "{}", key.len());
        let c = compile(
            &parse_search(&key).unwrap(),
            &parse_sort("").unwrap(),
            &TestCatalogue,
            today(),
        )
        .unwrap();
        let (sql, params) = c.count_sql();
        let (widest, deepest) = chain_shape(&sql);
        assert!(widest < 8, "{widest} operators in one run");
        assert!(deepest <= 6, "parentheses {deepest} deep");
        assert_eq!(
            params.len(),
            key.split(['|', ' ']).filter(|t| !t.is_empty()).count()
        );
    }
    // short chains keep their plain form, and nested chains of one kind are one chain
    assert_eq!(
        compiled("g=a | (g=b | g=c)", ""),
        compiled("g=a | g=b | g=c", "").replace("g=a | g=b | g=c", "g=a | (g=b | g=c)")
    );
}

#[test]
fn term_letters_are_case_insensitive_and_final_colon_optional() {
    assert_eq!(
        compiled("S:OA: P^ASSIGNED=PHIL", ""),
        compiled("s:oa p^assigned:=phil:", "")
            .replace("s:oa p^assigned:=phil:", "S:OA: P^ASSIGNED=PHIL")
    );
    assert_eq!(
        parse_search("S:OA: P^ASSIGNED=phil").unwrap().to_string(),
        "s:oa: p^ASSIGNED:=phil:"
    );
}

#[test]
fn and_binds_tighter_than_or() {
    let k = parse_search("g=a g=b | g=c").unwrap();
    assert_eq!(k.to_string(), "g=a: g=b: | g=c:");
    let k = parse_search("g=a (g=b | g=c)").unwrap();
    assert_eq!(k.to_string(), "g=a: (g=b: | g=c:)");
    let k = parse_search("!(g=a | g=b)").unwrap();
    assert_eq!(k.to_string(), "!(g=a: | g=b:)");
}

#[test]
fn quoting_with_escapes() {
    let k = parse_search(r#"g="a \"b\" \\ c""#).unwrap();
    let ticket_query::Expr::Term(ticket_query::Term::Tag { text, .. }) = k.expr.as_ref().unwrap()
    else {
        panic!()
    };
    assert_eq!(text.value, r#"a "b" \ c"#);
    assert!(parse_search(&k.to_string()).unwrap().same_as(&k));
}

fn arb_text() -> impl Strategy<Value = String> {
    prop_oneof!["[a-z0-9_.+-]{1,8}", "[a-z :\"\\\\()|!@]{1,8}", "[ä-ü]{1,3}"]
}

fn arb_term() -> impl Strategy<Value = String> {
    let quoted = |t: String| format!("\"{}\"", t.replace('\\', "\\\\").replace('"', "\\\""));
    prop_oneof![
        "[oibwpcamd*]{1,4}".prop_map(|l| format!("s:{l}:")),
        (prop::sample::select(vec!["=", "^", ":"]), arb_text())
            .prop_map(move |(op, t)| format!("g{op}{}", quoted(t))),
        (
            prop::sample::select(vec!["=", "^", ":"]),
            arb_text(),
            prop::collection::vec(
                (
                    prop::sample::select(vec!["=", "^", ":", "]", "[", ">", "<"]),
                    arb_text()
                ),
                0..3
            )
        )
            .prop_map(move |(op, k, conds)| {
                let mut s = format!("p{op}{}:", quoted(k));
                for (o, v) in conds {
                    s.push_str(&format!("{o}{}:", quoted(v)));
                }
                s
            }),
        (
            prop::sample::select(vec!["t", "u", "e"]),
            prop::sample::select(vec!["=", "^", ":"]),
            arb_text()
        )
            .prop_map(move |(f, op, t)| format!("{f}{op}{}", quoted(t))),
        ("[a-z]{1,6}", any::<bool>())
            .prop_map(|(w, p)| format!("x:{w}{}", if p { "*" } else { "" })),
        (
            prop::sample::select(vec!["=", "]", "[", ">", "<"]),
            "[0-9A-Z]{1,4}"
        )
            .prop_map(|(op, n)| format!("n{op}{n}")),
        "[a-z]{1,6}".prop_map(|n| format!("@{n}")),
    ]
}

fn arb_key() -> impl Strategy<Value = String> {
    arb_term().prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(|v| v.join(" ")),
            prop::collection::vec(inner.clone(), 2..4).prop_map(|v| format!("({})", v.join(" | "))),
            inner.prop_map(|k| format!("!{k}")),
        ]
    })
}

proptest! {
    #[test]
    fn parse_print_parse_gives_an_equal_ast(key in arb_key()) {
        let parsed = parse_search(&key).unwrap();
        let printed = parsed.to_string();
        let again = parse_search(&printed).unwrap();
        prop_assert!(parsed.same_as(&again), "{key} -> {printed}");
        prop_assert_eq!(again.to_string(), printed);
    }

    #[test]
    fn sort_rules_round_trip(rule in "(!?([ntsoldhre]|[pv#][a-z]{1,5}:)){0,6}") {
        let parsed = parse_sort(&rule).unwrap();
        let again = parse_sort(&parsed.to_string()).unwrap();
        prop_assert!(parsed.same_as(&again));
    }

    #[test]
    fn arbitrary_text_never_panics(key in ".{0,64}") {
        if let Ok(k) = parse_search(&key) {
            prop_assert!(parse_search(&k.to_string()).unwrap().same_as(&k));
            let _ = compile(&k, &parse_sort("").unwrap(), &TestCatalogue, today());
        }
        let _ = parse_sort(&key);
        let _ = ticket_query::parse_date_expr(&key);
    }
}
