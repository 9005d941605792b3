//! `ticket.Ticket`: an immutable snapshot of one ticket.
use chrono::{DateTime, Utc};
use pyo3::prelude::*;

use crate::attachment::Attachment;
use crate::entry::Entry;

/// A ticket as it was when read. Tickets from `Silo.search()` carry no entries or
/// attachments (the fast path); `Silo.get()` gives the whole ticket.
#[pyclass(frozen, eq, module = "ticket")]
#[derive(PartialEq)]
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
    /// Read by `Silo.get()` (entries and attachments are part of it), not a search row.
    whole: bool,
}

#[cfg(feature = "core-api")]
fn deadline_state(state: Option<ticket_core::DeadlineState>) -> Option<&'static str> {
    state.map(ticket_core::DeadlineState::as_str)
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
            whole: true,
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
            whole: false,
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

    /// The ticket as plain Python data in the one shape of the core's serializer (the same
    /// as `export json` and `ticket dt --format json`): timestamps as RFC 3339 strings,
    /// properties as `{"key", "value"}` dicts; entries and attachments for a whole ticket.
    #[cfg(feature = "core-api")]
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        use ticket_core::serial::{AttachmentDoc, EntryDoc, PropertyDoc, TicketDoc};
        let doc = TicketDoc {
            number: &self.number,
            uuid: &self.uuid,
            status: self.status,
            title: &self.title,
            summary: &self.summary,
            opened: self.opened,
            last_update: self.last_update,
            tags: &self.tags,
            properties: self
                .properties
                .iter()
                .map(|(key, value)| PropertyDoc { key, value })
                .collect(),
            total_minutes: self.total_minutes,
            deadline_state: self
                .deadline_state
                .and_then(ticket_core::DeadlineState::from_name),
            entries: self.whole.then(|| {
                self.entries
                    .iter()
                    .map(|e| EntryDoc {
                        n: e.n,
                        text: &e.text,
                        author: &e.author,
                        at: e.at,
                        minutes: e.minutes,
                    })
                    .collect()
            }),
            attachments: self.whole.then(|| {
                self.attachments
                    .iter()
                    .map(|a| AttachmentDoc {
                        n: a.n,
                        name: &a.name,
                        size: a.size,
                        sha256: &a.sha256,
                        comment: &a.comment,
                        author: &a.author,
                        at: a.at,
                    })
                    .collect()
            }),
        };
        let text = serde_json::to_string(&doc)
            .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
        py.import("json")?.getattr("loads")?.call1((text,))
    }

    /// Pickling: the fields, given back to `_from_state`.
    #[cfg(feature = "core-api")]
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<crate::pickle::Reduced<'py>> {
        let (py, t) = (slf.py(), slf.get());
        crate::pickle::reduce(
            slf.as_any(),
            crate::pickle::fields![py; &t.number, &t.uuid, &t.title, &t.summary, t.status,
                &t.tags, &t.properties, t.entries.clone(), t.attachments.clone(), t.opened,
                t.last_update, t.deadline_state, t.total_minutes, t.whole],
        )
    }

    /// Unpickling (private): every field as `__reduce__` gives it; a status or deadline
    /// state the core does not know is `InvalidInput`.
    #[cfg(feature = "core-api")]
    #[classmethod]
    #[allow(clippy::too_many_arguments)]
    fn _from_state(
        _cls: &Bound<'_, pyo3::types::PyType>,
        number: String,
        uuid: String,
        title: String,
        summary: String,
        status: &str,
        tags: Vec<String>,
        properties: Vec<(String, String)>,
        entries: Vec<Bound<'_, PyAny>>,
        attachments: Vec<Bound<'_, PyAny>>,
        opened: DateTime<Utc>,
        last_update: DateTime<Utc>,
        deadline_state: Option<&str>,
        total_minutes: i64,
        whole: bool,
    ) -> PyResult<Ticket> {
        let unknown = |what: &str, name: &str| {
            crate::errors::InvalidInput::new_err(format!("unknown {what} {name:?}"))
        };
        let status = ticket_core::Status::ALL
            .iter()
            .map(|s| s.name())
            .find(|name| *name == status)
            .ok_or_else(|| unknown("status", status))?;
        let deadline_state = deadline_state
            .map(|s| {
                ticket_core::DeadlineState::from_name(s).ok_or_else(|| unknown("deadline state", s))
            })
            .transpose()?
            .map(ticket_core::DeadlineState::as_str);
        Ok(Ticket {
            number,
            uuid,
            title,
            summary,
            status,
            tags,
            properties,
            entries: crate::pickle::copies(entries)?,
            attachments: crate::pickle::copies(attachments)?,
            opened,
            last_update,
            deadline_state,
            total_minutes,
            whole,
        })
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
