//! Deterministic silo generator, peer exports and benchmark helpers (quality spec §1).
//!
//! The binary (`src/main.rs`) and the criterion benchmarks (`benches/`) share this library.
#![warn(missing_docs)]

pub mod build;
pub mod compiled;
pub mod export;
pub mod gen;
pub mod support;
pub mod typical;

pub use gen::{generate, silo_json, Dataset, EntrySpec, TicketSpec, DEFAULT_SEED};
