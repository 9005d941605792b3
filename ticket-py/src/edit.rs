//! `ticket.Edit`: queued changes to one ticket, applied as one change set.
use std::sync::{Arc, Mutex};

use pyo3::prelude::*;

use crate::convert::Int;
use crate::errors::{IntoPy, TicketError};

use ticket_core::EditOp as Op;

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
    fn set_title<'py>(slf: PyRef<'py, Self>, title: &str) -> PyResult<PyRef<'py, Self>> {
        slf.push(Op::Title(title.into()))?;
        Ok(slf)
    }
    fn set_summary<'py>(slf: PyRef<'py, Self>, summary: &str) -> PyResult<PyRef<'py, Self>> {
        slf.push(Op::Summary(summary.into()))?;
        Ok(slf)
    }
    #[pyo3(signature = (status, other=None))]
    fn set_status<'py>(
        slf: PyRef<'py, Self>,
        status: &str,
        other: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<PyRef<'py, Self>> {
        let other = other.map(crate::convert::number_text).transpose()?;
        slf.push(Op::Status(status.into(), other))?;
        Ok(slf)
    }
    fn add_tag<'py>(slf: PyRef<'py, Self>, tag: &str) -> PyResult<PyRef<'py, Self>> {
        slf.push(Op::AddTag(tag.into()))?;
        Ok(slf)
    }
    fn remove_tag<'py>(slf: PyRef<'py, Self>, tag: &str) -> PyResult<PyRef<'py, Self>> {
        slf.push(Op::RemoveTag(tag.into()))?;
        Ok(slf)
    }
    fn add_property<'py>(
        slf: PyRef<'py, Self>,
        key: &str,
        value: &str,
    ) -> PyResult<PyRef<'py, Self>> {
        slf.push(Op::AddProperty(key.into(), value.into()))?;
        Ok(slf)
    }
    fn change_property<'py>(
        slf: PyRef<'py, Self>,
        key: &str,
        old: &str,
        new: &str,
    ) -> PyResult<PyRef<'py, Self>> {
        slf.push(Op::ChangeProperty(key.into(), old.into(), new.into()))?;
        Ok(slf)
    }
    #[pyo3(signature = (key, value=None))]
    fn remove_property<'py>(
        slf: PyRef<'py, Self>,
        key: &str,
        value: Option<&str>,
    ) -> PyResult<PyRef<'py, Self>> {
        slf.push(match value {
            Some(v) => Op::RemovePropertyKv(key.into(), v.into()),
            None => Op::RemovePropertyK(key.into()),
        })?;
        Ok(slf)
    }
    #[pyo3(signature = (text, *, minutes=Int(0)), text_signature = "(self, /, text, *, minutes=0)")]
    fn add_entry<'py>(
        slf: PyRef<'py, Self>,
        text: &str,
        minutes: Int,
    ) -> PyResult<PyRef<'py, Self>> {
        let minutes = crate::convert::count("minutes", minutes)?;
        slf.push(Op::AddEntry(text.into(), minutes))?;
        Ok(slf)
    }
    fn remove_entry<'py>(slf: PyRef<'py, Self>, entry: Int) -> PyResult<PyRef<'py, Self>> {
        let entry = crate::convert::count("an entry number", entry)?;
        slf.push(Op::RemoveEntry(entry))?;
        Ok(slf)
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
        py.detach(|| silo.apply(number, ops)).py_err()
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
