//! The exception hierarchy: every `ticket_core::Error` becomes a subclass of `TicketError`.
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;

create_exception!(
    ticket,
    TicketError,
    PyException,
    "Base class of every error the module raises."
);
create_exception!(
    ticket,
    SearchSyntaxError,
    TicketError,
    "A search key or sort rule that does not parse or compile; has start, end, message, hint."
);
create_exception!(
    ticket,
    ValidationError,
    TicketError,
    "A write that breaks the silo's validation rules; has violations."
);
create_exception!(ticket, InvalidInput, TicketError, "A value that is not acceptable: empty title, bad status, bad date, reserved key, relation errors.");
create_exception!(
    ticket,
    NotFound,
    TicketError,
    "No ticket with that number in this silo."
);
create_exception!(
    ticket,
    SiloBusy,
    TicketError,
    "Another writer held the silo for longer than the busy timeout."
);
create_exception!(
    ticket,
    ConfigError,
    TicketError,
    "A broken silo.json or user configuration."
);
create_exception!(
    ticket,
    SiloError,
    TicketError,
    "The directory is not a usable silo (missing, not a silo, newer schema)."
);
create_exception!(
    ticket,
    ImportFailed,
    TicketError,
    "An import that could not be done; nothing was imported."
);
create_exception!(
    ticket,
    StorageError,
    TicketError,
    "The database or the file system failed."
);

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("TicketError", py.get_type::<TicketError>())?;
    m.add("SearchSyntaxError", py.get_type::<SearchSyntaxError>())?;
    m.add("ValidationError", py.get_type::<ValidationError>())?;
    m.add("InvalidInput", py.get_type::<InvalidInput>())?;
    m.add("NotFound", py.get_type::<NotFound>())?;
    m.add("SiloBusy", py.get_type::<SiloBusy>())?;
    m.add("ConfigError", py.get_type::<ConfigError>())?;
    m.add("SiloError", py.get_type::<SiloError>())?;
    m.add("ImportFailed", py.get_type::<ImportFailed>())?;
    m.add("StorageError", py.get_type::<StorageError>())?;
    Ok(())
}

/// A search-language error as a `SearchSyntaxError` with its attributes; `input` is the text
/// the span points into, used for the caret display that `str()` shows.
#[cfg(feature = "core-api")]
pub(crate) fn search_error(py: Python<'_>, err: &ticket_query::Error, input: &str) -> PyErr {
    let exc = SearchSyntaxError::new_err(err.render(input));
    let value = exc.value(py);
    let span = err.span();
    let _ = value.setattr("start", span.start);
    let _ = value.setattr("end", span.end);
    let _ = value.setattr("message", err.message().to_string());
    let _ = value.setattr("hint", err.hint().map(str::to_string));
    exc
}

/// Maps a core error to its exception. `input` is the search text when the call had one.
#[cfg(feature = "core-api")]
pub(crate) fn to_py(err: ticket_core::Error, input: Option<&str>) -> PyErr {
    use ticket_core::Error as E;
    Python::attach(|py| match &err {
        E::Search(e) => search_error(py, e, input.unwrap_or("")),
        E::NotFound { .. } => NotFound::new_err(err.to_string()),
        E::Validation { violations } => {
            let exc = ValidationError::new_err(err.to_string());
            let list: Vec<String> = violations.iter().map(|v| v.to_string()).collect();
            let _ = exc.value(py).setattr("violations", list);
            exc
        }
        E::Busy { .. } => SiloBusy::new_err(err.to_string()),
        E::Config(_) => ConfigError::new_err(err.to_string()),
        E::NotASilo { .. }
        | E::SiloExists { .. }
        | E::TeamSiloExists { .. }
        | E::SchemaTooNew { .. }
        | E::Connect { .. } => SiloError::new_err(err.to_string()),
        E::Import { .. } => ImportFailed::new_err(err.to_string()),
        E::Io { .. } | E::Db(_) | E::Corrupt { .. } => StorageError::new_err(err.to_string()),
        E::Invalid { .. }
        | E::Reserved { .. }
        | E::Relation { .. }
        | E::Cycle { .. }
        | E::NumberingExhausted
        | E::NumberTaken { .. }
        | E::BadPeer { .. } => InvalidInput::new_err(err.to_string()),
        // `Error` is #[non_exhaustive]: a variant added later is still a TicketError.
        _ => TicketError::new_err(err.to_string()),
    })
}

/// `Result` of a core call, converted to a Python result.
#[cfg(feature = "core-api")]
pub(crate) trait IntoPy<T> {
    fn py_err(self) -> PyResult<T>;
    fn py_err_in(self, input: &str) -> PyResult<T>;
}

#[cfg(feature = "core-api")]
impl<T> IntoPy<T> for Result<T, ticket_core::Error> {
    fn py_err(self) -> PyResult<T> {
        self.map_err(|e| to_py(e, None))
    }
    fn py_err_in(self, input: &str) -> PyResult<T> {
        self.map_err(|e| to_py(e, Some(input)))
    }
}
