//! The command's errors and their exit status: 1 the command failed, 2 bad usage.

use std::fmt;
use std::time::Duration;

/// Why a command did not succeed.
#[derive(Debug)]
pub enum CliError {
    /// Bad usage (exit 2): wrong arguments, a search key or sort rule that does not parse or
    /// compile, an unknown saved search, no silo given.
    Usage(String),
    /// The command failed (exit 1): not found, validation, busy silo, I/O.
    Failed(String),
    /// Another writer held the silo longer than the busy timeout (exit 1).
    Busy {
        /// How long the write waited (at least the timeout; see [`CliError::waited_at_least`]).
        waited: Duration,
    },
    /// Standard output was closed by the reader (`ticket lt | head`): stop quietly, exit 0.
    Closed,
}

impl CliError {
    /// The process exit status for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => 2,
            CliError::Failed(_) | CliError::Busy { .. } => 1,
            CliError::Closed => 0,
        }
    }

    /// A busy error waited at least `timeout`: the core reports a lock met while opening the
    /// silo as no wait at all, though SQLite waited the whole timeout for it.
    pub fn waited_at_least(self, timeout: Duration) -> CliError {
        match self {
            CliError::Busy { waited } => CliError::Busy {
                waited: waited.max(timeout),
            },
            other => other,
        }
    }

    /// Maps a core error; `search` is the search key and sort rule the command passed, used
    /// for the caret display of a syntax error.
    pub fn from_core(err: ticket_core::Error, search: Option<(&str, &str)>) -> CliError {
        if let ticket_core::Error::Search(query_err) = &err {
            let (key, sort) = search.unwrap_or(("", ""));
            return CliError::Usage(render_search_error(query_err, key, sort));
        }
        if let ticket_core::Error::Busy { waited } = err {
            return CliError::Busy { waited };
        }
        if err.is_usage() {
            CliError::Usage(err.to_string())
        } else {
            CliError::Failed(err.to_string())
        }
    }
}

/// The caret display of a search-key or sort-rule error, under the text it is about. The
/// error does not say which of the two it comes from: a sort error is one where the key parses
/// and the sort rule does not, or a [`ticket_query::ErrorKind::BadSort`].
fn render_search_error(err: &ticket_query::Error, key: &str, sort: &str) -> String {
    let in_sort = error_in_sort(err, key, sort);
    let source = if in_sort { sort } else { key };
    let text = err.render(source);
    // `main` puts the `error: ` in front of every message.
    text.strip_prefix("error: ")
        .map(str::to_string)
        .unwrap_or(text)
}

/// Whether a search error is about the sort rule rather than the search key `key`: a
/// [`ticket_query::ErrorKind::BadSort`], or one where the key parses and the sort rule does not.
pub(crate) fn error_in_sort(err: &ticket_query::Error, key: &str, sort: &str) -> bool {
    err.kind() == ticket_query::ErrorKind::BadSort
        || (ticket_query::parse_search(key).is_ok() && ticket_query::parse_sort(sort).is_err())
}

impl From<ticket_core::Error> for CliError {
    fn from(err: ticket_core::Error) -> CliError {
        CliError::from_core(err, None)
    }
}

impl From<std::io::Error> for CliError {
    fn from(err: std::io::Error) -> CliError {
        if err.kind() == std::io::ErrorKind::BrokenPipe {
            return CliError::Closed;
        }
        CliError::Failed(err.to_string())
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Usage(m) | CliError::Failed(m) => f.write_str(m),
            CliError::Busy { waited } => write!(
                f,
                "silo is busy: another writer held it for more than {} s; nothing was changed \
                 (wait longer with --busy-timeout SECONDS or TICKET_BUSY_TIMEOUT)",
                waited.as_secs()
            ),
            CliError::Closed => f.write_str("output closed"),
        }
    }
}

/// Result of a command.
pub type CliResult<T = ()> = Result<T, CliError>;
