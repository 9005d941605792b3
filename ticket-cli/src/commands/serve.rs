//! `serve`: the web page and JSON API over the silo (the server itself is [`crate::serve`]).

use std::io::Write;

use crate::cli::ServeArgs;
use crate::error::CliResult;
use crate::session::Session;

/// `serve [--bind ADDR] [--port N] [--token-file F] [--public]`: runs until Ctrl-C.
pub fn serve(s: &Session, out: &mut dyn Write, args: &ServeArgs) -> CliResult {
    let options = crate::serve::Options {
        bind: args.bind,
        port: args.port,
        token_file: args.token_file.clone(),
        public: args.public,
        open: args.open,
        busy_timeout: std::time::Duration::from_secs(args.busy_timeout),
    };
    crate::serve::run(s, out, options)
}
