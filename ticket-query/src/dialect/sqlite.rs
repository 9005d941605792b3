//! SQLite: the silo registers `regexp(pattern, text)` (Rust syntax, case-insensitive) and a
//! Unicode `lower()`; full text is the FTS5 table `ticket_fts` with the ticket id as rowid.
use crate::sql::Sql;

pub(super) fn regex(sql: &mut Sql, col: &'static str, pattern: String) {
    sql.push("regexp(")
        .text(pattern)
        .push(", ")
        .push(col)
        .push(")");
}

/// An FTS5 phrase: `"w1 w2"`, with ` *` making its last word a prefix.
pub(super) fn full_text(sql: &mut Sql, words: &[String], prefix: bool) {
    let mut query = format!("\"{}\"", words.join(" "));
    if prefix {
        query.push_str(" *");
    }
    sql.push("t.id IN (SELECT rowid FROM ticket_fts WHERE ticket_fts MATCH ")
        .text(query)
        .push(")");
}
