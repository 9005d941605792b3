//! The clock and the author: the only inputs a write takes from outside its arguments.
use std::time::Duration;

use chrono::{DateTime, FixedOffset, Local, NaiveDate, Utc};

use crate::error::{Error, Result};

/// Where time comes from: the system clock, or a fixed instant (`TICKET_NOW`, tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clock {
    fixed: Option<DateTime<FixedOffset>>,
}

impl Clock {
    /// The system clock; "today" is the local date.
    pub fn system() -> Clock {
        Clock { fixed: None }
    }
    /// A clock stopped at `at`; "today" is `at`'s date in its own offset.
    pub fn fixed(at: DateTime<FixedOffset>) -> Clock {
        Clock { fixed: Some(at) }
    }
    /// Now.
    pub fn now(&self) -> DateTime<FixedOffset> {
        self.fixed.unwrap_or_else(|| Local::now().fixed_offset())
    }
    /// Now, in UTC.
    pub fn now_utc(&self) -> DateTime<Utc> {
        self.now().with_timezone(&Utc)
    }
    /// Today's date (local time, or the fixed instant's own offset).
    pub fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }
}

/// The clock and author of the writes made through a silo handle.
#[derive(Debug, Clone)]
pub struct Context {
    /// The clock.
    pub clock: Clock,
    /// The author of changes.
    pub author: String,
    /// How long a writer waits for the lock before `Error::Busy` (default 20 s).
    pub busy_timeout: Duration,
}

impl Context {
    /// A context with the default busy timeout.
    pub fn new(clock: Clock, author: impl Into<String>) -> Context {
        Context {
            clock,
            author: author.into(),
            busy_timeout: Duration::from_secs(20),
        }
    }

    /// For the edges (CLI, Python): `TICKET_NOW` (RFC 3339) else the system clock; `user`
    /// else `TICKET_USER` else the operating-system user name.
    pub fn from_env(user: Option<&str>) -> Result<Context> {
        let clock = match std::env::var("TICKET_NOW") {
            Ok(text) if !text.trim().is_empty() => {
                Clock::fixed(DateTime::parse_from_rfc3339(text.trim()).map_err(|e| {
                    Error::invalid(
                        "TICKET_NOW",
                        &text,
                        format!("expected RFC 3339 such as 2024-03-01T09:00:00Z ({e})"),
                    )
                })?)
            }
            _ => Clock::system(),
        };
        let author = user
            .map(str::to_string)
            .or_else(|| std::env::var("TICKET_USER").ok())
            .or_else(|| std::env::var("USER").ok())
            .or_else(|| std::env::var("USERNAME").ok())
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(|| "unknown".to_string());
        Ok(Context::new(clock, author.trim()))
    }
}
