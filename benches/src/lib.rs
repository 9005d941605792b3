//! Deterministic silo generator, peer exports and benchmark helpers (quality spec §1).
//!
//! The binary (`src/main.rs`) and the criterion benchmarks (`benches/`) share this library.
//! Feature `silo` (off until the ticket-core silo API is merged) adds the silo builder, the
//! ratio table and the criterion benches; without it the generator and the peer exports work.
#![warn(missing_docs)]

pub mod baseline;
#[cfg(feature = "silo")]
pub mod build;
#[cfg(feature = "silo")]
pub mod compiled;
pub mod export;
#[cfg(feature = "silo")]
pub mod floor;
pub mod gen;
#[cfg(feature = "silo")]
pub mod support;
pub mod typical;

pub use gen::{generate, silo_json, Dataset, EntrySpec, TicketSpec, DEFAULT_SEED};
