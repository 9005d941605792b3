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
    /// else `TICKET_USER`, `USER`, `USERNAME`, else the operating system's name for this user,
    /// else `unknown`.
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
            .or_else(os_user_name)
            .unwrap_or_else(|| "unknown".to_string());
        Ok(Context::new(clock, author.trim()))
    }
}

/// The login name of the real user id (`getpwuid_r(getuid())`), if the system has one: the
/// author when no variable names one (cron, containers, a service without `$USER`), so the CLI
/// and Python name the same person.
#[cfg(unix)]
fn os_user_name() -> Option<String> {
    use std::ffi::CStr;
    let mut buf = vec![0 as libc::c_char; 1024];
    loop {
        // SAFETY: `passwd` is plain data that getpwuid_r fills; every pointer it stores points
        // into `buf`, which outlives the reads below; `found` is set to null or to `&passwd`.
        unsafe {
            let mut passwd: libc::passwd = std::mem::zeroed();
            let mut found: *mut libc::passwd = std::ptr::null_mut();
            let rc = libc::getpwuid_r(
                libc::getuid(),
                &mut passwd,
                buf.as_mut_ptr(),
                buf.len(),
                &mut found,
            );
            if rc == libc::ERANGE && buf.len() < 1 << 20 {
                buf.resize(buf.len() * 4, 0);
                continue;
            }
            if rc != 0 || found.is_null() || passwd.pw_name.is_null() {
                return None;
            }
            let name = CStr::from_ptr(passwd.pw_name).to_str().ok()?;
            return (!name.trim().is_empty() && !name.chars().any(char::is_control))
                .then(|| name.to_string());
        }
    }
}

/// No user database to ask.
#[cfg(not(unix))]
fn os_user_name() -> Option<String> {
    None
}
