//! `ticket.Change`: one record of a ticket's history.
use chrono::{DateTime, Utc};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyType};

use crate::pickle::{fields, reduce, Reduced};

/// One immutable change record from the silo's change log.
#[pyclass(frozen, eq, module = "ticket")]
#[derive(Clone, PartialEq)]
pub struct Change {
    #[pyo3(get)]
    uuid: String,
    #[pyo3(get)]
    set_id: String,
    #[pyo3(get)]
    ticket_uuid: String,
    #[pyo3(get)]
    at: DateTime<Utc>,
    #[pyo3(get)]
    author: String,
    #[pyo3(get)]
    op: String,
    #[pyo3(get)]
    key: Option<String>,
    #[pyo3(get)]
    old_value: Option<String>,
    #[pyo3(get)]
    new_value: Option<String>,
    #[pyo3(get)]
    item: Option<u32>,
    #[pyo3(get)]
    minutes: Option<u32>,
    #[pyo3(get)]
    description: String,
    /// What the record repaired where it met the state (a peer's change, sync.md 2).
    #[pyo3(get)]
    repair: Option<String>,
}

#[cfg(feature = "core-api")]
impl From<&ticket_core::Change> for Change {
    fn from(c: &ticket_core::Change) -> Self {
        Change {
            uuid: c.uuid.clone(),
            set_id: c.set_id.clone(),
            ticket_uuid: c.ticket_uuid.clone(),
            at: c.at,
            author: c.author.clone(),
            op: c.op.to_string(),
            key: c.key.clone(),
            old_value: c.old_value.clone(),
            new_value: c.new_value.clone(),
            item: c.item,
            minutes: c.minutes,
            description: c.describe(),
            repair: c.repair.clone(),
        }
    }
}

#[pymethods]
impl Change {
    /// The record as a plain dict.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("uuid", &self.uuid)?;
        d.set_item("set_id", &self.set_id)?;
        d.set_item("ticket_uuid", &self.ticket_uuid)?;
        d.set_item("at", self.at)?;
        d.set_item("author", &self.author)?;
        d.set_item("op", &self.op)?;
        d.set_item("key", &self.key)?;
        d.set_item("old_value", &self.old_value)?;
        d.set_item("new_value", &self.new_value)?;
        d.set_item("item", self.item)?;
        d.set_item("minutes", self.minutes)?;
        d.set_item("description", &self.description)?;
        d.set_item("repair", &self.repair)?;
        Ok(d)
    }

    /// Pickling: the fields, given back to `_from_state`.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Reduced<'py>> {
        let (py, c) = (slf.py(), slf.get());
        reduce(
            slf.as_any(),
            fields![py; &c.uuid, &c.set_id, &c.ticket_uuid, c.at, &c.author, &c.op, &c.key,
                &c.old_value, &c.new_value, c.item, c.minutes, &c.description, &c.repair],
        )
    }

    /// Unpickling (private).
    #[classmethod]
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (uuid, set_id, ticket_uuid, at, author, op, key, old_value, new_value, item, minutes, description, repair=None))]
    fn _from_state(
        _cls: &Bound<'_, PyType>,
        uuid: String,
        set_id: String,
        ticket_uuid: String,
        at: DateTime<Utc>,
        author: String,
        op: String,
        key: Option<String>,
        old_value: Option<String>,
        new_value: Option<String>,
        item: Option<u32>,
        minutes: Option<u32>,
        description: String,
        repair: Option<String>,
    ) -> Change {
        Change {
            uuid,
            set_id,
            ticket_uuid,
            at,
            author,
            op,
            key,
            old_value,
            new_value,
            item,
            minutes,
            description,
            repair,
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "<Change {} by {}: {}>",
            self.at.format("%Y-%m-%d %H:%M:%S"),
            self.author,
            self.description
        )
    }
}
