//! Search keys: arbitrary text either fails to parse with an error, or parses to an AST whose
//! canonical form (`Display`) parses back to an equal AST; every parsed key that compiles gives
//! SQL that prepares and runs on an in-memory database with the documented schema.
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
    assert!(
        ast.same_as(&again),
        "{text:?} printed as {printed:?} parses differently:\n{ast:?}\n{again:?}"
    );
    let sort = ticket_query::parse_sort("").expect("empty sort");
    let cat = common::FuzzCatalogue;
    // Compile errors (unknown saved search, bad regex, bad date, cycle) are allowed.
    if let Ok(compiled) = ticket_query::compile(&ast, &sort, &cat, common::today()) {
        common::run(&compiled, text);
    }
});
