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

    /// Pickling: the canonical text and the span, given back to `_from_state`.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<crate::pickle::Reduced<'py>> {
        let (py, k) = (slf.py(), slf.get());
        crate::pickle::reduce(
            slf.as_any(),
            crate::pickle::fields![py; &k.canonical, k.span],
        )
    }

    /// Unpickling (private): the text must still parse to itself, so a hand-made pickle
    /// cannot hold a key the parser would refuse.
    #[classmethod]
    fn _from_state(
        _cls: &Bound<'_, pyo3::types::PyType>,
        py: Python<'_>,
        canonical: String,
        span: (usize, usize),
    ) -> PyResult<SearchKey> {
        let parsed = parse_search(py, &canonical)?;
        if parsed.canonical != canonical {
            return Err(crate::errors::InvalidInput::new_err(format!(
                "{canonical:?} is not a canonical search key"
            )));
        }
        Ok(SearchKey { canonical, span })
    }
}

/// Parses a search key; raises `SearchSyntaxError` with the caret display.
#[pyfunction]
pub fn parse_search(py: Python<'_>, key: &str) -> PyResult<SearchKey> {
    let parsed = ticket_query::parse_search(key).map_err(|e| search_error(py, &e, key))?;
    let span = parsed.span();
    Ok(SearchKey {
        canonical: parsed.to_string(),
        span: (span.start, span.end),
    })
}

/// Compiles a search key and sort rule against the default silo configuration (today from
/// the system clock); returns the SQL text and its bound parameters. Decision: without a silo
/// there is no silo.json, so saved searches and value orders are the defaults'.
#[pyfunction]
#[pyo3(signature = (key, sort=""))]
pub fn compile_search(py: Python<'_>, key: &str, sort: &str) -> PyResult<(String, Vec<Py<PyAny>>)> {
    let parsed = ticket_query::parse_search(key).map_err(|e| search_error(py, &e, key))?;
    let rule = ticket_query::parse_sort(sort).map_err(|e| search_error(py, &e, sort))?;
    let config = ticket_core::SiloConfig::from_json_str(
        &ticket_core::SiloConfig::default_json(),
        "silo.json",
    )
    .map_err(|e| crate::errors::ConfigError::new_err(e.to_string()))?;
    let cat = ticket_core::SiloCatalogue { config: &config };
    let today = chrono::Local::now().date_naive();
    let compiled = ticket_query::compile(&parsed, &rule, &cat, today)
        .map_err(|e| search_error(py, &e, key))?;
    let (sql, params) = compiled.select_sql("t.id, t.number", None, 0);
    let params = params
        .into_iter()
        .map(|p| -> PyResult<Py<PyAny>> {
            Ok(match p {
                ticket_query::SqlValue::Null => py.None(),
                ticket_query::SqlValue::Integer(i) => i.into_pyobject(py)?.into_any().unbind(),
                ticket_query::SqlValue::Real(r) => r.into_pyobject(py)?.into_any().unbind(),
                ticket_query::SqlValue::Text(t) => t.into_pyobject(py)?.into_any().unbind(),
            })
        })
        .collect::<PyResult<Vec<_>>>()?;
    Ok((sql, params))
}
