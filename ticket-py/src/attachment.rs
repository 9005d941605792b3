//! `ticket.Attachment`: metadata of one visible attachment.
use chrono::{DateTime, Utc};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyType};

use crate::pickle::{fields, reduce, Reduced};

/// An attachment's metadata; the content is stored in the silo by its SHA-256.
#[pyclass(frozen, eq, module = "ticket")]
#[derive(Clone, PartialEq)]
pub struct Attachment {
    #[pyo3(get)]
    pub(crate) n: u32,
    #[pyo3(get)]
    pub(crate) name: String,
    #[pyo3(get)]
    pub(crate) size: u64,
    #[pyo3(get)]
    pub(crate) sha256: String,
    #[pyo3(get)]
    pub(crate) comment: String,
    #[pyo3(get)]
    pub(crate) author: String,
    #[pyo3(get)]
    pub(crate) at: DateTime<Utc>,
}

#[cfg(feature = "core-api")]
impl From<&ticket_core::Attachment> for Attachment {
    fn from(a: &ticket_core::Attachment) -> Self {
        Attachment {
            n: a.n,
            name: a.name.clone(),
            size: a.size,
            sha256: a.sha256.clone(),
            comment: a.comment.clone(),
            author: a.author.clone(),
            at: a.at,
        }
    }
}

#[pymethods]
impl Attachment {
    /// The metadata as a plain dict.
    pub(crate) fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("n", self.n)?;
        d.set_item("name", &self.name)?;
        d.set_item("size", self.size)?;
        d.set_item("sha256", &self.sha256)?;
        d.set_item("comment", &self.comment)?;
        d.set_item("author", &self.author)?;
        d.set_item("at", self.at)?;
        Ok(d)
    }

    /// Pickling: the fields, given back to `_from_state`.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Reduced<'py>> {
        let (py, a) = (slf.py(), slf.get());
        reduce(
            slf.as_any(),
            fields![py; a.n, &a.name, a.size, &a.sha256, &a.comment, &a.author, a.at],
        )
    }

    /// Unpickling (private).
    #[classmethod]
    #[allow(clippy::too_many_arguments)]
    fn _from_state(
        _cls: &Bound<'_, PyType>,
        n: u32,
        name: String,
        size: u64,
        sha256: String,
        comment: String,
        author: String,
        at: DateTime<Utc>,
    ) -> Attachment {
        Attachment {
            n,
            name,
            size,
            sha256,
            comment,
            author,
            at,
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "<Attachment {} {:?} ({} bytes, sha256 {})>",
            self.n,
            self.name,
            self.size,
            &self.sha256[..self.sha256.len().min(12)]
        )
    }
}
