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
