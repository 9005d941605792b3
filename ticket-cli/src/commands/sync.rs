//! `clone`, `sync`, `bundle create|apply`, `undo`, `log` (sync.md).

use std::io::{IsTerminal, Write};
use std::path::Path;

use serde_json::json;
use ticket_core::{is_http, Direction, HttpPeer, Peer, Silo, SyncReport, SyncStep};

use crate::cli::{BundleCommand, Format};
use crate::error::{CliError, CliResult};
use crate::output::json;
use crate::remote;
use crate::session::Session;

/// A peer named on the command line: a silo directory, a team silo (`postgres://…`, opened
/// directly: the exchange runs in the team database's transactions), or a `ticket serve` at
/// an `http://` address (its token from `token_file` or `$TICKET_TOKEN`).
fn open_peer(s: &Session, peer: &str, token_file: Option<&Path>) -> CliResult<Box<dyn Peer>> {
    if is_http(peer) {
        return Ok(Box::new(HttpPeer::new(peer, remote::token(token_file)?)?));
    }
    if peer.contains("://") && !ticket_core::is_team_address(peer) {
        return Err(CliError::Usage(format!(
            "peer {}: a peer is a silo directory, a postgres:// team silo or an http:// server",
            ticket_core::redact_address(peer)
        )));
    }
    if Path::new(peer).is_file() {
        return Err(CliError::Usage(format!(
            "peer {peer} is a file, not a silo: `ticket bundle apply {peer}` adds a bundle's \
             change sets"
        )));
    }
    Ok(Box::new(Silo::open(Path::new(peer), s.ctx.clone())?))
}

fn report(s: &Session, out: &mut dyn Write, r: &SyncReport) -> CliResult {
    match s.out.format {
        Format::Json | Format::Csv => {
            json::write(out, &serde_json::to_value(r).unwrap_or_default())?
        }
        Format::Text if s.out.quiet => {}
        Format::Text => write!(out, "{r}")?,
    }
    Ok(())
}

/// What the timeline says of a change set without records: only a replaced configuration
/// makes one (`Silo::set_config` marks who changed the rules and when).
pub const CONFIG_CHANGED: &str = "changed the configuration";

/// `clone SOURCE DIR [--token-file F]`.
pub fn clone(
    s: &Session,
    out: &mut dyn Write,
    source: &Path,
    dir: &Path,
    token_file: Option<&Path>,
) -> CliResult {
    // on a terminal, a spinner while the copy is made (into a team silo, every change set
    // goes through the server: some 30 s for 10,000 tickets)
    let spinner = crate::output::spinner("cloning");
    let copy = match source.to_str().filter(|p| is_http(p)) {
        Some(url) => remote::token(token_file)
            .and_then(|token| Ok(HttpPeer::new(url, token)?))
            .and_then(|peer| Ok(peer.clone_into(dir, s.ctx.clone())?)),
        None => Silo::clone_silo(source, dir, s.ctx.clone()).map_err(Into::into),
    };
    crate::output::done(spinner);
    let copy = copy?;
    if !s.out.quiet {
        let count = copy.count("")?;
        writeln!(
            out,
            "cloned {} into {} ({count} ticket{}; replica {})",
            ticket_core::redact_address(&source.display().to_string()),
            ticket_core::redact_address(&dir.display().to_string()),
            if count == 1 { "" } else { "s" },
            copy.replica_id()
        )?;
    }
    Ok(())
}

/// `sync PEER [--token-file F] [--pull|--push] [--dry-run]`.
pub fn sync(
    s: &Session,
    out: &mut dyn Write,
    peer: &str,
    token_file: Option<&Path>,
    pull: bool,
    push: bool,
    dry_run: bool,
) -> CliResult {
    let silo = s.open()?;
    let other = open_peer(s, peer, token_file)?;
    let direction = match (pull, push) {
        (true, false) => Direction::Pull,
        (false, true) => Direction::Push,
        _ => Direction::Both,
    };
    // on a terminal, a spinner on standard error names each step as it starts
    let bar = if std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let r = silo.sync_with_progress(other.as_ref(), direction, dry_run, &mut |step| {
        bar.set_message(match step {
            SyncStep::Comparing => format!("comparing with {peer}"),
            SyncStep::Sending(m) => format!("sending {m}"),
            SyncStep::Receiving(m) => format!("receiving {m}"),
        });
    });
    bar.finish_and_clear();
    report(s, out, &r?)
}

/// `bundle create FILE [--since PEER_OR_BUNDLE]` and `bundle apply FILE`.
pub fn bundle(s: &Session, out: &mut dyn Write, cmd: &BundleCommand) -> CliResult {
    let silo = s.open()?;
    match cmd {
        BundleCommand::Create { file, since } => {
            let summary = match since {
                // a bundle made earlier (and applied there): what is not in it
                Some(p) if Path::new(p).is_file() => {
                    Some(ticket_core::Bundle::summary_of_file(Path::new(p))?)
                }
                Some(p) => Some(open_peer(s, p, None)?.summary()?),
                None => None,
            };
            // written whole or not at all (a temporary file beside it, renamed)
            let (sets, records) = silo.bundle_create_file(file, summary.as_ref())?;
            if !s.out.quiet {
                writeln!(
                    out,
                    "wrote {sets} change set(s), {records} record(s) to {}",
                    file.display()
                )?;
            }
            Ok(())
        }
        BundleCommand::Apply { file } => {
            let text = std::fs::read_to_string(file).map_err(|e| {
                CliError::from(ticket_core::Error::Io {
                    path: file.clone(),
                    source: e,
                })
            })?;
            let r = silo.bundle_apply(&text)?;
            report(s, out, &r)
        }
    }
}

/// `undo [SET_ID]`.
pub fn undo(s: &Session, out: &mut dyn Write, set: Option<&str>) -> CliResult {
    let silo = s.open()?;
    let r = silo.undo(set)?;
    match s.out.format {
        Format::Json | Format::Csv => {
            json::write(out, &serde_json::to_value(&r).unwrap_or_default())?
        }
        Format::Text if s.out.quiet => writeln!(out, "{}", r.undone)?,
        Format::Text => writeln!(
            out,
            "undid change set {} ({} change(s) on ticket {})",
            r.undone,
            r.records,
            r.tickets.join(", ")
        )?,
    }
    Ok(())
}

/// `log [SEARCH] [--since DATE] [--author NAME] [--limit N]`.
pub fn log(
    s: &Session,
    out: &mut dyn Write,
    search: Option<&str>,
    since: Option<&str>,
    author: Option<&str>,
    limit: usize,
) -> CliResult {
    let silo = s.open()?;
    let since = match since {
        Some(text) => {
            let expr = ticket_query::parse_date_expr(text)
                .map_err(|e| CliError::Usage(format!("--since {text}: {}", e.message)))?;
            let date = expr
                .resolve(s.ctx.clock.today())
                .ok_or_else(|| CliError::Usage(format!("--since {text}: out of range")))?;
            Some(
                date.date()
                    .and_hms_opt(0, 0, 0)
                    .expect("midnight")
                    .and_utc(),
            )
        }
        None => None,
    };
    let sets = silo
        .timeline(search, since, author, limit)
        .map_err(|e| CliError::from_core(e, search.map(|k| (k, ""))))?;
    match s.out.format {
        Format::Json | Format::Csv => json::write(out, &json!(sets))?,
        Format::Text => {
            if sets.is_empty() && !s.out.quiet {
                writeln!(out, "no change sets")?;
            }
            for set in &sets {
                writeln!(
                    out,
                    "{}  {}  {}{}",
                    s.out.time(set.at),
                    set.author,
                    set.id,
                    if set.undone { "  (undone)" } else { "" }
                )?;
                for c in &set.changes {
                    writeln!(out, "    {:>5}  {}", c.number, c.what)?;
                }
                // a change set without records is a configuration's (`config --set`)
                if set.changes.is_empty() {
                    writeln!(out, "           {CONFIG_CHANGED}")?;
                }
            }
        }
    }
    Ok(())
}
