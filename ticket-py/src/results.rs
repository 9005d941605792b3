//! `ticket.SearchResults`: a lazy iterator over a search, fetched page by page.
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use pyo3::prelude::*;

use crate::errors::IntoPy;
use crate::ticket::Ticket;

/// Tickets fetched per page while iterating.
const PAGE: u64 = 5000;

struct State {
    buffer: VecDeque<ticket_core::TicketRow>,
    offset: u64,
    remaining: Option<u64>,
    exhausted: bool,
}

/// The tickets of a search, fetched lazily in pages; iterate it, or call `list()` on it.
#[pyclass(frozen, module = "ticket")]
pub struct SearchResults {
    silo: Arc<ticket_core::Silo>,
    key: String,
    sort: String,
    state: Mutex<State>,
}

impl SearchResults {
    /// Runs the first page at once, so a bad key raises here and not on first iteration.
    pub(crate) fn start(
        py: Python<'_>,
        silo: Arc<ticket_core::Silo>,
        key: &str,
        sort: &str,
        limit: Option<u64>,
        offset: u64,
    ) -> PyResult<SearchResults> {
        let results = SearchResults {
            silo,
            key: key.to_string(),
            sort: sort.to_string(),
            state: Mutex::new(State {
                buffer: VecDeque::new(),
                offset,
                remaining: limit,
                exhausted: false,
            }),
        };
        results.fill(py)?;
        Ok(results)
    }

    fn fill(&self, py: Python<'_>) -> PyResult<()> {
        let mut state = self.state.lock().expect("search state lock");
        if !state.buffer.is_empty() || state.exhausted {
            return Ok(());
        }
        let page = state.remaining.map_or(PAGE, |r| r.min(PAGE));
        if page == 0 {
            state.exhausted = true;
            return Ok(());
        }
        let (silo, key, sort, offset) = (
            &self.silo,
            self.key.as_str(),
            self.sort.as_str(),
            state.offset,
        );
        let rows = py
            .detach(|| silo.search_page(key, sort, Some(page), offset))
            .py_err_in(key)?;
        let got = rows.len() as u64;
        state.offset += got;
        if let Some(r) = state.remaining.as_mut() {
            *r -= got;
        }
        if got < page {
            state.exhausted = true;
        }
        state.buffer.extend(rows);
        Ok(())
    }
}

#[pymethods]
impl SearchResults {
    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<Ticket>> {
        self.fill(py)?;
        let row = self
            .state
            .lock()
            .expect("search state lock")
            .buffer
            .pop_front();
        Ok(row.map(Ticket::from))
    }

    fn __repr__(&self) -> String {
        format!("<SearchResults {:?} sorted {:?}>", self.key, self.sort)
    }
}
