//! What every command works with: the global options, the context (clock and author), the
//! output settings, and the silo to open.

use std::path::PathBuf;
use std::time::Duration;

use ticket_core::{Context, Env, Silo};

use crate::cli::Global;
use crate::error::{CliError, CliResult};
use crate::output::Output;

/// The resolved invocation.
pub struct Session {
    /// Global options.
    pub global: Global,
    /// Output settings.
    pub out: Output,
    /// Clock (`TICKET_NOW` or the system clock) and author.
    pub ctx: Context,
    /// The environment the silo list depends on (read once, here).
    pub env: Env,
}

impl Session {
    /// Reads the clock and author from the environment (the only place the CLI does).
    pub fn new(global: Global, quiet_word: bool) -> CliResult<Session> {
        let user = author(global.user.as_deref())?;
        let mut ctx = Context::from_env(user.as_deref()).map_err(CliError::from)?;
        if let Some(seconds) = global.busy_timeout {
            ctx.busy_timeout = Duration::from_secs(u64::from(seconds));
        }
        let offset = *ctx.clock.now().offset();
        let out = Output::new(&global, quiet_word, offset);
        Ok(Session {
            global,
            out,
            ctx,
            env: Env::from_process_env(),
        })
    }

    /// The silo directory: `--silo`, else `$TICKET_SILO`, else the active silo of the user's
    /// list; none of them is a usage error (exit 2).
    pub fn silo_dir(&self) -> CliResult<PathBuf> {
        crate::commands::silos::resolve(self.global.silo.as_deref(), &self.env)
    }

    /// Opens the silo.
    pub fn open(&self) -> CliResult<Silo> {
        let dir = self.silo_dir()?;
        Ok(Silo::open(&dir, self.ctx.clone())?)
    }
}

/// The author to hand to the core: `--user` when given (refused when empty or with control
/// characters: exit 2), else `None`: the core takes `$TICKET_USER`, `$USER`, `$USERNAME`, else
/// the operating system's name for this user (`Context::from_env`), so a change is never by
/// "unknown" merely because `$USER` is unset (cron, containers).
fn author(user: Option<&str>) -> CliResult<Option<String>> {
    if let Some(name) = user {
        if name.trim().is_empty() {
            return Err(CliError::Usage("--user: the name is empty".into()));
        }
        if name.chars().any(char::is_control) {
            return Err(CliError::Usage(format!(
                "--user: the name {name:?} contains control characters"
            )));
        }
        return Ok(Some(name.to_string()));
    }
    Ok(None)
}
