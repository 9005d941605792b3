//! The SQL each backend needs for the one AST: the compiler writes the language's meaning once
//! and asks the dialect only for the spellings that differ (placeholders, substring and regular
//! expression matches, full text, the lower-cased text columns, planner hints).
//!
//! Both dialects read the same derived tables (`tickets t`, `tags`, `properties`, `entries`,
//! `ticket_fts`) with the same `*_lc` columns, which the storage fills with Rust's Unicode lower
//! case, so that a comparison means the same on both. PostgreSQL's schema keeps, in addition,
//! `tickets.title_lc`, `tickets.summary_lc` and `entries.text_lc` where SQLite lowers through
//! its registered `lower()` (also Rust's), and a `tsvector` document per ticket built by
//! [`fts_document`] where SQLite has its FTS5 table.
mod postgres;
mod sqlite;

pub use postgres::{fts_document, fts_document_binary};

use crate::sql::{Sql, SqlValue};

/// The SQL dialect a search compiles to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Dialect {
    /// SQLite (a directory silo): `?N` placeholders, the registered `regexp()` and `lower()`,
    /// FTS5 `MATCH`.
    #[default]
    Sqlite,
    /// PostgreSQL (a team silo): `$N` placeholders with explicit types, `~*`, `tsvector @@
    /// tsquery`, stored lower-case columns.
    Postgres,
}

/// The text columns a field term reads: lower-cased for `=`, `^` and `:`, raw for `~`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FieldColumns {
    pub(crate) lc: &'static str,
    pub(crate) raw: &'static str,
    /// `lc` is a stored column (`tag_lc`, `value_lc`, PostgreSQL's `title_lc` …), not an
    /// expression computed per row (SQLite's `lower(t.title)`).
    pub(crate) stored: bool,
}

impl FieldColumns {
    /// A stored lower-case column and its raw column.
    pub(crate) fn stored(lc: &'static str, raw: &'static str) -> FieldColumns {
        FieldColumns {
            lc,
            raw,
            stored: true,
        }
    }
}

/// Which text field of a ticket.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Field {
    Title,
    Summary,
    /// An entry's text, inside a subquery on `entries`.
    Entry,
}

impl Dialect {
    /// The lower-cased and the raw column of a text field.
    pub(crate) fn field(self, field: Field) -> FieldColumns {
        let (lc, raw) = match (self, field) {
            // SQLite keeps no lower case of these texts: `lower()` (the silo's Unicode one)
            (Dialect::Sqlite, Field::Title) => ("lower(t.title)", "t.title"),
            (Dialect::Sqlite, Field::Summary) => ("lower(t.summary)", "t.summary"),
            (Dialect::Sqlite, Field::Entry) => ("lower(text)", "text"),
            (Dialect::Postgres, Field::Title) => ("t.title_lc", "t.title"),
            (Dialect::Postgres, Field::Summary) => ("t.summary_lc", "t.summary"),
            (Dialect::Postgres, Field::Entry) => ("text_lc", "text"),
        };
        FieldColumns {
            lc,
            raw,
            stored: self == Dialect::Postgres,
        }
    }

    /// The column contains `needle` (already lower case), ignoring case. A stored lower
    /// case is searched with `instr`/`strpos`; where SQLite would lower every row's text
    /// (`lower(t.title)`), it asks the silo's `contains_ci(raw, needle)` instead: the same
    /// answer as `instr(lower(raw), needle) > 0` without a lower-case copy of each text made
    /// and handed back (`t:word` on 1M tickets took 1.76× a hand-written `LIKE`).
    pub(crate) fn contains(self, sql: &mut Sql, cols: FieldColumns, needle: String) {
        if !cols.stored && self == Dialect::Sqlite {
            sql.push("contains_ci(")
                .push(cols.raw)
                .push(", ")
                .text(needle)
                .push(")");
            return;
        }
        let function = match self {
            Dialect::Sqlite => "instr(",
            Dialect::Postgres => "strpos(",
        };
        sql.push(function)
            .push(cols.lc)
            .push(", ")
            .text(needle)
            .push(") > 0");
    }

    /// `col` matches the regular expression `pattern`, ignoring case.
    pub(crate) fn regex(self, sql: &mut Sql, col: &'static str, pattern: String) {
        match self {
            Dialect::Sqlite => sqlite::regex(sql, col, pattern),
            Dialect::Postgres => postgres::regex(sql, col, pattern),
        }
    }

    /// The tickets whose title, summary or entries hold the phrase `words` (lower case, at
    /// least one), the last word as a prefix when `prefix`: `t.id IN (…)`.
    pub(crate) fn full_text(self, sql: &mut Sql, words: &[String], prefix: bool) {
        match self {
            Dialect::Sqlite => sqlite::full_text(sql, words, prefix),
            Dialect::Postgres => postgres::full_text(sql, words, prefix),
        }
    }

    /// The condition of a property subquery correlated with `t` on the key (bound next):
    /// SQLite is told to use no index (`NOT INDEXED`), which leaves it the table's own key
    /// `(ticket_id, key_lc, id)`: one seek to the ticket's values of that key, never a scan of
    /// every row of the key through `properties_kv`. (The `+key_lc` used before schema 4's
    /// key made SQLite seek by ticket alone and filter the key: 25–35% slower sorts on 100k.)
    /// PostgreSQL's planner picks the primary key by itself.
    pub(crate) fn correlated_key(self) -> &'static str {
        match self {
            Dialect::Sqlite => " FROM properties NOT INDEXED WHERE ticket_id = t.id AND key_lc = ",
            Dialect::Postgres => " FROM properties WHERE ticket_id = t.id AND key_lc = ",
        }
    }

    /// `col >= value` for the lower bound of a recent window on a timestamp column
    /// (`p=last_update:]-2w:`), spelled so that the planner expects a small share of the
    /// tickets. SQLite with a silo's statistics (averages, no histogram samples) guesses a
    /// quarter of the rows for a one-sided range, so on 100k and 1M tickets it walked every
    /// ticket in number order to spare the sort (1M: 82 ms idle, 300 ms loaded, for one row);
    /// for a range with both ends it guesses 1/64 and reads the index range. So SQLite gets an
    /// upper end every timestamp is below ([`TIMESTAMP_CEILING`]); `likelihood(…)` was tried
    /// and is ignored once histogram samples exist. When the window does hold most tickets (a
    /// silo made this month), the range and its sort cost about 1.3× the walk. PostgreSQL's
    /// histograms see the range as it is.
    pub(crate) fn recent_lower_bound(self, sql: &mut Sql, col: &'static str, value: SqlValue) {
        sql.push(col).push(" >= ").bind(value);
        if self == Dialect::Sqlite {
            sql.push(" AND ")
                .push(col)
                .push(" < ")
                .text(TIMESTAMP_CEILING);
        }
    }

    /// A condition that always holds (an empty saved search).
    pub(crate) fn always(self) -> &'static str {
        match self {
            Dialect::Sqlite => "1",
            Dialect::Postgres => "TRUE",
        }
    }

    /// The sort expression for the title.
    pub(crate) fn title_order(self) -> &'static str {
        self.field(Field::Title).lc
    }

    /// Appends the placeholder for the `n`th (1-based) bound value.
    pub(crate) fn placeholder(self, out: &mut String, n: usize, value: &SqlValue) {
        match self {
            Dialect::Sqlite => {
                out.push('?');
                push_decimal(out, n);
            }
            Dialect::Postgres => postgres::placeholder(out, n, value),
        }
    }
}

/// A text above every stored timestamp (`YYYY-MM-DDTHH:MM:SS…Z`, the year at most 9999):
/// the day after the last the date language can name.
pub(crate) const TIMESTAMP_CEILING: &str = "9999-12-32";

/// Appends `n` in decimal without a temporary string.
pub(crate) fn push_decimal(out: &mut String, n: usize) {
    if n >= 10 {
        push_decimal(out, n / 10);
    }
    out.push(char::from(b'0' + (n % 10) as u8));
}

/// The words of a text as full-text search sees them: maximal runs of letters and digits,
/// each character folded as SQLite's FTS5 `unicode61` tokenizer folds it, by Unicode simple
/// case folding, one character for one: `Ä` is `ä`, a final `ς` is `σ`, `ſ` is `s`, and `İ`
/// stays `İ` (it has no simple folding; `str::to_lowercase` gives `i` + U+0307, which the
/// tokenizer would split at). A search's `x:` operand and PostgreSQL's documents
/// ([`fts_document`]) are both split by this function, so `x:ΟΔΟΣ`, `x:οδος` and `x:İstanbul`
/// find the same tickets on both backends.
///
/// ```
/// let words: Vec<String> = ticket_query::fts_words("İstanbul: ΟΔΟΣ, Don't").collect();
/// assert_eq!(words, ["İstanbul", "οδοσ", "don", "t"]);
/// ```
pub fn fts_words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.chars().map(fold).collect())
}

/// One character's simple case folding: its lower case when that is one character, with the
/// letters whose folding is not their lower case (the Greek and Latin variant forms).
/// Not covered: Cherokee small letters (they fold to the capitals), and letters newer than
/// SQLite's tables.
fn fold(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    match c {
        'ς' => 'σ',
        'ſ' => 's',
        'ϐ' => 'β',
        'ϑ' => 'θ',
        'ϕ' => 'φ',
        'ϖ' => 'π',
        'ϰ' => 'κ',
        'ϱ' => 'ρ',
        'ϵ' => 'ε',
        'ẛ' => 'ṡ',
        '\u{1FBE}' => 'ι',
        _ => {
            let mut lower = c.to_lowercase();
            match (lower.next(), lower.next()) {
                (Some(l), None) => l,
                _ => c,
            }
        }
    }
}
