//! The ticket search language: search keys, sort rules and date expressions, parsed into typed
//! ASTs with spans and compiled to one parameterised SQL statement over the schema documented in
//! `ARCHITECTURE.md`.
//!
//! ```
//! let key = ticket_query::parse_search("s:* (g=bug | p=severity:=high:)").unwrap();
//! assert_eq!(key.to_string(), "s:*: (g=bug: | p=severity:=high:)");
//! let err = ticket_query::parse_search("s:ox:").unwrap_err();
//! assert_eq!(err.span().start, 3);
//! ```
#![warn(missing_docs)]

mod ast;
mod catalogue;
mod compile;
mod date;
mod describe;
mod dialect;
mod error;
mod parser;
mod span;
mod sql;

pub use ast::*;
pub use catalogue::{Catalogue, StatusInfo, STATUSES};
pub use compile::{compile, compile_for, normalise_status, parse_decimal, Compiled};
pub use date::{
    parse_absolute, parse_date_expr, parse_repeater, Anchor, DateError, DateExpr, RepeatKind,
    Repeater, ResolvedDate, Unit,
};
pub use describe::describe;
pub use dialect::{fts_document, fts_document_binary, fts_words, Dialect};
pub use error::{Error, ErrorKind};
pub use parser::{parse_search, parse_sort, MAX_DEPTH, MAX_LEN, STATUS_LETTERS};
pub use span::Span;
pub use sql::SqlValue;
