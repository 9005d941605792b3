//! The SQL builder: text only from `&'static str`, every value bound.
use std::fmt;

/// A value bound to a `?N` parameter.
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
/// [`Sql::bind`], which writes a `?` placeholder. Placeholders become `?1`, `?2`, … when a
/// statement is rendered.
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

    pub(crate) fn append(&mut self, other: Sql) -> &mut Self {
        self.text.push_str(&other.text);
        self.params.extend(other.params);
        self
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// Numbers the placeholders in order of appearance: `?` → `?1`, `?2`, …
    pub(crate) fn render(self) -> (String, Vec<SqlValue>) {
        let mut out = String::with_capacity(self.text.len() + 8);
        let mut n = 0;
        for c in self.text.chars() {
            out.push(c);
            if c == '?' {
                n += 1;
                out.push_str(&n.to_string());
            }
        }
        (out, self.params)
    }
}
