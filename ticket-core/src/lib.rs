//! The ticket domain: silos, tickets, their rules, SQLite storage and the change log.
//!
//! SKELETON: being written (issue 2).
#![warn(missing_docs)]

pub mod config;
pub mod registry;

pub use config::*;
pub use registry::*;
