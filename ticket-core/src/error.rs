//! The one error type of the core: every failure a caller can meet, each with a clear message.
use std::path::PathBuf;
use std::time::Duration;

use crate::config::ConfigError;

/// A rule a change set would break; reported all together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The ticket that breaks the rule.
    pub number: String,
    /// The rule in words.
    pub rule: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ticket {}: {}", self.number, self.rule)
    }
}

/// Everything that can go wrong in the core.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No ticket with that number.
    #[error("no ticket {number} in this silo")]
    NotFound {
        /// The number asked for.
        number: String,
    },
    /// The directory is not a silo.
    #[error("{} is not a silo (no silo.json and silo.db in it)", dir.display())]
    NotASilo {
        /// The directory.
        dir: PathBuf,
    },
    /// `create` on a directory that holds something.
    #[error("cannot create a silo in {}: the directory exists and is not empty", dir.display())]
    SiloExists {
        /// The directory.
        dir: PathBuf,
    },
    /// `create` of a team silo in a database schema that holds tables already.
    #[error("cannot create a team silo in {address}: schema {schema} already holds {tables} table(s); a team silo needs an empty schema (`?schema=NAME` makes a new one)")]
    TeamSiloExists {
        /// The silo's address, without its password.
        address: String,
        /// The schema (`public` unless the address names one).
        schema: String,
        /// How many tables it holds.
        tables: i64,
    },
    /// The database was written by a newer program.
    #[error("the silo's database has schema version {found}, newer than this program's {supported}: upgrade ticket")]
    SchemaTooNew {
        /// Version in the file.
        found: u32,
        /// Newest version this program knows.
        supported: u32,
    },
    /// A value that is not acceptable.
    #[error("invalid {what} '{value}': {reason}")]
    Invalid {
        /// What kind of value (title, tag, status, date, ...).
        what: &'static str,
        /// The value given.
        value: String,
        /// Why it is refused.
        reason: String,
    },
    /// A key only status changes may write.
    #[error("the property {key} is set by status changes (Merged/Duplicate) and cannot be changed directly")]
    Reserved {
        /// The key.
        key: String,
    },
    /// A relation that cannot be made.
    #[error("{message}")]
    Relation {
        /// What is wrong.
        message: String,
    },
    /// A relation that would close a cycle.
    #[error("{key} would make a cycle: {}", cycle.join(" → "))]
    Cycle {
        /// The relation key.
        key: String,
        /// The tickets on the cycle, first repeated at the end.
        cycle: Vec<String>,
    },
    /// Validation rules the change set would break.
    #[error("the change breaks {} validation rule(s): {}", violations.len(), violations.iter().map(|v| v.to_string()).collect::<Vec<_>>().join("; "))]
    Validation {
        /// Every broken rule.
        violations: Vec<Violation>,
    },
    /// A broken `silo.json`.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A search key or sort rule that does not parse or compile.
    #[error("{0}")]
    Search(ticket_query::Error),
    /// Another writer held the silo too long.
    #[error("silo is busy: another writer held it for more than {}s; nothing was changed", waited.as_secs_f64())]
    Busy {
        /// How long we waited.
        waited: Duration,
    },
    /// Every number of the LCG sequence has been issued.
    #[error("numbering exhausted: every number of the configured sequence has been issued")]
    NumberingExhausted,
    /// `import_ticket` with a number already in use.
    #[error("ticket number {number} is already taken")]
    NumberTaken {
        /// The number.
        number: String,
    },
    /// An import that cannot be done.
    #[error("import failed: {message}")]
    Import {
        /// Why.
        message: String,
    },
    /// A database file that is damaged or not a database.
    #[error("{} is damaged or not a ticket database: {detail}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What SQLite said.
        detail: String,
    },
    /// A silo this user may read but not change.
    #[error("{} is read-only for this user ({reason}): it can be read, not changed; nothing was changed", path.display())]
    ReadOnly {
        /// The database file.
        path: PathBuf,
        /// Why it cannot be written.
        reason: String,
    },
    /// A file-system failure.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A change record that does not decode or does not apply: from a damaged database, a
    /// file or a peer. Nothing was changed.
    #[error("change record {record} of ticket {ticket}: {message}")]
    BadRecord {
        /// The ticket's number or uuid.
        ticket: String,
        /// The record's id.
        record: String,
        /// What is wrong.
        message: String,
    },
    /// An undo that cannot be done: what changed since, or why the set cannot be undone.
    #[error("cannot undo change set {set}: {reason}; nothing was changed")]
    CannotUndo {
        /// The change set.
        set: String,
        /// Why.
        reason: String,
    },
    /// A database failure.
    #[error("database error: {0}")]
    Db(crate::storage::db::DbError),
    /// A sync peer that cannot be used as given (an address that is not a server's, a
    /// `TICKET_CA_FILE` that holds no certificate): bad usage.
    #[error("peer {peer}: {reason}")]
    BadPeer {
        /// The peer as given.
        peer: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Something this kind of silo cannot do.
    #[error("{what} is not supported on {backend}")]
    Unsupported {
        /// What was asked.
        what: String,
        /// The kind of silo.
        backend: &'static str,
    },
    /// A team silo's server cannot be reached or refuses the connection.
    #[error("cannot connect to the team silo {address}: {reason}")]
    Connect {
        /// The silo's address, without its password.
        address: String,
        /// What the server or the network said.
        reason: String,
    },
    /// A clone into a new team silo made the silo (with the source's configuration) but
    /// could not copy the change sets into it: the copy is empty, and a sync with the source
    /// fills it.
    #[error("the team silo {address} was made, but copying into it stopped: {source}; it holds no tickets: `ticket --silo ADDRESS sync SOURCE` fills it")]
    CloneUnfinished {
        /// The new silo's address, without its password.
        address: String,
        /// Why the copy stopped.
        source: Box<Error>,
    },
}

impl Error {
    /// Whether the error is bad usage (the CLI's exit status 2): a search key or sort rule that
    /// does not parse or compile.
    pub fn is_usage(&self) -> bool {
        matches!(self, Error::Search(_) | Error::BadPeer { .. })
    }

    pub(crate) fn invalid(what: &'static str, value: &str, reason: impl Into<String>) -> Error {
        Error::Invalid {
            what,
            value: value.to_string(),
            reason: reason.into(),
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        if let rusqlite::Error::SqliteFailure(f, _) = &e {
            if matches!(
                f.code,
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
            ) {
                return Error::Busy {
                    waited: Duration::ZERO,
                };
            }
        }
        let code = match &e {
            rusqlite::Error::SqliteFailure(f, _) => Some(format!("{:?}", f.code)),
            _ => None,
        };
        Error::Db(crate::storage::db::DbError {
            message: e.to_string(),
            code,
        })
    }
}

impl From<ticket_query::Error> for Error {
    fn from(e: ticket_query::Error) -> Self {
        Error::Search(e)
    }
}

/// The core's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
