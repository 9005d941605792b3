//! The `ticket` Python module: a thin layer over `ticket-core` and `ticket-query`.
//!
//! Each Python class lives in its own file; no rule lives here. Errors map to the exception
//! hierarchy under `ticket.TicketError` (see `errors.rs`), and the GIL is released around every
//! call into the core that touches the database (search, writes, import, export, rebuild).

/// Rows are many small allocations made and freed together: mimalloc serves them in about a
/// third of the time glibc's `malloc` took (benches/README.md, "Python rows").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod attachment;
#[cfg(feature = "core-api")]
mod bulk;
mod change;
#[cfg(feature = "core-api")]
mod convert;
#[cfg(feature = "core-api")]
mod edit;
mod entry;
mod errors;
mod pickle;
#[cfg(feature = "core-api")]
mod results;
#[cfg(feature = "core-api")]
mod search_key;
#[cfg(feature = "core-api")]
mod silo;
#[cfg(feature = "core-api")]
mod sync;
mod ticket;

use pyo3::prelude::*;

/// Embeddable ticket tracker: silos of tickets, a search language and a change log.
///
/// A tour (`Silo.create` makes a silo in a new directory; `Silo.open` opens one)::
///
///     import ticket
///     with ticket.Silo.create("tickets", user="phil") as silo:
///         t = silo.new_ticket("Backups fail", summary="since Tuesday")
///         silo.edit(t.number).add_tag("bug").add_property("Assigned", "phil").commit()
///         silo.add_entry(t.number, "restic exits 3", minutes=15)
///         for row in silo.search("s:* g=bug", "n"):
///             print(row.number, row.title, row.tags)
///         print(silo.count("p=assigned=phil"), silo.export("csv", "g=bug"))
///         print([c.op for c in silo.history(t.number)])
///
/// Errors are subclasses of `ticket.TicketError` (`SearchSyntaxError` carries the span).
#[pymodule]
#[pyo3(name = "_ticket")]
fn ticket_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // the bundled SQLite (this module's own copy) allocates through mimalloc too, chosen
    // before any silo is opened; were it refused, SQLite keeps its allocator and works the same
    let _ = ticket_core::sqlite_uses_mimalloc();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    // Which parts were compiled in: "core-api" (Silo, search, parse_search, ...) needs
    // ticket-core's Silo, which lands in a later merge. The test suite reads this.
    let features: &[&str] = if cfg!(feature = "core-api") {
        &["core-api"]
    } else {
        &[]
    };
    m.add("__features__", features)?;
    #[cfg(feature = "core-api")]
    m.add_class::<silo::Silo>()?;
    #[cfg(feature = "core-api")]
    m.add_class::<sync::SyncReport>()?;
    #[cfg(feature = "core-api")]
    m.add_class::<sync::UndoReport>()?;
    m.add_class::<ticket::Ticket>()?;
    m.add_class::<entry::Entry>()?;
    m.add_class::<attachment::Attachment>()?;
    m.add_class::<change::Change>()?;
    #[cfg(feature = "core-api")]
    m.add_class::<edit::Edit>()?;
    #[cfg(feature = "core-api")]
    m.add_class::<results::SearchResults>()?;
    #[cfg(feature = "core-api")]
    m.add_class::<results::SearchIterator>()?;
    #[cfg(feature = "core-api")]
    m.add_class::<search_key::SearchKey>()?;
    #[cfg(feature = "core-api")]
    {
        m.add_function(wrap_pyfunction!(search_key::parse_search, m)?)?;
        m.add_function(wrap_pyfunction!(search_key::compile_search, m)?)?;
    }
    errors::register(m)?;
    Ok(())
}
