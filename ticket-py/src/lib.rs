//! The `ticket` Python module: a thin layer over `ticket-core` and `ticket-query`.
//!
//! Each Python class lives in its own file; no rule lives here. Errors map to the exception
//! hierarchy under `ticket.TicketError` (see `errors.rs`), and the GIL is released around every
//! call into the core that touches the database (search, writes, import, export, rebuild).

mod attachment;
mod change;
mod convert;
mod edit;
mod entry;
mod errors;
mod results;
mod search_key;
mod silo;
mod ticket;

use pyo3::prelude::*;

/// The `ticket` module.
#[pymodule]
fn ticket(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<silo::Silo>()?;
    m.add_class::<ticket::Ticket>()?;
    m.add_class::<entry::Entry>()?;
    m.add_class::<attachment::Attachment>()?;
    m.add_class::<change::Change>()?;
    m.add_class::<edit::Edit>()?;
    m.add_class::<results::SearchResults>()?;
    m.add_class::<search_key::SearchKey>()?;
    m.add_function(wrap_pyfunction!(search_key::parse_search, m)?)?;
    m.add_function(wrap_pyfunction!(search_key::compile_search, m)?)?;
    errors::register(m)?;
    Ok(())
}
