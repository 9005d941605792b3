//! PostgreSQL: `$N` placeholders carrying their type (`$1::text`, `$2::bigint`, `$3::float8`,
//! so no value's type is left to inference: a `CASE … THEN $n` would otherwise be text), `~*`
//! for regular expressions, and full text as a `tsvector` column with a GIN index
//! (`ticket_fts.doc`, see `ticket-core/src/storage/postgres/schema.sql`) that the storage fills
//! from [`fts_document`]. Text comparisons read columns declared `COLLATE "C"`, so ordering and
//! the prefix ranges `col >= p AND col < p || U+10FFFF` are by code point as in SQLite, served by
//! plain b-tree indexes.
use std::fmt::Write;

use super::push_decimal;
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
    let mut out = String::with_capacity(lexemes.text.len() + 8 * lexemes.len());
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
    let bytes = lexemes.text.len() + 3 * lexemes.len() + 2 * lexemes.positions.len();
    let mut out = Vec::with_capacity(4 + bytes);
    let count = i32::try_from(lexemes.len()).expect("under 512 KiB of lexemes");
    out.extend_from_slice(&count.to_be_bytes());
    for (word, positions) in lexemes.iter() {
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

/// The lexemes of a document and their positions ([`fts_document`] says how), in the order
/// of their bytes (PostgreSQL's order of a `tsvector`'s lexemes).
struct Lexemes {
    /// The folded words, one after the other.
    text: String,
    /// Each lexeme: its bytes in `text`, its positions in `positions`.
    lexemes: Vec<(std::ops::Range<usize>, std::ops::Range<usize>)>,
    positions: Vec<u32>,
}

impl Lexemes {
    fn len(&self) -> usize {
        self.lexemes.len()
    }

    fn iter(&self) -> impl Iterator<Item = (&str, &[u32])> + '_ {
        (self.lexemes.iter()).map(|(w, p)| (&self.text[w.clone()], &self.positions[p.clone()]))
    }
}

/// Splits and folds the words as [`super::fts_words`] does, into one buffer (no string a
/// word), then sorts the occurrences by word and position and groups them: the words of a
/// generated ticket's document took a map insert and an allocation each.
fn fts_lexemes<'a>(parts: impl IntoIterator<Item = &'a str>) -> Lexemes {
    let mut text = String::new();
    // (start, end, position) of each occurrence kept
    let mut found: Vec<(usize, usize, u32)> = Vec::new();
    let mut position = 0u32;
    for (i, part) in parts.into_iter().enumerate() {
        if i > 0 {
            position += 1;
        }
        for word in part.split(|c: char| !c.is_alphanumeric()) {
            if word.is_empty() {
                continue;
            }
            position = (position + 1).min(MAX_POSITION);
            let start = text.len();
            text.extend(word.chars().map(super::fold));
            if text.len() - start > MAX_LEXEME {
                text.truncate(start);
                continue;
            }
            found.push((start, text.len(), position));
        }
    }
    let word = |o: &(usize, usize, u32)| &text.as_bytes()[o.0..o.1];
    found.sort_unstable_by(|a, b| word(a).cmp(word(b)).then(a.2.cmp(&b.2)));
    // each word once: its first occurrence and its positions
    let mut groups: Vec<(usize, usize, usize, usize)> = Vec::new(); // start, end, first, past
    for (i, o) in found.iter().enumerate() {
        match groups.last_mut() {
            Some(g) if word(&found[g.2]) == word(o) => g.3 = i + 1,
            _ => groups.push((o.0, o.1, i, i + 1)),
        }
    }
    // past 512 KiB of distinct words, the words first met are kept (a later word that
    // still fits too)
    let bytes: usize = groups.iter().map(|g| g.1 - g.0).sum();
    if bytes > MAX_DOCUMENT {
        let mut order: Vec<usize> = (0..groups.len()).collect();
        order.sort_unstable_by_key(|&g| found[groups[g].2].2);
        let mut keep = vec![false; groups.len()];
        let mut used = 0;
        for g in order {
            let len = groups[g].1 - groups[g].0;
            if used + len <= MAX_DOCUMENT {
                used += len;
                keep[g] = true;
            }
        }
        let mut kept = keep.iter();
        groups.retain(|_| *kept.next().expect("a mark a group"));
    }
    let mut positions = Vec::with_capacity(found.len());
    let lexemes = groups
        .iter()
        .map(|&(start, end, first, past)| {
            let from = positions.len();
            for o in &found[first..past] {
                let n = positions.len() - from;
                if n == 0 || (n < MAX_POSITIONS && positions.last() != Some(&o.2)) {
                    positions.push(o.2);
                }
            }
            (start..end, from..positions.len())
        })
        .collect();
    Lexemes {
        text,
        lexemes,
        positions,
    }
}

#[cfg(test)]
mod tests {
    use super::super::fts_words;
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    /// The lexemes as a map from each word to its positions, word by word: the first form,
    /// kept as the reference.
    fn by_map(parts: &[String]) -> Vec<(String, Vec<u32>)> {
        let mut lexemes: BTreeMap<String, Vec<u32>> = BTreeMap::new();
        let mut bytes = 0;
        let mut position = 0u32;
        for (i, part) in parts.iter().enumerate() {
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
        lexemes.into_iter().collect()
    }

    fn grouped(parts: &[String]) -> Vec<(String, Vec<u32>)> {
        let lexemes = fts_lexemes(parts.iter().map(String::as_str));
        (lexemes.iter())
            .map(|(w, p)| (w.to_string(), p.to_vec()))
            .collect()
    }

    proptest! {
        /// Sorting and grouping the occurrences gives the map's lexemes and positions.
        #[test]
        fn grouping_gives_the_lexemes_of_the_map(
            parts in prop::collection::vec("([a-cA-CäÄςΣİ0-9]{1,3}[ ,.'\\n]{1,2}){0,40}", 0..4)
        ) {
            prop_assert_eq!(grouped(&parts), by_map(&parts));
        }
    }

    /// At the limits: over-long words, positions past 16383, a word's 256th position, and
    /// more distinct bytes than a document holds (a later short word still fits).
    #[test]
    fn grouping_keeps_the_limits_of_the_map() {
        let long = "a".repeat(3000);
        let many: Vec<String> = (0..20_000).map(|i| format!("w{i}")).collect();
        let big: Vec<String> = (0..300)
            .map(|i| format!("{i:04}{}", "x".repeat(2000)))
            .collect();
        let cases = [
            vec![long, many.join(" "), "echo ".repeat(300)],
            vec![big.join(" "), "z".into()],
        ];
        for parts in cases {
            let (a, b) = (grouped(&parts), by_map(&parts));
            let first = a.iter().zip(&b).position(|(x, y)| x != y);
            assert_eq!(a.len(), b.len(), "{first:?}");
            assert!(first.is_none(), "{:?}", first.map(|i| (&a[i], &b[i])));
        }
    }
}
