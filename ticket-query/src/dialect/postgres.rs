//! PostgreSQL: `$N` placeholders carrying their type (`$1::text`, `$2::bigint`, `$3::float8`,
//! so no value's type is left to inference: a `CASE … THEN $n` would otherwise be text), `~*`
//! for regular expressions, and full text as a `tsvector` column with a GIN index
//! (`ticket_fts.doc`, see `ticket-core/src/storage/postgres/schema.sql`) that the storage fills
//! from [`fts_document`]. Text comparisons read columns declared `COLLATE "C"`, so ordering and
//! the prefix ranges `col >= p AND col < p || U+10FFFF` are by code point as in SQLite, served by
//! plain b-tree indexes.
use std::collections::BTreeMap;
use std::fmt::Write;

use super::{fts_words, push_decimal};
use crate::sql::{Sql, SqlValue};

pub(super) fn placeholder(out: &mut String, n: usize, value: &SqlValue) {
    out.push('$');
    push_decimal(out, n);
    out.push_str(match value {
        SqlValue::Null => "",
        SqlValue::Integer(_) => "::bigint",
        SqlValue::Real(_) => "::float8",
        SqlValue::Text(_) => "::text",
    });
}

/// `~*` folds case by the column's collation: the raw text columns keep the database's
/// default collation, whose `LC_CTYPE` must be a UTF-8 locale (the schema notes it) for
/// `Ä ~* 'ä'` to hold as it does in Rust's `regex`.
pub(super) fn regex(sql: &mut Sql, col: &'static str, pattern: String) {
    sql.push(col).push(" ~* ").text(pattern);
}

/// The longest lexeme PostgreSQL accepts, in bytes.
const MAX_LEXEME: usize = 2047;
/// The largest word position in a `tsvector`.
const MAX_POSITION: u32 = 16383;
/// The most positions kept for one lexeme (PostgreSQL keeps 256).
const MAX_POSITIONS: usize = 255;
/// The most lexeme bytes in one document (a `tsvector` holds less than 1 MiB of them).
const MAX_DOCUMENT: usize = 1 << 19;

/// A phrase as a `tsquery`: `'w1' <-> 'w2'`, `:*` making the last word a prefix. A word longer
/// than any lexeme can only match nothing.
pub(super) fn full_text(sql: &mut Sql, words: &[String], prefix: bool) {
    if words.iter().any(|w| w.len() > MAX_LEXEME) {
        sql.push("FALSE");
        return;
    }
    let mut query = String::new();
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            query.push_str(" <-> ");
        }
        push_lexeme(&mut query, w);
    }
    if prefix {
        query.push_str(":*");
    }
    sql.push("t.id IN (SELECT ticket_id FROM ticket_fts WHERE doc @@ ")
        .text(query)
        .push("::tsquery)");
}

/// `'word'`, with `'` doubled and `\` escaped as the `tsvector`/`tsquery` input syntax wants.
fn push_lexeme(out: &mut String, word: &str) {
    out.push('\'');
    for c in word.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('\'');
}

/// The `tsvector` text of a ticket's full-text document, to be bound as `$n::text::tsvector`:
/// the words of each part ([`fts_words`], as a search splits its `x:` operand) with their
/// positions, one position left free between parts so that a phrase never spans the title and
/// the summary (SQLite's FTS5 columns). Pass the title, the summary and the texts of the
/// entries not removed, joined by `\n` (as SQLite's index gets them).
///
/// Within PostgreSQL's limits: words longer than 2047 bytes are left out, positions past
/// 16383 count as 16383 (a phrase there may match words that are not adjacent), a word keeps
/// its first 255 positions, and words past 512 KiB of distinct words are left out.
///
/// ```
/// let doc = ticket_query::fts_document(["Disk full", "", "disk ärger\nFULL"]);
/// assert_eq!(doc, "'disk':1,5 'full':2,7 'ärger':6");
/// ```
pub fn fts_document<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    let lexemes = fts_lexemes(parts);
    let bytes: usize = lexemes.keys().map(String::len).sum();
    let mut out = String::with_capacity(bytes + 8 * lexemes.len());
    for (i, (word, positions)) in lexemes.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        push_lexeme(&mut out, word);
        for (j, p) in positions.iter().enumerate() {
            out.push(if j == 0 { ':' } else { ',' });
            let _ = write!(out, "{p}");
        }
    }
    out
}

/// The same document as [`fts_document`] in the binary form of a `tsvector` (what
/// PostgreSQL's `tsvectorsend` writes and `tsvectorrecv` reads), for a parameter of type
/// `tsvector` sent in binary: the server takes it without parsing the text form, which cost
/// it some 19 µs a generated ticket, more than its GIN index. The form: the count of lexemes
/// (a big-endian `i32`), then for each lexeme in the order of its bytes (the order the server
/// keeps, so it need not sort) the lexeme's UTF-8 bytes and a NUL, the count of its positions
/// (`u16`) and the positions (`u16` each, increasing; weight D, the top two bits zero).
///
/// ```
/// let bin = ticket_query::fts_document_binary(["Disk full"]);
/// assert_eq!(bin, b"\0\0\0\x02disk\0\0\x01\0\x01full\0\0\x01\0\x02");
/// ```
pub fn fts_document_binary<'a>(parts: impl IntoIterator<Item = &'a str>) -> Vec<u8> {
    let lexemes = fts_lexemes(parts);
    let bytes: usize = lexemes.iter().map(|(w, p)| w.len() + 3 + 2 * p.len()).sum();
    let mut out = Vec::with_capacity(4 + bytes);
    let count = i32::try_from(lexemes.len()).expect("under 512 KiB of lexemes");
    out.extend_from_slice(&count.to_be_bytes());
    for (word, positions) in &lexemes {
        out.extend_from_slice(word.as_bytes());
        out.push(0);
        let n = u16::try_from(positions.len()).expect("at most 255 positions");
        out.extend_from_slice(&n.to_be_bytes());
        for &p in positions {
            let p = u16::try_from(p).expect("positions stop at 16383");
            out.extend_from_slice(&p.to_be_bytes());
        }
    }
    out
}

/// The lexemes of a document and their positions ([`fts_document`] says how).
fn fts_lexemes<'a>(parts: impl IntoIterator<Item = &'a str>) -> BTreeMap<String, Vec<u32>> {
    let mut lexemes: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    let mut bytes = 0;
    let mut position = 0u32;
    for (i, part) in parts.into_iter().enumerate() {
        if i > 0 {
            position += 1;
        }
        for word in fts_words(part) {
            position = (position + 1).min(MAX_POSITION);
            if word.len() > MAX_LEXEME {
                continue;
            }
            if let Some(positions) = lexemes.get_mut(&word) {
                if positions.len() < MAX_POSITIONS && positions.last() != Some(&position) {
                    positions.push(position);
                }
            } else if bytes + word.len() <= MAX_DOCUMENT {
                bytes += word.len();
                lexemes.insert(word, vec![position]);
            }
        }
    }
    lexemes
}
