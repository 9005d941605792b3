//! The compiled SQL of a search, as the core would run it.
use rusqlite::types::Value;
use ticket_core::Silo;

/// The SQL text and bound values the core compiles for `key` and `sort`.
///
/// `Explanation::params` is converted with `Into<Value>` so this works whether the core hands
/// out rusqlite values or plain strings.
#[allow(clippy::useless_conversion)]
pub fn compiled_sql(silo: &Silo, key: &str, sort: &str) -> Result<(String, Vec<Value>), String> {
    let ex = silo.explain(key, sort).map_err(|e| e.to_string())?;
    Ok((
        ex.sql.clone(),
        ex.params.iter().map(|p| p.clone().into()).collect(),
    ))
}
