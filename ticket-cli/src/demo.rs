//! `ticket demo [DIR]`: a silo filled with a few hundred realistic tickets, then a short tour
//! of example searches.
//!
//! The content is deterministic: a fixed seed ([`SEED`]) and the clock (`TICKET_NOW`, else the
//! real clock). History is simulated over the 120 days before now: each event is written with
//! the clock set to its own time and its own author, through the public API only (no rule
//! lives here; the silo's `silo.json` carries the creation, validation and styling rules).

mod plan;
mod rng;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, FixedOffset};
use indicatif::{ProgressBar, ProgressStyle};
use ticket_core::{Clock, Context, Silo, TicketNumber};

use crate::error::{CliError, CliResult};
use crate::output::tickets::write_some_rows;
use crate::session::Session;
use plan::{Action, Event};

/// The generator's seed: the same tickets on every run.
pub const SEED: u64 = 20_240_313;

/// The demo silo's configuration.
const CONFIG: &str = include_str!("demo/config.json");

/// The tour: what it shows, the search key, the sort rule.
const TOUR: [(&str, &str, &str); 8] = [
    ("Active work, by status then earliest date", "s:*", "se"),
    ("Overdue (saved search @overdue)", "@overdue", "d"),
    (
        "Deadlines in the next two weeks",
        "s:* p=deadline:].:[+14d:",
        "d",
    ),
    (
        "Critical and high priority Larkspur work",
        "s:* p=project:=larkspur: (p=priority:=critical: | p=priority:=high:)",
        "vpriority:!l",
    ),
    (
        "The risk register, worst impact first",
        "s:* g=risk",
        "vimpact:vlikelihood:",
    ),
    ("Full text: everything about restic", "x:restic", "!l"),
    (
        "Billable work for Acme Corp, biggest estimate first",
        "g=billable p=client:=\"acme corp\":",
        "!#estimate:",
    ),
    (
        "Changed in the last three days",
        "p=last_update:]-3d:",
        "!l",
    ),
];

/// How many rows of each tour search to show.
const TOUR_ROWS: usize = 4;

/// Runs the demo.
pub fn run(s: &Session, out: &mut dyn Write, dir: Option<PathBuf>) -> CliResult {
    let dir = match dir {
        Some(dir) => dir,
        None => tempfile::Builder::new()
            .prefix("ticket-demo-")
            .tempdir()?
            .keep(),
    };
    let now = s.ctx.clock.now();
    let events = plan::plan(SEED, s.ctx.clock.today());
    let made = Silo::create(&dir, s.ctx.clone())?;
    if made.is_team() {
        // a team silo's configuration is a row of its database
        made.set_config(CONFIG)?;
    } else {
        std::fs::write(dir.join("silo.json"), CONFIG)?;
    }
    drop(made);
    // Printed for `export TICKET_SILO=…`, so absolute.
    let dir = dir.canonicalize().unwrap_or(dir);
    fill(&dir, now, &events)?;
    if s.out.quiet {
        // a team silo's address without its password
        let shown = ticket_core::redact_address(&dir.display().to_string());
        writeln!(out, "{shown}")?;
        return Ok(());
    }
    tour(s, out, &dir)
}

/// Writes every event, each with the clock at its time and its author.
fn fill(dir: &Path, now: DateTime<FixedOffset>, events: &[Event]) -> CliResult {
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(events.len() as u64).with_message("filling the demo silo");
        if let Ok(style) = ProgressStyle::with_template("{msg} {bar:40} {pos}/{len}") {
            bar.set_style(style);
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    let mut numbers: Vec<Option<TicketNumber>> = Vec::new();
    // a handle per author, its clock set to each event's time (on a team silo a handle is a
    // connection: one per event cost a password handshake each)
    let mut handles: Vec<(&str, Silo)> = Vec::new();
    for event in events {
        let clock = Clock::fixed(now - Duration::minutes(event.ago));
        let at = match handles.iter().position(|(a, _)| *a == event.author) {
            Some(at) => at,
            None => {
                let silo = Silo::open(dir, Context::new(clock.clone(), event.author))?;
                handles.push((event.author, silo));
                handles.len() - 1
            }
        };
        let silo = &mut handles[at].1;
        silo.set_clock(clock);
        apply(silo, event, &mut numbers).map_err(|e| {
            CliError::Failed(format!("demo: cannot replay {:?}: {e}", event.action))
        })?;
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(())
}

/// The number of the ticket with index `i` (created earlier in the plan).
fn number(numbers: &[Option<TicketNumber>], i: usize) -> ticket_core::Result<&str> {
    Ok(numbers
        .get(i)
        .and_then(Option::as_ref)
        .map(TicketNumber::as_str)
        .expect("the plan creates a ticket before it refers to it"))
}

/// One event: one or two core calls.
fn apply(
    silo: &Silo,
    event: &Event,
    numbers: &mut Vec<Option<TicketNumber>>,
) -> ticket_core::Result<()> {
    match &event.action {
        Action::Create {
            title,
            rule,
            summary,
            tags,
            props,
        } => {
            let n = silo.new_ticket(title, Some(rule), summary)?;
            if !tags.is_empty() || !props.is_empty() {
                let mut edit = silo.edit(n.as_str());
                for tag in tags {
                    edit.add_tag(tag);
                }
                for (k, v) in props {
                    edit.add_property(k, v);
                }
                edit.commit()?;
            }
            if numbers.len() <= event.ticket {
                numbers.resize(event.ticket + 1, None);
            }
            numbers[event.ticket] = Some(n);
        }
        Action::Entry { text, minutes } => {
            silo.add_entry(number(numbers, event.ticket)?, text, *minutes)?;
        }
        Action::Status { status, other } => {
            let other = match other {
                Some(i) => Some(number(numbers, *i)?),
                None => None,
            };
            silo.set_status(number(numbers, event.ticket)?, status, other)?;
        }
        Action::Relate { key, other } => {
            silo.add_property(
                number(numbers, event.ticket)?,
                key,
                number(numbers, *other)?,
            )?;
        }
    }
    Ok(())
}

/// Quotes an argument for the shell when it needs it.
fn shell_quote(arg: &str) -> String {
    if !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "*:=.-_@/".contains(c))
    {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', "'\\''"))
    }
}

/// Prints the tour: each search with its count and first rows, then one ticket in full.
fn tour(s: &Session, out: &mut dyn Write, dir: &Path) -> CliResult {
    let silo = Silo::open(dir, s.ctx.clone())?;
    let p = s.out.paint;
    use crate::output::color::Style;
    let total = silo.count("")?;
    // a team silo's address is shown without its password (`***`)
    writeln!(
        out,
        "Created a demo silo with {total} tickets in {}",
        silo.dir().display()
    )?;
    let password = if silo.is_team() && silo.dir() != silo.address() {
        "  (your password in place of ***, or in PGPASSWORD)"
    } else {
        ""
    };
    writeln!(
        out,
        "Use it with:  export TICKET_SILO={}{password}\n",
        shell_quote(&silo.dir().display().to_string())
    )?;
    let text_out = crate::output::Output {
        format: crate::cli::Format::Text,
        quiet: false,
        ..s.out
    };
    for (what, key, sort) in TOUR {
        let rows = silo
            .search(key, sort)
            .map_err(|e| CliError::from_core(e, Some((key, sort))))?;
        writeln!(
            out,
            "{}",
            p.paint(
                &format!("$ ticket lt {} {}", shell_quote(key), shell_quote(sort)),
                Style::Bold
            )
        )?;
        writeln!(out, "{}", p.paint(&format!("# {what}"), Style::Dim))?;
        write_some_rows(
            out,
            &text_out,
            &silo.config(),
            &rows[..rows.len().min(TOUR_ROWS)],
            key,
            rows.len(),
        )?;
        writeln!(out)?;
    }
    let billable = silo.numbers("g=billable e:worked", "!l")?;
    if let Some(n) = billable.first() {
        writeln!(out, "{}", p.paint(&format!("$ ticket dt {n}"), Style::Bold))?;
        let ticket = silo.get(n.as_str())?;
        crate::output::tickets::write_ticket(out, &text_out, &silo.config(), &ticket)?;
        writeln!(out)?;
    }
    writeln!(
        out,
        "More: ticket searches · ticket explain 's:* g=risk' · ticket lg · ticket --help"
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_configuration_is_valid_and_names_what_the_plan_uses() {
        let config = ticket_core::SiloConfig::from_json_str(CONFIG, "demo/config.json")
            .unwrap_or_else(|e| panic!("{e}"));
        let today = chrono::NaiveDate::from_ymd_opt(2024, 3, 13).unwrap();
        for event in plan::plan(SEED, today) {
            if let Action::Create { rule, .. } = event.action {
                assert!(config.rule(rule).is_ok(), "rule {rule} is configured");
            }
        }
        assert!(config.saved_search("overdue").is_some());
        assert!(config.time.as_ref().is_some_and(|t| t.rate_per_hour > 0.0));
    }

    #[test]
    fn shell_quoting() {
        assert_eq!(shell_quote("s:*"), "s:*");
        assert_eq!(shell_quote("s:* g=risk"), "'s:* g=risk'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
        assert_eq!(shell_quote(""), "''");
    }
}
