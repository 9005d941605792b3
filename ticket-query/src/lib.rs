//! The ticket search language: search keys, sort rules and date expressions, parsed into typed
//! ASTs with spans and compiled to one parameterised SQL statement over the schema documented in
//! `ARCHITECTURE.md`.
//!
//! SKELETON: the public surface below is the contract with `ticket-core`; the parser and
//! compiler are being written (issue 3).
#![warn(missing_docs)]

mod catalogue;
mod date;

pub use catalogue::{Catalogue, StatusInfo};
pub use date::{parse_date_expr, DateExpr, DateError, ResolvedDate};
