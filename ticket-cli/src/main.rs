//! The `ticket` command: a thin layer over `ticket-core` (see `ticket --help` and cli.md).
//!
//! Arguments are prepared ([`argv`]), parsed by clap ([`cli`]), and run by one handler in
//! [`commands`]; the handler makes one core call and prints through [`output`].
//!
//! # Decisions where cli.md is silent
//!
//! - Long command names ignore `-` and `_` but not letter case; abbreviations are exact.
//!   `ticket help new-ticket` normalises the word after `help` too.
//! - Writes that create something print it: `created ticket 12`, `added entry 2 to ticket 12`,
//!   `attached F as attachment 1 of ticket 12` (quiet: the bare number). Other writes confirm
//!   in one line what their change set did, read back from the history
//!   (`ticket 12: added tag risk`, `ticket 12: nothing to change`); quiet: nothing.
//! - `lt`, `run`, `ds` and `searches` in text have a header line and end with the count
//!   (`5 tickets`); nothing matched is one line (`no tickets match g=x`). Quiet: the bare
//!   numbers, paths or names, and nothing when there are none.
//! - No silo (no `--silo`, no `$TICKET_SILO`, no active silo) is bad usage: exit 2.
//! - `create_silo` also lists the new silo and makes it active when none is.
//! - `check` prints the violations and exits 1 when there are any, 0 (and a short line) when
//!   there are none, so scripts can test it.
//! - Listings: `!` marks *due soon*, `!!` *overdue* (yellow and red with colour). Colour is on
//!   with `--color always`, or with `auto` when standard output is a terminal and `NO_COLOR` is
//!   unset. Tables are cut to the terminal's width (the title shrinks first), measured in
//!   terminal columns (CJK characters take two); piped output is never cut.
//! - Times are shown as `YYYY-MM-DD HH:MM` in the clock's offset (UTC under
//!   `TICKET_NOW=…Z`); JSON and CSV carry RFC 3339 timestamps.
//! - `--format json`: listings are arrays of objects with the export's fields plus
//!   `deadline_state` (`due_soon`, `overdue` or null); properties are
//!   `[{"key": …, "value": …}]` as in `silo.json`. `show_ticket` adds `entries` and
//!   `attachments`; `--history` gives the change records. `ltn` gives an array of numbers,
//!   `ct` `{"count": n}`, `lg`/`lk`/`lkv` `[{"tag"|"key"|"value": …, "count": n}]`.
//! - `--format csv`: a header line; tags joined with `; `, properties as `Key=Value` joined
//!   with `; `.
//! - A closed output pipe (`ticket lt | head`) ends the command quietly with status 0.
//! - `ticket help search` (also `ticket search`) explains the search language and sort rules.
//! - Completion is dynamic (clap_complete's engine, see [`complete`]): `ticket completions
//!   SHELL` prints the script that registers it (`source <(ticket completions bash)`); values
//!   come from the silo: statuses, tags, keys and values (the suggestions), saved searches and
//!   ticket numbers.
//! - Manual pages are generated from this definition by clap_mangen, never kept by hand: the
//!   hidden `ticket manpage` prints `ticket.1`; `ticket manpage DIR` writes it and one page per
//!   command (`ticket-new_ticket.1`, …) into DIR (e.g. `/usr/local/share/man/man1`).
#![warn(missing_docs)]

mod argv;
mod cli;
mod commands;
mod complete;
mod demo;
mod error;
mod help;
mod input;
mod output;
mod remote;
mod serve;
mod session;

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

use crate::error::CliError;

/// Listings and writes are many small allocations: mimalloc serves them, Rust's and SQLite's
/// alike (`ticket_core::sqlite_uses_mimalloc`; benches/README.md, "Session 16").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // before anything opens a silo; should SQLite refuse (it cannot have started yet), it
    // keeps its own allocator and works the same
    let _ = ticket_core::sqlite_uses_mimalloc();
    // `COMPLETE=SHELL ticket -- WORDS`: the shell asks for candidates (answers and exits)
    complete::answer_if_asked();
    let mut command = cli::Cli::command();
    let prepared = {
        let long_names: Vec<&str> = command.get_subcommands().map(|c| c.get_name()).collect();
        argv::prepare(std::env::args_os().collect(), &long_names)
    };
    // parsed in place (no copy of the command tree at every start), then read again for
    // the free-text arguments that are mistyped options
    let parsed = command
        .try_get_matches_from_mut(&prepared.args)
        .and_then(|m| {
            argv::misread_options(&command, &m, &prepared.args)?;
            cli::Cli::from_arg_matches(&m)
        });
    let args = match parsed {
        Ok(args) => args,
        // Help and version exit 0; every usage error exits 2.
        Err(e) => e.exit(),
    };
    // These need neither the clock nor a silo.
    match &args.command {
        cli::Command::Completions { shell } => {
            // the dynamic completion's registration script (see `complete`)
            let _ = complete::registration(*shell, &mut io::stdout().lock());
            return ExitCode::SUCCESS;
        }
        cli::Command::Search => {
            // the same text as `ticket help search`
            let text = cli::Cli::command()
                .find_subcommand_mut("search")
                .map(|c| c.render_help().to_string())
                .unwrap_or_default();
            let _ = write!(io::stdout().lock(), "{text}");
            return ExitCode::SUCCESS;
        }
        _ => {}
    }
    let result = session::Session::new(args.global, prepared.quiet).and_then(|s| {
        let mut out = BufWriter::new(Watched::new(io::stdout().lock()));
        let result = commands::run(args.command, &s, &mut out)
            .map_err(|e| e.waited_at_least(s.ctx.busy_timeout));
        let result = result.and_then(|()| out.flush().map_err(CliError::from));
        if out.get_ref().closed {
            // The reader went away (`ticket export csv | head -1`): whatever error the write
            // became on its way through the core, the command ends quietly.
            return Err(CliError::Closed);
        }
        result
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::Closed) => ExitCode::SUCCESS,
        Err(e) => {
            // Standard error may be closed too: the message is lost, the status is not.
            let _ = writeln!(io::stderr().lock(), "error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// Standard output that remembers whether a write found the reader gone (a broken pipe),
/// however the error is reported afterwards (the core wraps the CSV writer's errors in its own).
struct Watched<W> {
    inner: W,
    closed: bool,
}

impl<W: Write> Watched<W> {
    fn new(inner: W) -> Watched<W> {
        Watched {
            inner,
            closed: false,
        }
    }

    fn note<T>(&mut self, result: io::Result<T>) -> io::Result<T> {
        if let Err(e) = &result {
            if e.kind() == io::ErrorKind::BrokenPipe {
                self.closed = true;
            }
        }
        result
    }
}

impl<W: Write> Write for Watched<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let result = self.inner.write(buf);
        self.note(result)
    }

    fn flush(&mut self) -> io::Result<()> {
        let result = self.inner.flush();
        self.note(result)
    }
}
