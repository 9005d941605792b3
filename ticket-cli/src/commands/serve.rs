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
        // the global --busy-timeout / TICKET_BUSY_TIMEOUT (default 20 s): a write waiting
        // longer for another program answers 409
        busy_timeout: s.ctx.busy_timeout,
    };
    crate::serve::run(s, out, options)
}
