//! `ticket.Edit`: queued changes to one ticket, applied as one change set.
use std::sync::{Arc, Mutex};

use pyo3::prelude::*;

use crate::errors::{IntoPy, TicketError};

/// One queued change, replayed into the core's `Edit` builder on commit.
#[derive(Clone)]
enum Op {
    Title(String),
    Summary(String),
    Status(String, Option<String>),
    AddTag(String),
    RemoveTag(String),
    AddProperty(String, String),
    ChangeProperty(String, String, String),
    RemovePropertyK(String),
    RemovePropertyKv(String, String),
    AddEntry(String, u32),
    RemoveEntry(u32),
}

/// Changes to one ticket, validated once and applied as one change set when the `with`
/// block ends without an exception (or on `commit()`); nothing is written otherwise.
#[pyclass(frozen, module = "ticket")]
pub struct Edit {
    silo: Arc<ticket_core::Silo>,
    number: String,
    ops: Mutex<Option<Vec<Op>>>,
}

impl Edit {
    pub(crate) fn new(silo: Arc<ticket_core::Silo>, number: &str) -> Edit {
        Edit {
            silo,
            number: number.to_string(),
            ops: Mutex::new(Some(Vec::new())),
        }
    }

    fn push(&self, op: Op) -> PyResult<()> {
        match self.ops.lock().expect("edit queue lock").as_mut() {
            Some(ops) => {
                ops.push(op);
                Ok(())
            }
            None => Err(TicketError::new_err(
                "this edit was already committed or discarded",
            )),
        }
    }
}

#[pymethods]
impl Edit {
    fn set_title(&self, title: &str) -> PyResult<()> {
        self.push(Op::Title(title.into()))
    }
    fn set_summary(&self, summary: &str) -> PyResult<()> {
        self.push(Op::Summary(summary.into()))
    }
    #[pyo3(signature = (status, other=None))]
    fn set_status(&self, status: &str, other: Option<&str>) -> PyResult<()> {
        self.push(Op::Status(status.into(), other.map(Into::into)))
    }
    fn add_tag(&self, tag: &str) -> PyResult<()> {
        self.push(Op::AddTag(tag.into()))
    }
    fn remove_tag(&self, tag: &str) -> PyResult<()> {
        self.push(Op::RemoveTag(tag.into()))
    }
    fn add_property(&self, key: &str, value: &str) -> PyResult<()> {
        self.push(Op::AddProperty(key.into(), value.into()))
    }
    fn change_property(&self, key: &str, old: &str, new: &str) -> PyResult<()> {
        self.push(Op::ChangeProperty(key.into(), old.into(), new.into()))
    }
    #[pyo3(signature = (key, value=None))]
    fn remove_property(&self, key: &str, value: Option<&str>) -> PyResult<()> {
        self.push(match value {
            Some(v) => Op::RemovePropertyKv(key.into(), v.into()),
            None => Op::RemovePropertyK(key.into()),
        })
    }
    #[pyo3(signature = (text, *, minutes=0))]
    fn add_entry(&self, text: &str, minutes: u32) -> PyResult<()> {
        self.push(Op::AddEntry(text.into(), minutes))
    }
    fn remove_entry(&self, entry: u32) -> PyResult<()> {
        self.push(Op::RemoveEntry(entry))
    }

    /// Applies the queued changes as one change set.
    fn commit(&self, py: Python<'_>) -> PyResult<()> {
        let ops = self
            .ops
            .lock()
            .expect("edit queue lock")
            .take()
            .ok_or_else(|| TicketError::new_err("this edit was already committed or discarded"))?;
        let silo = &self.silo;
        let number = self.number.as_str();
        py.detach(|| {
            let mut edit = silo.edit(number);
            for op in &ops {
                match op {
                    Op::Title(t) => edit.set_title(t),
                    Op::Summary(s) => edit.set_summary(s),
                    Op::Status(s, o) => edit.set_status(s, o.as_deref()),
                    Op::AddTag(t) => edit.add_tag(t),
                    Op::RemoveTag(t) => edit.remove_tag(t),
                    Op::AddProperty(k, v) => edit.add_property(k, v),
                    Op::ChangeProperty(k, o, n) => edit.change_property(k, o, n),
                    Op::RemovePropertyK(k) => edit.remove_property_k(k),
                    Op::RemovePropertyKv(k, v) => edit.remove_property_kv(k, v),
                    Op::AddEntry(t, m) => edit.add_entry(t, *m),
                    Op::RemoveEntry(n) => edit.remove_entry(*n),
                };
            }
            edit.commit()
        })
        .py_err()
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    /// Commits when the block ended normally; discards the queue when it raised.
    fn __exit__(
        &self,
        py: Python<'_>,
        exc_type: Option<&Bound<'_, PyAny>>,
        _exc: Option<&Bound<'_, PyAny>>,
        _tb: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        if exc_type.is_some_and(|t| !t.is_none()) {
            self.ops.lock().expect("edit queue lock").take();
            return Ok(false);
        }
        self.commit(py)?;
        Ok(false)
    }

    fn __repr__(&self) -> String {
        let n = self
            .ops
            .lock()
            .expect("edit queue lock")
            .as_ref()
            .map(Vec::len);
        match n {
            Some(n) => format!("<Edit of {} with {} queued change(s)>", self.number, n),
            None => format!("<Edit of {} (done)>", self.number),
        }
    }
}
