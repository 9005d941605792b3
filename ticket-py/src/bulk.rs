//! `Silo.create_many`: many tickets from plain Python data, in one change set (several
//! when they pass a change set's 65,536 records).
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use crate::errors::InvalidInput;

/// The keys a ticket dictionary may have.
const KEYS: [&str; 6] = [
    "title",
    "summary",
    "status",
    "tags",
    "properties",
    "entries",
];

fn invalid(index: usize, message: impl std::fmt::Display) -> PyErr {
    InvalidInput::new_err(format!("ticket {index} of the batch: {message}"))
}

/// A list of strings (not a single string, which Python would also iterate).
fn strings(index: usize, field: &str, value: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    if value.is_instance_of::<PyString>() {
        return Err(invalid(
            index,
            format!("'{field}' must be a list of strings, not a string"),
        ));
    }
    value
        .try_iter()
        .and_then(|it| it.map(|v| v?.extract::<String>()).collect())
        .map_err(|_| invalid(index, format!("'{field}' must be a list of strings")))
}

/// `{"Key": "value"}` or `[("Key", "value"), ...]` (the list form allows repeated keys).
fn properties(index: usize, value: &Bound<'_, PyAny>) -> PyResult<Vec<(String, String)>> {
    let shape = || {
        invalid(
            index,
            "'properties' must be a dict of strings or a list of (key, value) pairs",
        )
    };
    if let Ok(d) = value.cast::<PyDict>() {
        return d
            .iter()
            .map(|(k, v)| Ok((k.extract::<String>()?, v.extract::<String>()?)))
            .collect::<PyResult<_>>()
            .map_err(|_| shape());
    }
    value
        .try_iter()
        .and_then(|it| it.map(|p| p?.extract::<(String, String)>()).collect())
        .map_err(|_| shape())
}

/// `["text", ("text", minutes), ...]`.
fn entries(index: usize, value: &Bound<'_, PyAny>) -> PyResult<Vec<(String, u32)>> {
    let shape = || {
        invalid(
            index,
            "'entries' must be a list of texts or (text, minutes) pairs",
        )
    };
    if value.is_instance_of::<PyString>() {
        return Err(shape());
    }
    value
        .try_iter()
        .and_then(|it| {
            it.map(|e| {
                let e = e?;
                match e.extract::<String>() {
                    Ok(text) => Ok((text, 0)),
                    Err(_) => e.extract::<(String, u32)>(),
                }
            })
            .collect()
        })
        .map_err(|_| shape())
}

/// One ticket dictionary as the core's `NewTicket`.
pub(crate) fn new_ticket(
    index: usize,
    item: &Bound<'_, PyAny>,
) -> PyResult<ticket_core::NewTicket> {
    let d = item
        .cast::<PyDict>()
        .map_err(|_| invalid(index, "each ticket is a dict with at least a 'title'"))?;
    for key in d.keys() {
        let key: String = key
            .extract()
            .map_err(|_| invalid(index, "keys must be strings"))?;
        if !KEYS.contains(&key.as_str()) {
            return Err(invalid(
                index,
                format!("unknown key '{key}' (expected one of {})", KEYS.join(", ")),
            ));
        }
    }
    let text = |field: &str| -> PyResult<Option<String>> {
        match d.get_item(field)? {
            Some(v) if !v.is_none() => v
                .extract::<String>()
                .map(Some)
                .map_err(|_| invalid(index, format!("'{field}' must be a string"))),
            _ => Ok(None),
        }
    };
    let title = text("title")?.ok_or_else(|| invalid(index, "a 'title' is required"))?;
    Ok(ticket_core::NewTicket {
        title,
        summary: text("summary")?.unwrap_or_default(),
        status: text("status")?,
        tags: match d.get_item("tags")? {
            Some(v) if !v.is_none() => strings(index, "tags", &v)?,
            _ => Vec::new(),
        },
        properties: match d.get_item("properties")? {
            Some(v) if !v.is_none() => properties(index, &v)?,
            _ => Vec::new(),
        },
        entries: match d.get_item("entries")? {
            Some(v) if !v.is_none() => entries(index, &v)?,
            _ => Vec::new(),
        },
    })
}
