//! The ticket domain: silos, tickets, their rules, SQLite storage and the change log.
//!
//! ```
//! use ticket_core::{Clock, Context, Silo};
//! let dir = tempfile::tempdir().unwrap();
//! let now = chrono::DateTime::parse_from_rfc3339("2024-03-13T09:00:00Z").unwrap();
//! let silo = Silo::create(&dir.path().join("homelab"), Context::new(Clock::fixed(now), "alice")).unwrap();
//! let n = silo.new_ticket("Replace the NAS disk", None, "SMART errors on sdb").unwrap();
//! silo.add_tag(n.as_str(), "hardware").unwrap();
//! silo.add_entry(n.as_str(), "ordered a disk", 10).unwrap();
//! assert_eq!(silo.numbers("s:* g=hardware", "n").unwrap(), vec![n.clone()]);
//! assert_eq!(silo.get(n.as_str()).unwrap().total_minutes(), 10);
//! ```
//!
//! See `ARCHITECTURE.md` for the schema of the derived tables and the change log.
#![warn(missing_docs)]

mod allocator;
mod api;
mod apply;
mod catalogue;
mod changes;
pub mod config;
mod config_watch;
mod content;
mod context;
mod error;
mod exchange;
mod fresh;
#[doc(hidden)]
pub mod fuzzing;
mod guarded;
mod log;
mod model;
mod numbering;
mod pem;
mod read;
mod rebuild;
pub mod registry;
mod saved;
mod search;
pub mod serial;
mod silo;
mod storage;
mod stored_at;
mod sync;
mod validate;
mod write;

pub use allocator::sqlite_uses_mimalloc;
pub use api::{Batch, Edit, NewTicket};
pub use catalogue::SiloCatalogue;
pub use changes::{Change, ChangeOp};
pub use config::*;
pub use context::{Clock, Context};
pub use error::{Error, Result, Violation};
pub use exchange::{ExportFormat, ImportReport, TimeReport, TimeRow};
pub use log::wire::WireRecord;
pub use log::{ChangeId, ReplicaId, SetId};
pub use model::{
    Attachment, DeadlineState, Entry, PropertyKey, PropertyValue, Status, Tag, Ticket,
    TicketNumber, TicketRow,
};
pub use rebuild::RebuildStats;
pub use registry::*;
pub use saved::saved_search_problems;
pub use search::Explanation;
pub use serial::{Money, TicketDoc, TimeReportDoc};
pub use silo::Silo;
pub use storage::db::DbError;
pub use storage::postgres::{is_address as is_team_address, redact_address, TEAM_SCHEMA_VERSION};
pub use storage::{register_sql_functions, SCHEMA_VERSION};
pub use sync::{
    is_http, token_from_env, Bundle, Conflict, Content, Direction, HttpPeer, Moved, Peer,
    Renumbered, Summary, SyncReport, SyncStep, TimelineChange, TimelineSet, UndoReport,
    CA_FILE_VAR, TOKEN_VAR,
};
pub use ticket_query::SqlValue;
pub use write::{EditOp, MAX_TITLE_BYTES};
