//! `ticket.Entry`: one visible entry of a ticket.
use chrono::{DateTime, Utc};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyType};

use crate::pickle::{fields, reduce, Reduced};

/// An entry: numbered text with author, time and minutes spent.
#[pyclass(frozen, eq, module = "ticket")]
#[derive(Clone, PartialEq)]
pub struct Entry {
    #[pyo3(get)]
    pub(crate) n: u32,
    #[pyo3(get)]
    pub(crate) text: String,
    #[pyo3(get)]
    pub(crate) author: String,
    #[pyo3(get)]
    pub(crate) at: DateTime<Utc>,
    #[pyo3(get)]
    pub(crate) minutes: u32,
}

#[cfg(feature = "core-api")]
impl From<&ticket_core::Entry> for Entry {
    fn from(e: &ticket_core::Entry) -> Self {
        Entry {
            n: e.n,
            text: e.text.clone(),
            author: e.author.clone(),
            at: e.at,
            minutes: e.minutes,
        }
    }
}

#[pymethods]
impl Entry {
    /// The entry as a plain dict.
    pub(crate) fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("n", self.n)?;
        d.set_item("text", &self.text)?;
        d.set_item("author", &self.author)?;
        d.set_item("at", self.at)?;
        d.set_item("minutes", self.minutes)?;
        Ok(d)
    }

    /// Pickling: the fields, given back to `_from_state`.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Reduced<'py>> {
        let (py, e) = (slf.py(), slf.get());
        reduce(
            slf.as_any(),
            fields![py; e.n, &e.text, &e.author, e.at, e.minutes],
        )
    }

    /// Unpickling (private).
    #[classmethod]
    fn _from_state(
        _cls: &Bound<'_, PyType>,
        n: u32,
        text: String,
        author: String,
        at: DateTime<Utc>,
        minutes: u32,
    ) -> Entry {
        Entry {
            n,
            text,
            author,
            at,
            minutes,
        }
    }

    fn __repr__(&self) -> String {
        let mut text: String = self.text.chars().take(40).collect();
        if text.len() < self.text.len() {
            text.push('…');
        }
        format!(
            "<Entry {} by {} at {} ({} min): {:?}>",
            self.n,
            self.author,
            self.at.format("%Y-%m-%d %H:%M"),
            self.minutes,
            text
        )
    }
}
