//! Pickling of the value classes (`Ticket`, `Entry`, `Attachment`, `Change`): `__reduce__`
//! gives the class's private `_from_state` classmethod and every field in order, so an
//! unpickled snapshot equals the original (`pickle.loads(pickle.dumps(t)) == t`).
use pyo3::prelude::*;
use pyo3::types::PyTuple;

/// What `__reduce__` returns: the restoring classmethod and its arguments.
pub(crate) type Reduced<'py> = (Bound<'py, PyAny>, Bound<'py, PyTuple>);

/// `(type(obj)._from_state, (field, ...))`.
pub(crate) fn reduce<'py>(
    obj: &Bound<'py, PyAny>,
    fields: Vec<Bound<'py, PyAny>>,
) -> PyResult<Reduced<'py>> {
    let restore = obj.get_type().getattr("_from_state")?;
    Ok((restore, PyTuple::new(obj.py(), fields)?))
}

/// The fields of a value, each converted to a Python object (`fields![py; a, b, ...]`).
macro_rules! fields {
    ($py:expr; $($field:expr),* $(,)?) => {{
        use pyo3::IntoPyObjectExt;
        vec![$($field.into_bound_py_any($py)?),*]
    }};
}
pub(crate) use fields;

/// Copies of the snapshots in a pickled list (`Ticket`'s entries and attachments).
pub(crate) fn copies<
    T: pyo3::PyClass<Frozen = pyo3::pyclass::boolean_struct::True> + Sync + Clone,
>(
    list: Vec<Bound<'_, PyAny>>,
) -> PyResult<Vec<T>> {
    list.iter()
        .map(|item| Ok(item.cast::<T>()?.get().clone()))
        .collect()
}
