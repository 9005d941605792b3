//! Date expressions (domain spec 4.3).
use chrono::{NaiveDate, NaiveDateTime};

/// A parsed date expression (`ANCHOR`, `ANCHOR±N[UNIT]` or `±N[UNIT]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateExpr {
    text: String,
}

/// A date expression resolved against today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResolvedDate {
    /// A day.
    Date(NaiveDate),
    /// A day and a time (minutes).
    DateTime(NaiveDateTime),
}

/// Why a text is not a date expression.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a date expression: {text}")]
pub struct DateError {
    /// The offending text.
    pub text: String,
}

/// Parses a date expression.
pub fn parse_date_expr(text: &str) -> Result<DateExpr, DateError> {
    Err(DateError { text: text.to_string() })
}

impl DateExpr {
    /// Resolves the expression against `today`.
    pub fn resolve(&self, _today: NaiveDate) -> ResolvedDate {
        unimplemented!("skeleton")
    }
}
