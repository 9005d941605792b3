//! Small conversions shared by the classes.
use chrono::{DateTime, FixedOffset};
use pyo3::prelude::*;

/// A Python `datetime` as the clock's fixed time; it must be aware (a naive one names no
/// moment, and guessing its zone would shift every stored time).
pub(crate) fn fixed_time(dt: &Bound<'_, PyAny>) -> PyResult<DateTime<FixedOffset>> {
    if let Ok(aware) = dt.extract::<DateTime<FixedOffset>>() {
        return Ok(aware);
    }
    if dt.extract::<chrono::NaiveDateTime>().is_ok() {
        return Err(crate::errors::InvalidInput::new_err(
            "a naive datetime has no time zone: give an aware one (tzinfo=timezone.utc)",
        ));
    }
    Err(crate::errors::InvalidInput::new_err("expected a datetime"))
}

/// A ticket number given as `str` or `int` (non-negative), as its text.
pub(crate) fn number_text(n: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(text) = n.extract::<String>() {
        return Ok(text);
    }
    match n.extract::<i64>() {
        Ok(i) if i >= 0 && !n.is_instance_of::<pyo3::types::PyBool>() => Ok(i.to_string()),
        _ => Err(crate::errors::InvalidInput::new_err(format!(
            "a ticket number is a str or a non-negative int, not {}{}",
            n.repr().map(|r| r.to_string()).unwrap_or_default(),
            // a snapshot's number may have changed since (a sync renumbers a clash), so a
            // `Ticket` is not taken for its number silently
            if n.is_instance_of::<crate::ticket::Ticket>() {
                " (pass its .number)"
            } else {
                ""
            }
        ))),
    }
}

/// An int argument (minutes, a limit, an item number): anything but an int, or an int too big
/// for 64 bits, is `InvalidInput` naming the argument, never a `TypeError` or `OverflowError`.
pub(crate) struct Int(pub(crate) i64);

impl<'a, 'py> FromPyObject<'a, 'py> for Int {
    type Error = PyErr;

    fn extract(obj: pyo3::Borrowed<'a, 'py, PyAny>) -> PyResult<Int> {
        let repr = || obj.repr().map(|r| r.to_string()).unwrap_or_default();
        if obj.is_instance_of::<pyo3::types::PyBool>()
            || !obj.is_instance_of::<pyo3::types::PyInt>()
        {
            return Err(crate::errors::InvalidInput::new_err(format!(
                "expected an int, not {}",
                repr()
            )));
        }
        obj.extract::<i64>().map(Int).map_err(|_| {
            crate::errors::InvalidInput::new_err(format!("{} is out of range", repr()))
        })
    }
}

/// A count or item number given as a Python int: negative is `InvalidInput`, not an
/// `OverflowError`.
pub(crate) fn count<T: TryFrom<i64>>(what: &str, Int(v): Int) -> PyResult<T> {
    T::try_from(v).map_err(|_| {
        crate::errors::InvalidInput::new_err(format!(
            "{what} must be between 0 and a sane maximum, not {v}"
        ))
    })
}
