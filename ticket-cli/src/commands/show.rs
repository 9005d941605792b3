//! `show_ticket`: one ticket, or its history.

use std::io::Write;

use crate::cli::Format;
use crate::error::CliResult;
use crate::output::{json, tickets};
use crate::session::Session;

/// `show_ticket N [--history]`.
pub fn show(s: &Session, out: &mut dyn Write, n: &str, history: bool) -> CliResult {
    let silo = s.open()?;
    if history {
        let changes = silo.history(n)?;
        match s.out.format {
            Format::Json => {
                let value = changes.iter().map(json::change).collect();
                json::write(out, &value)?;
            }
            Format::Csv => crate::output::csv::history(out, &changes)?,
            Format::Text => tickets::write_history(out, &s.out, &changes)?,
        }
        return Ok(());
    }
    let ticket = silo.get(n)?;
    match s.out.format {
        Format::Json => json::write(out, &json::ticket(&ticket))?,
        Format::Csv => crate::output::csv::tickets(out, [tickets::RowView::from(&ticket)])?,
        Format::Text => tickets::write_ticket(out, &s.out, &silo.config(), &ticket)?,
    }
    Ok(())
}
