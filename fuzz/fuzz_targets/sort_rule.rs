//! Sort rules: arbitrary text either fails to parse with an error, or parses to an AST whose
//! canonical form parses back to an equal AST; every rule that compiles (with `s:*`) gives SQL
//! that prepares and runs on an in-memory database with the documented schema.
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
    assert!(
        ast.same_as(&again),
        "{text:?} printed as {printed:?} parses differently:\n{ast:?}\n{again:?}"
    );
    let key = ticket_query::parse_search("s:*").expect("s:*");
    let cat = common::FuzzCatalogue;
    if let Ok(compiled) = ticket_query::compile(&key, &ast, &cat, common::today()) {
        common::run(&compiled, text);
    }
});
