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
//!   `attached F as attachment 1 of ticket 12` (quiet: the bare number). Other writes print
//!   nothing on success, as Unix tools do.
//! - No silo (no `--silo`, no `$TICKET_SILO`, no active silo) is bad usage: exit 2.
//! - `create_silo` also lists the new silo and makes it active when none is.
//! - `check` prints the violations and exits 1 when there are any, 0 (and a short line) when
//!   there are none, so scripts can test it.
//! - Listings: `!` marks *due soon*, `!!` *overdue* (yellow and red with colour). Colour is on
//!   with `--color always`, or with `auto` when standard output is a terminal and `NO_COLOR` is
//!   unset. Tables are cut to the terminal's width (the title shrinks first); piped output is
//!   never cut.
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
#![warn(missing_docs)]

mod argv;
mod cli;
mod commands;
mod demo;
mod error;
mod output;
mod serve;
mod session;

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

use crate::error::CliError;

fn main() -> ExitCode {
    let command = cli::Cli::command();
    let long_names: Vec<&str> = command.get_subcommands().map(|c| c.get_name()).collect();
    let prepared = argv::prepare(std::env::args_os().collect(), &long_names);
    let parsed = command
        .try_get_matches_from(prepared.args)
        .and_then(|m| cli::Cli::from_arg_matches(&m));
    let args = match parsed {
        Ok(args) => args,
        // Help and version exit 0; every usage error exits 2.
        Err(e) => e.exit(),
    };
    if let cli::Command::Completions { shell } = args.command {
        // Needs neither the clock nor a silo.
        let _ = commands::completions(shell, &mut io::stdout());
        return ExitCode::SUCCESS;
    }
    let result = session::Session::new(args.global, prepared.quiet).and_then(|s| {
        let stdout = io::stdout();
        let mut out = BufWriter::new(stdout.lock());
        let result = commands::run(args.command, &s, &mut out);
        result.and_then(|()| out.flush().map_err(CliError::from))
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::Closed) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
