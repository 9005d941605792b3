//! The one structured error of the language: kind, byte span, message and hint.
use std::fmt;

use crate::span::Span;

/// What kind of problem a search key or sort rule has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The text does not follow the grammar.
    Syntax,
    /// A status letter or name that does not exist.
    UnknownStatus,
    /// A date expression that does not parse.
    BadDate,
    /// A regular expression that does not compile.
    BadRegex,
    /// A saved search that does not exist.
    UnknownSavedSearch,
    /// Saved searches that refer to each other.
    SavedSearchCycle,
    /// A sort key that cannot be used (e.g. `v` on a key without a value list).
    BadSort,
    /// Nesting deeper than 64 or a key longer than 8 KiB.
    TooLarge,
}

/// A parse or compile error with the span of the offending text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    span: Span,
    message: String,
    hint: Option<String>,
}

impl Error {
    /// An error of `kind` at `span`.
    pub fn new(kind: ErrorKind, span: Span, message: impl Into<String>) -> Error {
        Error {
            kind,
            span,
            message: message.into(),
            hint: None,
        }
    }

    /// The same error with a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Error {
        self.hint = Some(hint.into());
        self
    }

    /// The kind.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
    /// The byte span in the input.
    pub fn span(&self) -> Span {
        self.span
    }
    /// What was found and what was expected.
    pub fn message(&self) -> &str {
        &self.message
    }
    /// A hint, where one helps.
    pub fn hint(&self) -> Option<&str> {
        self.hint.as_deref()
    }

    /// The caret display: the message, the input, and a caret under the offending text with
    /// the hint beside it.
    ///
    /// ```
    /// let err = ticket_query::parse_search("s:ox: g=risk").unwrap_err();
    /// assert_eq!(
    ///     err.render("s:ox: g=risk"),
    ///     "error: unknown status letter 'x'\n  s:ox: g=risk\n     ^ expected one of o i b w p c a m d *"
    /// );
    /// ```
    pub fn render(&self, input: &str) -> String {
        let line: String = input
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let start = self.span.start.min(input.len());
        let end = self.span.end.clamp(start, input.len());
        let pad = input.get(..start).map_or(start, |s| s.chars().count());
        let width = input
            .get(start..end)
            .map_or(1, |s| s.chars().count())
            .max(1);
        let mut out = format!(
            "error: {}\n  {}\n  {}{}",
            self.message,
            line,
            " ".repeat(pad),
            "^".repeat(width)
        );
        if let Some(hint) = &self.hint {
            out.push(' ');
            out.push_str(hint);
        }
        out
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (at bytes {}..{})",
            self.message, self.span.start, self.span.end
        )
    }
}

impl std::error::Error for Error {}
