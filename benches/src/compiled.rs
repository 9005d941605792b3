//! The compiled SQL of a search, as the core would run it.
use rusqlite::types::Value;
use ticket_core::Silo;
use ticket_query::SqlValue;

/// The SQL text and bound values the core compiles for `key` and `sort` (`Silo::explain`).
pub fn compiled_sql(silo: &Silo, key: &str, sort: &str) -> Result<(String, Vec<Value>), String> {
    let ex = silo.explain(key, sort).map_err(|e| e.to_string())?;
    let params = ex
        .params
        .iter()
        .map(|p| match p {
            SqlValue::Null => Value::Null,
            SqlValue::Integer(i) => Value::Integer(*i),
            SqlValue::Real(r) => Value::Real(*r),
            SqlValue::Text(t) => Value::Text(t.clone()),
        })
        .collect();
    Ok((ex.sql, params))
}
