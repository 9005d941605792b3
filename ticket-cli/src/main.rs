//! The `ticket` command: a thin layer over `ticket-core` (see `ticket --help` and cli.md).
//!
//! Arguments are prepared ([`argv`]), parsed by clap ([`cli`]), and run by one handler in
//! [`commands`]; the handler makes one core call and prints through [`output`].
#![warn(missing_docs)]

mod argv;
mod cli;
mod commands;
mod demo;
mod error;
mod output;
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
