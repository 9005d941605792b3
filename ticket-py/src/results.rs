//! `ticket.SearchResults`: the result of a search, reusable like a sequence and fetched lazily
//! (`len()` counts with one query, indexing and slicing fetch just those rows, each `iter()`
//! walks the result in pages of its own).
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use pyo3::exceptions::PyIndexError;
use pyo3::prelude::*;
use pyo3::types::PySlice;

use crate::errors::IntoPy;
use crate::ticket::Ticket;

/// Tickets fetched per page while iterating.
const PAGE: u64 = 5000;

/// The search a result stands for: key, sort rule and the window (`offset`, `limit`).
#[derive(Clone)]
struct Query {
    silo: Arc<ticket_core::Silo>,
    key: String,
    sort: String,
    offset: u64,
    limit: Option<u64>,
}

impl Query {
    /// Rows `start..start + n` of the window (fewer at its end), in one query.
    fn rows(&self, py: Python<'_>, start: u64, n: u64) -> PyResult<Vec<ticket_core::TicketRow>> {
        let n = match self.limit {
            Some(limit) => n.min(limit.saturating_sub(start)),
            None => n,
        };
        if n == 0 {
            return Ok(Vec::new());
        }
        let (silo, key, sort, offset) = (
            &self.silo,
            self.key.as_str(),
            self.sort.as_str(),
            self.offset + start,
        );
        py.detach(|| silo.search_page(key, sort, Some(n), offset))
            .py_err_in(key)
    }
}

/// The tickets of a search: `len()`, truthiness, `results[i]`, `results[a:b]`, and iteration
/// (as often as you like; each pass reads the silo again, page by page).
#[pyclass(frozen, module = "ticket")]
pub struct SearchResults {
    query: Query,
    /// The number of tickets, counted once when first asked.
    len: Mutex<Option<u64>>,
}

impl SearchResults {
    /// Checks the key and the sort rule at once (by counting), so a bad key raises here and
    /// not on first use.
    pub(crate) fn start(
        py: Python<'_>,
        silo: Arc<ticket_core::Silo>,
        key: &str,
        sort: &str,
        limit: Option<u64>,
        offset: u64,
    ) -> PyResult<SearchResults> {
        let results = SearchResults {
            query: Query {
                silo,
                key: key.to_string(),
                sort: sort.to_string(),
                offset,
                limit,
            },
            len: Mutex::new(None),
        };
        // the sort rule is checked by fetching the first row, the key by counting
        results.query.rows(py, 0, 1)?;
        results.count(py)?;
        Ok(results)
    }

    fn count(&self, py: Python<'_>) -> PyResult<u64> {
        let len = || {
            self.len
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        if let Some(n) = *len() {
            return Ok(n);
        }
        let q = &self.query;
        let total = py.detach(|| q.silo.count(&q.key)).py_err_in(&q.key)?;
        let n = total.saturating_sub(q.offset);
        let n = q.limit.map_or(n, |l| n.min(l));
        *len() = Some(n);
        Ok(n)
    }
}

#[pymethods]
impl SearchResults {
    fn __len__(&self, py: Python<'_>) -> PyResult<usize> {
        Ok(self.count(py)? as usize)
    }

    fn __bool__(&self, py: Python<'_>) -> PyResult<bool> {
        Ok(self.count(py)? > 0)
    }

    /// `results[i]` (negative from the end) or `results[a:b:step]` (a list).
    fn __getitem__(&self, py: Python<'_>, index: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let len = self.count(py)?;
        if let Ok(slice) = index.cast::<PySlice>() {
            let ind = slice.indices(len as isize)?;
            let mut out: Vec<Ticket> = Vec::new();
            if ind.slicelength > 0 {
                let (first, last) = if ind.step > 0 {
                    (
                        ind.start,
                        ind.start + ind.step * (ind.slicelength as isize - 1),
                    )
                } else {
                    (
                        ind.start + ind.step * (ind.slicelength as isize - 1),
                        ind.start,
                    )
                };
                let rows = self
                    .query
                    .rows(py, first as u64, (last - first + 1) as u64)?;
                let mut picked: Vec<Ticket> = rows
                    .into_iter()
                    .enumerate()
                    .filter(|(i, _)| (*i as isize) % ind.step.abs() == 0)
                    .map(|(_, r)| Ticket::from(r))
                    .collect();
                if ind.step < 0 {
                    picked.reverse();
                }
                out = picked;
            }
            return Ok(out.into_pyobject(py)?.into_any().unbind());
        }
        let i: i64 = index.extract()?;
        let at = if i < 0 { i + len as i64 } else { i };
        if at < 0 || at as u64 >= len {
            return Err(PyIndexError::new_err("search result index out of range"));
        }
        let row = self
            .query
            .rows(py, at as u64, 1)?
            .pop()
            .ok_or_else(|| PyIndexError::new_err("search result index out of range"))?;
        Ok(Ticket::from(row).into_pyobject(py)?.into_any().unbind())
    }

    fn __iter__(&self) -> SearchIterator {
        SearchIterator {
            query: self.query.clone(),
            state: Mutex::new(State {
                buffer: VecDeque::new(),
                next: 0,
                exhausted: false,
            }),
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "<SearchResults {:?} sorted {:?}>",
            self.query.key, self.query.sort
        )
    }
}

struct State {
    buffer: VecDeque<ticket_core::TicketRow>,
    next: u64,
    exhausted: bool,
}

/// One pass over a [`SearchResults`], fetched in pages of 5,000.
#[pyclass(frozen, module = "ticket")]
pub struct SearchIterator {
    query: Query,
    state: Mutex<State>,
}

#[pymethods]
impl SearchIterator {
    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<Ticket>> {
        let lock = || {
            self.state
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        let next = {
            let mut state = lock();
            if let Some(row) = state.buffer.pop_front() {
                return Ok(Some(Ticket::from(row)));
            }
            if state.exhausted {
                return Ok(None);
            }
            state.next
        };
        // no lock held while the GIL is released for the query
        let rows = self.query.rows(py, next, PAGE)?;
        let mut state = lock();
        if state.next == next {
            let got = rows.len() as u64;
            state.next += got;
            state.exhausted = got < PAGE;
            state.buffer.extend(rows);
        }
        Ok(state.buffer.pop_front().map(Ticket::from))
    }
}
