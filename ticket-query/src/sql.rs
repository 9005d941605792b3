//! The SQL builder: text only from `&'static str`, every value bound.
use std::fmt;

use crate::dialect::Dialect;

/// A value bound to a parameter (`?N` in SQLite, `$N` in PostgreSQL).
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    /// NULL.
    Null,
    /// An integer.
    Integer(i64),
    /// A floating-point number.
    Real(f64),
    /// Text.
    Text(String),
}

impl fmt::Display for SqlValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SqlValue::Null => f.write_str("NULL"),
            SqlValue::Integer(i) => write!(f, "{i}"),
            SqlValue::Real(r) => write!(f, "{r}"),
            SqlValue::Text(t) => write!(f, "{t:?}"),
        }
    }
}

/// SQL under construction. Text can only be appended from `&'static str`; values only through
/// [`Sql::bind`], which writes a `?` placeholder. Placeholders become `?1`, `?2`, … (or the
/// dialect's spelling) when a statement is rendered.
#[derive(Debug, Clone, Default)]
pub(crate) struct Sql {
    text: String,
    params: Vec<SqlValue>,
}

impl Sql {
    pub(crate) fn push(&mut self, text: &'static str) -> &mut Self {
        debug_assert!(!text.contains('?'), "placeholders only through bind");
        self.text.push_str(text);
        self
    }

    pub(crate) fn bind(&mut self, value: SqlValue) -> &mut Self {
        self.text.push('?');
        self.params.push(value);
        self
    }

    pub(crate) fn text(&mut self, value: impl Into<String>) -> &mut Self {
        self.bind(SqlValue::Text(value.into()))
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// Length of the text so far, in bytes.
    pub(crate) fn len(&self) -> usize {
        self.text.len()
    }

    /// Whether the text so far begins with `prefix`.
    pub(crate) fn starts_with(&self, prefix: &str) -> bool {
        self.text.starts_with(prefix)
    }

    /// Appends `other`, its text and its values.
    pub(crate) fn append(&mut self, other: Sql) -> &mut Self {
        self.text.push_str(&other.text);
        self.params.extend(other.params);
        self
    }

    /// What lies between `open` and `close` when this piece is exactly `open … close` and the
    /// parenthesis `open` ends with is closed by the first character of `close` (so `(a) OR
    /// (b)` is not `(` … `)`). The values all belong to the inside: the program text around
    /// it holds no placeholder.
    pub(crate) fn inside(&self, open: &str, close: &str) -> Option<Sql> {
        debug_assert!(open.ends_with('(') && close.starts_with(')'));
        let inner = self.text.strip_prefix(open)?.strip_suffix(close)?;
        let mut depth = 0usize;
        for b in inner.bytes() {
            match b {
                b'(' => depth += 1,
                b')' => depth = depth.checked_sub(1)?,
                _ => {}
            }
        }
        (depth == 0).then(|| Sql {
            text: inner.to_string(),
            params: self.params.clone(),
        })
    }

    /// Whether the text names the outer query's `tickets t` (`t.` after a character that
    /// cannot end a name): such a piece cannot move into another subquery.
    pub(crate) fn names_outer_ticket(&self) -> bool {
        let b = self.text.as_bytes();
        (0..b.len().saturating_sub(1)).any(|i| {
            b[i] == b't'
                && b[i + 1] == b'.'
                && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_'))
        })
    }
}

/// A statement being rendered from program text and [`Sql`] pieces: placeholders are numbered
/// as they are copied, and the pieces are only borrowed (a compiled search renders several
/// statements from the same condition and order).
#[derive(Debug)]
pub(crate) struct Statement {
    dialect: Dialect,
    text: String,
    params: Vec<SqlValue>,
}

impl Statement {
    pub(crate) fn with_capacity(dialect: Dialect, bytes: usize) -> Statement {
        Statement {
            dialect,
            text: String::with_capacity(bytes),
            params: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, text: &'static str) -> &mut Self {
        debug_assert!(!text.contains('?'), "placeholders only through bind");
        self.text.push_str(text);
        self
    }

    pub(crate) fn bind(&mut self, value: SqlValue) -> &mut Self {
        self.dialect
            .placeholder(&mut self.text, self.params.len() + 1, &value);
        self.params.push(value);
        self
    }

    /// Copies `piece`, numbering its placeholders after the ones already here.
    pub(crate) fn sql(&mut self, piece: &Sql) -> &mut Self {
        let mut params = piece.params.iter();
        let mut rest = piece.text.as_str();
        while let Some(q) = rest.find('?') {
            self.text.push_str(&rest[..q]);
            self.bind(params.next().expect("one value per placeholder").clone());
            rest = &rest[q + 1..];
        }
        self.text.push_str(rest);
        self
    }

    pub(crate) fn finish(self) -> (String, Vec<SqlValue>) {
        (self.text, self.params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn piece(parts: &[&'static str]) -> Sql {
        let mut sql = Sql::default();
        for (i, p) in parts.iter().enumerate() {
            if i > 0 {
                sql.text(format!("v{i}"));
            }
            sql.push(p);
        }
        sql
    }

    /// The inside of `open … close` only when the parenthesis `open` ends with closes at
    /// `close`, with every value.
    #[test]
    fn the_inside_of_a_piece_is_what_its_outer_parenthesis_holds() {
        let semi = piece(&["t.id IN (SELECT ticket_id FROM tags WHERE tag_lc = ", ")"]);
        let inner = semi.inside("t.id IN (", ")").unwrap();
        assert_eq!(inner.text, "SELECT ticket_id FROM tags WHERE tag_lc = ?");
        assert_eq!(inner.params, vec![SqlValue::Text("v1".into())]);
        // two parenthesised pieces: the first parenthesis closes before the end
        let two = piece(&["t.id IN (SELECT 1) OR t.id IN (SELECT 2)"]);
        assert!(two.inside("t.id IN (", ")").is_none());
        let unbalanced = piece(&["t.id IN (SELECT (1)"]);
        assert!(unbalanced.inside("t.id IN (", ")").is_none());
        assert!(semi.inside("NOT (t.id IN (", "))").is_none());
    }

    #[test]
    fn a_piece_naming_the_outer_ticket_is_told() {
        assert!(piece(&["SELECT 1 WHERE ticket_id = t.id"]).names_outer_ticket());
        assert!(piece(&["t.status = 1"]).names_outer_ticket());
        assert!(!piece(&["SELECT ticket_id FROM tags WHERE tag_lc = ", ""]).names_outer_ticket());
        assert!(!piece(&["SELECT d.id FROM (SELECT 1) st.x"]).names_outer_ticket());
    }
}
