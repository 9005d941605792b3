//! Building a ticket silo from a [`Dataset`] through the public core API.
//!
//! The silo is created with [`crate::gen::silo_json`]; tickets are written day by day, the silo
//! opened with a clock fixed at 09:00 UTC of each ticket's opening day, so `Opened`/`Last_update`
//! spread over the year before the dataset's today as in a real tracker. Each day's tickets are
//! one `Silo::batch()` (one transaction) with their tags, properties, entries, status and
//! relation; `Merged`/`Duplicate` are set afterwards, one change set each, because they need
//! the other ticket's number.
use crate::gen::{silo_json, Dataset, TicketSpec};
use std::path::Path;
use std::time::{Duration, Instant};
use ticket_core::{Clock, Context, NewTicket, Silo, TicketNumber};

/// What a build did.
#[derive(Debug, Clone, Copy)]
pub struct BuildStats {
    /// Tickets created.
    pub tickets: usize,
    /// Wall time of the creation (not of the generation).
    pub elapsed: Duration,
}

/// Why a build failed.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The core refused something.
    #[error("ticket {index}: {source}")]
    Core {
        /// Index of the ticket in the dataset (`usize::MAX` for the silo itself).
        index: usize,
        /// The core's error.
        source: ticket_core::Error,
    },
    /// The silo did not number tickets 1, 2, 3, … (the builder relies on simple numbering).
    #[error("ticket {index} got number {got}, expected {}", index + 1)]
    Numbering {
        /// Index of the ticket in the dataset.
        index: usize,
        /// The number it got.
        got: String,
    },
    /// Writing `silo.json` failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

fn day_context(data: &Dataset, i: usize) -> Context {
    let at = data
        .opened_date(i)
        .and_hms_opt(9, 0, 0)
        .expect("valid time")
        .and_utc()
        .fixed_offset();
    Context::new(Clock::fixed(at), "bench")
}

/// Creates a silo in `dir` (which must not exist or be empty) holding every ticket of `data`.
pub fn build_silo(data: &Dataset, dir: &Path) -> Result<BuildStats, BuildError> {
    let started = Instant::now();
    let silo_err = |source| BuildError::Core {
        index: usize::MAX,
        source,
    };
    let first = if data.tickets.is_empty() {
        crate::support::context()
    } else {
        day_context(data, 0)
    };
    // Created, closed, and opened again once the bench configuration is in place; then one
    // open silo writes day after day with its clock set to each day.
    Silo::create(dir, first.clone()).map_err(silo_err)?;
    std::fs::write(dir.join("silo.json"), silo_json())?;
    let mut silo = Silo::open(dir, first).map_err(silo_err)?;
    let mut numbers: Vec<TicketNumber> = Vec::with_capacity(data.tickets.len());
    let mut i = 0;
    while i < data.tickets.len() {
        let day = data.tickets[i].opened_day;
        let end = i + data.tickets[i..]
            .iter()
            .take_while(|t| t.opened_day == day)
            .count();
        silo.set_clock(day_context(data, i).clock);
        write_day(&silo, data, i..end, &mut numbers)?;
        i = end;
    }
    Ok(BuildStats {
        tickets: data.tickets.len(),
        elapsed: started.elapsed(),
    })
}

fn write_day(
    silo: &Silo,
    data: &Dataset,
    range: std::ops::Range<usize>,
    numbers: &mut Vec<TicketNumber>,
) -> Result<(), BuildError> {
    // A fresh silo with simple numbering issues 1, 2, 3, … in creation order, so a relation to
    // an earlier ticket of the same batch can name its number before the batch commits; the
    // numbers returned are checked against that.
    let mut batch = silo.batch();
    let mut merges = Vec::new();
    for i in range.clone() {
        let t: &TicketSpec = &data.tickets[i];
        let status = match t.status_other {
            // Merged/Duplicate need the other ticket: set after the batch, one change set each.
            Some(other) => {
                merges.push((i, other));
                None
            }
            None => (t.status != 0).then(|| t.status_name().to_string()),
        };
        batch.add(new_ticket(t, status));
    }
    let created = batch.commit().map_err(|source| BuildError::Core {
        index: range.start,
        source,
    })?;
    for (i, n) in range.zip(created) {
        if n.as_str() != (i + 1).to_string() {
            return Err(BuildError::Numbering {
                index: i,
                got: n.to_string(),
            });
        }
        numbers.push(n);
    }
    for (i, other) in merges {
        silo.set_status(
            numbers[i].as_str(),
            data.tickets[i].status_name(),
            Some(numbers[other].as_str()),
        )
        .map_err(|source| BuildError::Core { index: i, source })?;
    }
    Ok(())
}

/// The creation request of one generated ticket with the given status; its relation is a
/// property naming the number of its target, which is always created earlier.
fn new_ticket(t: &TicketSpec, status: Option<String>) -> NewTicket {
    let mut properties = t.properties.clone();
    if let Some((key, target)) = t.relation {
        properties.push((key.to_string(), (target + 1).to_string()));
    }
    NewTicket {
        title: t.title.clone(),
        summary: t.summary.clone(),
        status,
        tags: t.tags.clone(),
        properties,
        entries: t
            .entries
            .iter()
            .map(|e| (e.text.clone(), e.minutes))
            .collect(),
    }
}

/// The environment variable that makes [`bulk_silo`] stop after the creation (no rebuild; its
/// figures are then 0), so that a whole-process timing or a profile holds the creation alone.
pub const CREATE_ONLY: &str = "TICKET_BENCH_CREATE_ONLY";

/// What [`bulk_silo`] measured.
#[derive(Debug, Clone, Copy)]
pub struct BulkStats {
    /// Tickets created.
    pub tickets: usize,
    /// Time to create them.
    pub create: Duration,
    /// Change records in the log afterwards.
    pub records: u64,
    /// Time of one `rebuild` of the result.
    pub rebuild: Duration,
}

/// Bulk creation of the generator's tickets (their tags, properties, relations, entries and
/// statuses; a Merged or Duplicate status becomes Closed, as it needs a second ticket)
/// through [`ticket_core::Batch`], `chunk` tickets to a batch (a transaction), then one
/// `rebuild`.
pub fn bulk_silo(data: &Dataset, dir: &Path, chunk: usize) -> Result<BulkStats, BuildError> {
    let ctx = day_context(data, 0);
    let silo_err = |source| BuildError::Core {
        index: usize::MAX,
        source,
    };
    // the configuration through the core, so that a team silo (postgres://…) works too
    let silo = Silo::create(dir, ctx).map_err(silo_err)?;
    silo.set_config(&silo_json()).map_err(silo_err)?;
    let started = Instant::now();
    for (c, tickets) in data.tickets.chunks(chunk.max(1)).enumerate() {
        let mut batch = silo.batch();
        for t in tickets {
            let status = match t.status_other {
                Some(_) => Some("Closed".to_string()),
                None => (t.status != 0).then(|| t.status_name().to_string()),
            };
            batch.add(new_ticket(t, status));
        }
        batch.commit().map_err(|source| BuildError::Core {
            index: c * chunk,
            source,
        })?;
    }
    let create = started.elapsed();
    if std::env::var_os(CREATE_ONLY).is_some() {
        return Ok(BulkStats {
            tickets: data.tickets.len(),
            create,
            records: 0,
            rebuild: Duration::ZERO,
        });
    }
    let started = Instant::now();
    let stats = silo.rebuild().map_err(silo_err)?;
    Ok(BulkStats {
        tickets: data.tickets.len(),
        create,
        records: stats.changes,
        rebuild: started.elapsed(),
    })
}
