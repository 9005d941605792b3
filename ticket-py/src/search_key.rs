//! `ticket.parse_search`, `ticket.compile_search` and the `SearchKey` they return.
use pyo3::prelude::*;

use crate::errors::search_error;

/// A parsed search key: `str()` is its canonical form.
#[pyclass(frozen, module = "ticket")]
pub struct SearchKey {
    canonical: String,
    #[pyo3(get)]
    span: (usize, usize),
}

#[pymethods]
impl SearchKey {
    fn __str__(&self) -> String {
        self.canonical.clone()
    }
    fn __repr__(&self) -> String {
        format!("<SearchKey {:?}>", self.canonical)
    }
    fn __eq__(&self, other: &SearchKey) -> bool {
        self.canonical == other.canonical
    }
    fn __hash__(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.canonical.hash(&mut h);
        h.finish()
    }
}

/// Parses a search key; raises `SearchSyntaxError` with the caret display.
#[pyfunction]
pub fn parse_search(py: Python<'_>, key: &str) -> PyResult<SearchKey> {
    let parsed = ticket_query::parse_search(key).map_err(|e| search_error(py, &e, key))?;
    let span = parsed.span();
    Ok(SearchKey { canonical: parsed.to_string(), span: (span.start, span.end) })
}

/// Compiles a search key and sort rule against the default silo configuration (today from
/// the system clock); returns the SQL text and its bound parameters.
#[pyfunction]
#[pyo3(signature = (key, sort=""))]
pub fn compile_search(py: Python<'_>, key: &str, sort: &str) -> PyResult<(String, Vec<PyObject>)> {
    let compiled = ticket_core::compile_with_default_catalogue(key, sort).map_err(|e| match e {
        ticket_core::Error::Search(ref q) => search_error(py, q, if q_in_sort(&e) { sort } else { key }),
        other => crate::errors::to_py(other, Some(key)),
    })?;
    let params = compiled.params().iter().map(|p| sql_value(py, p)).collect::<PyResult<Vec<_>>>()?;
    Ok((compiled.select_sql("t.id, t.number"), params))
}
