//! The change log: typed records, their codecs, identities and the causal order (sync.md 1).
//!
//! * A change set is stamped with a hybrid logical clock: the wall clock in microseconds,
//!   raised to one more than the greatest clock in the log when that is ahead. Every change
//!   set therefore comes after every change set its writer had seen, whatever the wall clocks
//!   say; the replay order is `(clock, replica id, index in the set)`, the same on every copy.
//! * A record is an [`Operation`] on a ticket; [`record`] holds its one storage codec and
//!   [`wire`] its one exchange codec (full export/import, bundles, sync).
//! * Wall-clock times (`at`) are data: shown in history, `Opened`, `Last_update`.
mod history;
mod ids;
pub(crate) mod migrate;
mod record;
pub(crate) mod wire;

pub(crate) use history::{describe, number_of};
pub(crate) use ids::{check_sha256, check_ticket_uuid};
pub use ids::{ChangeId, ReplicaId, SetId};
pub(crate) use record::{
    check_author, check_file_name, check_text, check_title, Operation, Record, Row, OP_NAMES,
};

/// Microseconds since 1970 of a wall-clock time (0 before 1970).
pub(crate) fn micros(at: chrono::DateTime<chrono::Utc>) -> u64 {
    at.timestamp_micros().max(0) as u64
}

/// The clock of a new change set: the wall clock, or one past the greatest clock the log
/// holds (or this transaction already used) when that is ahead.
pub(crate) fn next_clock(wall: u64, greatest_seen: u64) -> u64 {
    wall.max(greatest_seen + 1)
}
