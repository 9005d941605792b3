//! `ticket.Ticket`: an immutable snapshot of one ticket.
use chrono::{DateTime, Utc};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::attachment::Attachment;
use crate::entry::Entry;

/// A ticket as it was when read. Tickets from `Silo.search()` carry no entries or
/// attachments (the fast path); `Silo.get()` gives the whole ticket.
#[pyclass(frozen, module = "ticket")]
pub struct Ticket {
    #[pyo3(get)]
    number: String,
    #[pyo3(get)]
    uuid: String,
    #[pyo3(get)]
    title: String,
    #[pyo3(get)]
    summary: String,
    #[pyo3(get)]
    status: &'static str,
    #[pyo3(get)]
    tags: Vec<String>,
    #[pyo3(get)]
    properties: Vec<(String, String)>,
    #[pyo3(get)]
    entries: Vec<Entry>,
    #[pyo3(get)]
    attachments: Vec<Attachment>,
    #[pyo3(get)]
    opened: DateTime<Utc>,
    #[pyo3(get)]
    last_update: DateTime<Utc>,
    #[pyo3(get)]
    deadline_state: Option<&'static str>,
    #[pyo3(get)]
    total_minutes: i64,
}

#[cfg(feature = "core-api")]
fn deadline_state(state: Option<ticket_core::DeadlineState>) -> Option<&'static str> {
    state.map(|s| match s {
        ticket_core::DeadlineState::DueSoon => "due_soon",
        ticket_core::DeadlineState::Overdue => "overdue",
    })
}

#[cfg(feature = "core-api")]
impl From<ticket_core::Ticket> for Ticket {
    fn from(t: ticket_core::Ticket) -> Self {
        let total_minutes = t.total_minutes();
        Ticket {
            number: t.number.to_string(),
            uuid: t.uuid,
            title: t.title,
            summary: t.summary,
            status: t.status.name(),
            tags: t.tags,
            properties: t.properties,
            entries: t.entries.iter().map(Entry::from).collect(),
            attachments: t.attachments.iter().map(Attachment::from).collect(),
            opened: t.opened,
            last_update: t.last_update,
            deadline_state: deadline_state(t.deadline_state),
            total_minutes,
        }
    }
}

#[cfg(feature = "core-api")]
impl From<ticket_core::TicketRow> for Ticket {
    fn from(t: ticket_core::TicketRow) -> Self {
        Ticket {
            number: t.number.to_string(),
            uuid: t.uuid,
            title: t.title,
            summary: t.summary,
            status: t.status.name(),
            tags: t.tags,
            properties: t.properties,
            entries: Vec::new(),
            attachments: Vec::new(),
            opened: t.opened,
            last_update: t.last_update,
            deadline_state: deadline_state(t.deadline_state),
            total_minutes: t.total_minutes,
        }
    }
}

#[pymethods]
impl Ticket {
    /// Every value of property `key` (case-insensitive), in the ticket's order.
    fn get(&self, key: &str) -> Vec<String> {
        let key = key.to_lowercase();
        self.properties
            .iter()
            .filter(|(k, _)| k.to_lowercase() == key)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// The ticket as plain Python data (lists, dicts, datetimes).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("number", &self.number)?;
        d.set_item("uuid", &self.uuid)?;
        d.set_item("title", &self.title)?;
        d.set_item("summary", &self.summary)?;
        d.set_item("status", self.status)?;
        d.set_item("tags", &self.tags)?;
        d.set_item("properties", &self.properties)?;
        let entries = PyList::empty(py);
        for e in &self.entries {
            entries.append(e.to_dict(py)?)?;
        }
        d.set_item("entries", entries)?;
        let attachments = PyList::empty(py);
        for a in &self.attachments {
            attachments.append(a.to_dict(py)?)?;
        }
        d.set_item("attachments", attachments)?;
        d.set_item("opened", self.opened)?;
        d.set_item("last_update", self.last_update)?;
        d.set_item("deadline_state", self.deadline_state)?;
        d.set_item("total_minutes", self.total_minutes)?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        let mut s = format!("<Ticket {} [{}] {:?}", self.number, self.status, self.title);
        if !self.tags.is_empty() {
            s.push_str(&format!(" tags={:?}", self.tags));
        }
        if let Some(state) = self.deadline_state {
            s.push_str(&format!(" {state}"));
        }
        s.push('>');
        s
    }
}
