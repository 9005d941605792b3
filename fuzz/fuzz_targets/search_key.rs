//! Search keys: arbitrary text either fails to parse with an error, or parses to an AST whose
//! canonical form (`Display`) parses back to an equal AST; and the compiled SQL of every parsed
//! key prepares and runs against a small silo without a database error.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(ast) = ticket_query::parse_search(text) else {
        return;
    };
    let printed = ast.to_string();
    let again = ticket_query::parse_search(&printed)
        .unwrap_or_else(|e| panic!("canonical form {printed:?} of {text:?} does not parse: {e}"));
    assert_eq!(ast, again, "{text:?} printed as {printed:?} parses differently");
    common::run_search(text, "");
    common::run_search(&printed, "");
});
