//! The ticket search language: search keys, sort rules and date expressions, parsed into typed
//! ASTs with spans and compiled to one parameterised SQL statement over the schema documented in
//! `ARCHITECTURE.md`.
#![warn(missing_docs)]

mod catalogue;
mod date;
mod span;

pub use catalogue::{Catalogue, StatusInfo};
pub use date::{
    parse_absolute, parse_date_expr, parse_repeater, Anchor, DateError, DateExpr, RepeatKind,
    Repeater, ResolvedDate, Unit,
};
pub use span::Span;
