//! Building a ticket silo from a [`Dataset`] through the public core API.
//!
//! The silo is created with [`crate::gen::silo_json`]; tickets are written day by day, the silo
//! opened with a clock fixed at 09:00 UTC of each ticket's opening day, so `Opened`/`Last_update`
//! spread over the year before the dataset's today as in a real tracker. Each ticket is one
//! change set with its tags, properties, entries, status and relation.
use crate::gen::{silo_json, Dataset, TicketSpec};
use std::path::Path;
use std::time::{Duration, Instant};
use ticket_core::{Clock, Context, Silo, TicketNumber};

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
    // Created, then closed at the end of the statement; reopened per day below.
    Silo::create(dir, first).map_err(silo_err)?;
    std::fs::write(dir.join("silo.json"), silo_json())?;
    let mut numbers: Vec<TicketNumber> = Vec::with_capacity(data.tickets.len());
    let mut i = 0;
    while i < data.tickets.len() {
        let day = data.tickets[i].opened_day;
        let end = i + data.tickets[i..]
            .iter()
            .take_while(|t| t.opened_day == day)
            .count();
        let silo = Silo::open(dir, day_context(data, i)).map_err(silo_err)?;
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
    for i in range {
        let t: &TicketSpec = &data.tickets[i];
        let core = |source| BuildError::Core { index: i, source };
        let n = silo.new_ticket(&t.title, None, &t.summary).map_err(core)?;
        {
            let mut e = silo.edit(n.as_str());
            for tag in &t.tags {
                e.add_tag(tag);
            }
            for (k, v) in &t.properties {
                e.add_property(k, v);
            }
            for entry in &t.entries {
                e.add_entry(&entry.text, entry.minutes);
            }
            if let Some((key, target)) = t.relation {
                e.add_property(key, numbers[target].as_str());
            }
            if t.status != 0 {
                let other = t.status_other.map(|o| numbers[o].as_str());
                e.set_status(t.status_name(), other);
            }
            e.commit().map_err(core)?;
        }
        numbers.push(n);
    }
    Ok(())
}
