//! Small conversions shared by the classes.
use chrono::{DateTime, FixedOffset};
use pyo3::prelude::*;

/// A Python `datetime` (aware, or naive taken as UTC) as the clock's fixed time.
pub(crate) fn fixed_time(dt: &Bound<'_, PyAny>) -> PyResult<DateTime<FixedOffset>> {
    if let Ok(aware) = dt.extract::<DateTime<FixedOffset>>() {
        return Ok(aware);
    }
    let naive: chrono::NaiveDateTime = dt.extract()?;
    Ok(naive.and_utc().fixed_offset())
}
