//! What the command line adds to the core's HTTP peer ([`ticket_core::HttpPeer`]): the
//! server's token, read from `--token-file F` or `$TICKET_TOKEN` (never from the command line,
//! where `ps` would show it).

use std::path::Path;

use crate::error::{CliError, CliResult};

/// The token for a server: the first line of `token_file`, else `$TICKET_TOKEN`.
pub fn token(token_file: Option<&Path>) -> CliResult<String> {
    let token = match token_file {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| CliError::Failed(format!("--token-file {}: {e}", path.display())))?
            .lines()
            .next()
            .unwrap_or("")
            .trim()
            .to_string(),
        None => ticket_core::token_from_env().unwrap_or_default(),
    };
    if token.is_empty() {
        return Err(CliError::Usage(match token_file {
            Some(path) => format!("--token-file {}: the file holds no token", path.display()),
            None => "an http:// peer needs the server's token: give --token-file F (the file \
                     `ticket serve --token-file F` uses) or set TICKET_TOKEN"
                .to_string(),
        }));
    }
    Ok(token)
}
