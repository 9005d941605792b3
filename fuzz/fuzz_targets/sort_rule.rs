//! Sort rules: arbitrary text either fails to parse with an error, or parses to an AST whose
//! canonical form parses back to an equal AST; and a search with the rule prepares and runs
//! against a small silo without a database error.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(ast) = ticket_query::parse_sort(text) else {
        return;
    };
    let printed = ast.to_string();
    let again = ticket_query::parse_sort(&printed)
        .unwrap_or_else(|e| panic!("canonical form {printed:?} of {text:?} does not parse: {e}"));
    assert_eq!(ast, again, "{text:?} printed as {printed:?} parses differently");
    common::run_search("", text);
    common::run_search("s:*", &printed);
});
