//! `ticket.Silo`: an open silo; every method is one core call.
use std::path::PathBuf;
use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::change::Change;
use crate::convert::{fixed_time, Int};
use crate::edit::Edit;
use crate::errors::IntoPy;
use crate::results::SearchResults;
use crate::sync::{SyncReport, UndoReport};
use crate::ticket::Ticket;

/// A silo: a directory holding `silo.json`, `silo.db` and `attachments/`.
#[pyclass(frozen, module = "ticket")]
pub struct Silo {
    /// The open silo; `None` once `close()` ran.
    inner: std::sync::Mutex<Option<Arc<ticket_core::Silo>>>,
}

fn context(now: Option<&Bound<'_, PyAny>>, user: Option<&str>) -> PyResult<ticket_core::Context> {
    let mut ctx = ticket_core::Context::from_env(user).py_err()?;
    if let Some(now) = now {
        ctx.clock = ticket_core::Clock::fixed(fixed_time(now)?);
    }
    Ok(ctx)
}

impl Silo {
    fn from_core(silo: ticket_core::Silo) -> Silo {
        Silo {
            inner: std::sync::Mutex::new(Some(Arc::new(silo))),
        }
    }

    /// The open silo, or `SiloError` after `close()`.
    fn silo(&self) -> PyResult<Arc<ticket_core::Silo>> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
            .ok_or_else(|| crate::errors::SiloError::new_err("the silo is closed"))
    }

    fn ticket(&self, py: Python<'_>, number: &str) -> PyResult<Ticket> {
        let silo = &self.silo()?;
        let t = py.detach(|| silo.get(number)).py_err()?;
        Ok(Ticket::from(t))
    }
}

#[pymethods]
impl Silo {
    /// `ticket.Silo(path)` is what a newcomer tries first; pyo3's own refusal said only
    /// "cannot create 'ticket.Silo' instances". Still a `TypeError`, now naming the two ways.
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn refuse_new(
        _args: &Bound<'_, pyo3::types::PyTuple>,
        _kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Silo> {
        Err(pyo3::exceptions::PyTypeError::new_err(
            "a Silo is not made by calling ticket.Silo(...): open one with \
             ticket.Silo.open(path) or make a new one with ticket.Silo.create(path)",
        ))
    }

    /// Creates a new silo in `path` (which must not exist or be empty) and opens it.
    #[staticmethod]
    #[pyo3(signature = (path, *, now=None, user=None))]
    fn create(
        py: Python<'_>,
        path: PathBuf,
        now: Option<&Bound<'_, PyAny>>,
        user: Option<&str>,
    ) -> PyResult<Silo> {
        let ctx = context(now, user)?;
        let silo = py
            .detach(|| ticket_core::Silo::create(&path, ctx))
            .py_err()?;
        Ok(Silo::from_core(silo))
    }

    /// Opens the silo in `path`. `now` fixes the clock, `user` names the author of changes.
    #[staticmethod]
    #[pyo3(signature = (path, *, now=None, user=None))]
    fn open(
        py: Python<'_>,
        path: PathBuf,
        now: Option<&Bound<'_, PyAny>>,
        user: Option<&str>,
    ) -> PyResult<Silo> {
        let ctx = context(now, user)?;
        let silo = py.detach(|| ticket_core::Silo::open(&path, ctx)).py_err()?;
        Ok(Silo::from_core(silo))
    }

    /// The silo's directory.
    #[getter]
    fn path(&self) -> PyResult<PathBuf> {
        Ok(self.silo()?.dir().to_path_buf())
    }

    /// Creates a ticket from a title, a creation rule (None: the default) and a summary.
    #[pyo3(signature = (title, *, summary="", rule=None))]
    fn new_ticket(
        &self,
        py: Python<'_>,
        title: &str,
        summary: &str,
        rule: Option<&str>,
    ) -> PyResult<Ticket> {
        let silo = &self.silo()?;
        let number = py
            .detach(|| silo.new_ticket(title, rule, summary))
            .py_err()?;
        self.ticket(py, number.as_str())
    }

    /// Creates many tickets in one transaction and one change set (several of up to 65,536
    /// records each when the tickets need more, split between tickets): all of them or, on
    /// any error, none. Each ticket is a dict with `title` and optionally `summary`, `status`,
    /// `tags` (list), `properties` (dict, or list of (key, value) pairs for repeated keys) and
    /// `entries` (list of texts or (text, minutes) pairs). Returns the new numbers in order.
    /// The GIL is released while the core writes.
    fn create_many(&self, py: Python<'_>, tickets: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
        let mut batch = Vec::new();
        for (index, item) in tickets.try_iter()?.enumerate() {
            batch.push(crate::bulk::new_ticket(index, &item?)?);
        }
        let silo = &self.silo()?;
        let numbers = py
            .detach(|| {
                let mut b = silo.batch();
                for t in batch {
                    b.add(t);
                }
                b.commit()
            })
            .py_err()?;
        Ok(numbers.iter().map(|n| n.to_string()).collect())
    }

    /// Creates a ticket with a number chosen by the caller (valid and unused).
    #[pyo3(signature = (number, title, *, summary="", rule=None))]
    fn import_ticket(
        &self,
        py: Python<'_>,
        number: &Bound<'_, PyAny>,
        title: &str,
        summary: &str,
        rule: Option<&str>,
    ) -> PyResult<Ticket> {
        let number = crate::convert::number_text(number)?;
        let number: &str = &number;
        let silo = &self.silo()?;
        let number = py
            .detach(|| silo.import_ticket(number, title, rule, summary))
            .py_err()?;
        self.ticket(py, number.as_str())
    }

    /// Sets the title.
    fn set_title(&self, py: Python<'_>, number: &Bound<'_, PyAny>, title: &str) -> PyResult<()> {
        let number = crate::convert::number_text(number)?;
        let number: &str = &number;
        let silo = &self.silo()?;
        py.detach(|| silo.set_title(number, title)).py_err()
    }

    /// Sets the summary.
    fn set_summary(
        &self,
        py: Python<'_>,
        number: &Bound<'_, PyAny>,
        summary: &str,
    ) -> PyResult<()> {
        let number = crate::convert::number_text(number)?;
        let number: &str = &number;
        let silo = &self.silo()?;
        py.detach(|| silo.set_summary(number, summary)).py_err()
    }

    /// Sets the status (name or letter); `other` is the target ticket for Merged and Duplicate.
    #[pyo3(signature = (number, status, other=None))]
    fn set_status(
        &self,
        py: Python<'_>,
        number: &Bound<'_, PyAny>,
        status: &str,
        other: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let number = crate::convert::number_text(number)?;
        let number: &str = &number;
        let other = other.map(crate::convert::number_text).transpose()?;
        let other = other.as_deref();
        let silo = &self.silo()?;
        py.detach(|| silo.set_status(number, status, other))
            .py_err()
    }

    /// Adds a tag.
    fn add_tag(&self, py: Python<'_>, number: &Bound<'_, PyAny>, tag: &str) -> PyResult<()> {
        let number = crate::convert::number_text(number)?;
        let number: &str = &number;
        let silo = &self.silo()?;
        py.detach(|| silo.add_tag(number, tag)).py_err()
    }

    /// Removes a tag.
    fn remove_tag(&self, py: Python<'_>, number: &Bound<'_, PyAny>, tag: &str) -> PyResult<()> {
        let number = crate::convert::number_text(number)?;
        let number: &str = &number;
        let silo = &self.silo()?;
        py.detach(|| silo.remove_tag(number, tag)).py_err()
    }

    /// Adds a property (date keys take date expressions such as `+2w`).
    fn add_property(
        &self,
        py: Python<'_>,
        number: &Bound<'_, PyAny>,
        key: &str,
        value: &str,
    ) -> PyResult<()> {
        let number = crate::convert::number_text(number)?;
        let number: &str = &number;
        let silo = &self.silo()?;
        py.detach(|| silo.add_property(number, key, value)).py_err()
    }

    /// Changes one value of a property.
    fn change_property(
        &self,
        py: Python<'_>,
        number: &Bound<'_, PyAny>,
        key: &str,
        old: &str,
        new: &str,
    ) -> PyResult<()> {
        let number = crate::convert::number_text(number)?;
        let number: &str = &number;
        let silo = &self.silo()?;
        py.detach(|| silo.change_property(number, key, old, new))
            .py_err()
    }

    /// Removes every value of property `key`, or only `value` when given.
    #[pyo3(signature = (number, key, value=None))]
    fn remove_property(
        &self,
        py: Python<'_>,
        number: &Bound<'_, PyAny>,
        key: &str,
        value: Option<&str>,
    ) -> PyResult<()> {
        let number = crate::convert::number_text(number)?;
        let number: &str = &number;
        let silo = &self.silo()?;
        py.detach(|| match value {
            Some(v) => silo.remove_property_kv(number, key, v),
            None => silo.remove_property_k(number, key),
        })
        .py_err()
    }

    /// Adds an entry; returns its number.
    #[pyo3(signature = (number, text, *, minutes=Int(0)), text_signature = "(self, /, number, text, *, minutes=0)")]
    fn add_entry(
        &self,
        py: Python<'_>,
        number: &Bound<'_, PyAny>,
        text: &str,
        minutes: Int,
    ) -> PyResult<u32> {
        let minutes: u32 = crate::convert::count("minutes", minutes)?;
        let number = crate::convert::number_text(number)?;
        let number: &str = &number;
        let silo = &self.silo()?;
        py.detach(|| silo.add_entry(number, text, minutes)).py_err()
    }

    /// Hides an entry (the history keeps it).
    fn remove_entry(&self, py: Python<'_>, number: &Bound<'_, PyAny>, entry: Int) -> PyResult<()> {
        let entry: u32 = crate::convert::count("an entry number", entry)?;
        let number = crate::convert::number_text(number)?;
        let number: &str = &number;
        let silo = &self.silo()?;
        py.detach(|| silo.remove_entry(number, entry)).py_err()
    }

    /// Attaches a copy of the file at `path`; returns the attachment number.
    #[pyo3(signature = (number, path, *, comment=""))]
    fn copy_file(
        &self,
        py: Python<'_>,
        number: &Bound<'_, PyAny>,
        path: PathBuf,
        comment: &str,
    ) -> PyResult<u32> {
        let number = crate::convert::number_text(number)?;
        let number: &str = &number;
        let silo = &self.silo()?;
        py.detach(|| silo.copy_file(number, &path, comment))
            .py_err()
    }

    /// Attaches `data` under the file name `name`; returns the attachment number.
    #[pyo3(signature = (number, name, data, *, comment=""))]
    fn add_attachment(
        &self,
        py: Python<'_>,
        number: &Bound<'_, PyAny>,
        name: &str,
        data: Vec<u8>,
        comment: &str,
    ) -> PyResult<u32> {
        let number = crate::convert::number_text(number)?;
        let number: &str = &number;
        let silo = &self.silo()?;
        py.detach(|| silo.add_attachment_bytes(number, name, &data, comment))
            .py_err()
    }

    /// Hides an attachment (the history keeps it).
    fn remove_file(
        &self,
        py: Python<'_>,
        number: &Bound<'_, PyAny>,
        attachment: Int,
    ) -> PyResult<()> {
        let attachment: u32 = crate::convert::count("an attachment number", attachment)?;
        let number = crate::convert::number_text(number)?;
        let number: &str = &number;
        let silo = &self.silo()?;
        py.detach(|| silo.remove_file(number, attachment)).py_err()
    }

    /// An attachment's content (checked against its SHA-256), as `ticket get_file` gives it;
    /// raises `NotFound` for a ticket that is not there, `InvalidInput` for an attachment
    /// number it does not have (or removed).
    fn get_file<'py>(
        &self,
        py: Python<'py>,
        number: &Bound<'_, PyAny>,
        attachment: Int,
    ) -> PyResult<Bound<'py, pyo3::types::PyBytes>> {
        let attachment: u32 = crate::convert::count("an attachment number", attachment)?;
        let number = crate::convert::number_text(number)?;
        let number: &str = &number;
        let silo = &self.silo()?;
        let (_, bytes) = py.detach(|| silo.get_file(number, attachment)).py_err()?;
        Ok(pyo3::types::PyBytes::new(py, &bytes))
    }

    /// The silo's configuration as stored (a directory silo's `silo.json`, a team silo's
    /// configuration row), as `ticket config --set` takes it.
    fn config_text(&self, py: Python<'_>) -> PyResult<String> {
        let silo = &self.silo()?;
        py.detach(|| silo.config_text()).py_err()
    }

    /// Validates `text` as a configuration and replaces the silo's with it, as one change set
    /// in the log (who changed the rules, and when); raises `ConfigError` and changes nothing
    /// when it does not validate. Every handle on the silo sees it from its next read.
    fn set_config(&self, py: Python<'_>, text: &str) -> PyResult<()> {
        let silo = &self.silo()?;
        py.detach(|| silo.set_config(text)).py_err()
    }

    /// Several changes to one ticket as one change set: use as a context manager.
    fn edit(&self, number: &Bound<'_, PyAny>) -> PyResult<Edit> {
        let number = crate::convert::number_text(number)?;
        Ok(Edit::new(self.silo()?, &number))
    }

    /// The whole ticket; raises `NotFound`.
    fn get(&self, py: Python<'_>, number: &Bound<'_, PyAny>) -> PyResult<Ticket> {
        let number = crate::convert::number_text(number)?;
        let number: &str = &number;
        self.ticket(py, number)
    }

    /// The ticket's history, oldest first.
    fn history(&self, py: Python<'_>, number: &Bound<'_, PyAny>) -> PyResult<Vec<Change>> {
        let number = crate::convert::number_text(number)?;
        let number: &str = &number;
        let silo = &self.silo()?;
        let changes = py.detach(|| silo.history(number)).py_err()?;
        Ok(changes.iter().map(Change::from).collect())
    }

    /// The tickets a search key selects, in sort-rule order, as a lazy iterator.
    #[pyo3(signature = (key="", sort="", *, limit=None, offset=Int(0)), text_signature = "(self, /, key='', sort='', *, limit=None, offset=0)")]
    fn search(
        &self,
        py: Python<'_>,
        key: &str,
        sort: &str,
        limit: Option<Int>,
        offset: Int,
    ) -> PyResult<SearchResults> {
        let limit: Option<u64> = limit
            .map(|l| crate::convert::count("limit", l))
            .transpose()?;
        let offset: u64 = crate::convert::count("offset", offset)?;
        SearchResults::start(py, self.silo()?, key, sort, limit, offset)
    }

    /// How many tickets a search key selects.
    #[pyo3(signature = (key=""))]
    fn count(&self, py: Python<'_>, key: &str) -> PyResult<u64> {
        let silo = &self.silo()?;
        py.detach(|| silo.count(key)).py_err_in(key)
    }

    /// The numbers of the selected tickets, in sort-rule order.
    #[pyo3(signature = (key="", sort=""))]
    fn numbers(&self, py: Python<'_>, key: &str, sort: &str) -> PyResult<Vec<String>> {
        let silo = &self.silo()?;
        let numbers = py.detach(|| silo.numbers(key, sort)).py_err_in(key)?;
        Ok(numbers.into_iter().map(|n| n.to_string()).collect())
    }

    /// The key in words, its canonical form, and the SQL with its parameters.
    #[pyo3(signature = (key="", sort=""))]
    fn explain<'py>(&self, py: Python<'py>, key: &str, sort: &str) -> PyResult<Bound<'py, PyDict>> {
        let silo = &self.silo()?;
        let e = py.detach(|| silo.explain(key, sort)).py_err_in(key)?;
        let d = PyDict::new(py);
        d.set_item("words", e.words)?;
        d.set_item("canonical", e.canonical)?;
        d.set_item("sql", e.sql)?;
        d.set_item(
            "params",
            e.params.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
        )?;
        Ok(d)
    }

    /// This copy's replica id.
    #[getter]
    fn replica_id(&self) -> PyResult<String> {
        Ok(self.silo()?.replica_id().to_string())
    }

    /// Makes a new copy of the silo `source` (a directory, a postgres:// address, or the
    /// http(s):// address of a `ticket serve`, with its `token`) at `path` (a new directory,
    /// or the postgres:// address of an empty database or schema), with a replica id of its
    /// own, and opens it.
    #[staticmethod]
    #[pyo3(signature = (source, path, *, token=None, now=None, user=None))]
    fn clone(
        py: Python<'_>,
        source: PathBuf,
        path: PathBuf,
        token: Option<String>,
        now: Option<&Bound<'_, PyAny>>,
        user: Option<&str>,
    ) -> PyResult<Silo> {
        let ctx = context(now, user)?;
        let server = http_peer(&source, token)?;
        let silo = py
            .detach(|| match server {
                Some(peer) => peer.clone_into(&path, ctx),
                None => ticket_core::Silo::clone_silo(&source, &path, ctx),
            })
            .py_err()?;
        Ok(Silo::from_core(silo))
    }

    /// Exchanges change sets with `peer` (a silo directory, a postgres:// address, or the
    /// http(s):// address of a `ticket serve`, with its `token`), both ways or only `pull` /
    /// `push`; with `dry_run`, says what would move and changes nothing.
    #[pyo3(signature = (peer, *, token=None, pull=false, push=false, dry_run=false))]
    fn sync(
        &self,
        py: Python<'_>,
        peer: PathBuf,
        token: Option<String>,
        pull: bool,
        push: bool,
        dry_run: bool,
    ) -> PyResult<SyncReport> {
        if pull && push {
            return Err(crate::errors::InvalidInput::new_err(
                "pull and push together: leave both out to sync both ways",
            ));
        }
        let silo = &self.silo()?;
        let ctx = silo.context().clone();
        let direction = match (pull, push) {
            (true, _) => ticket_core::Direction::Pull,
            (_, true) => ticket_core::Direction::Push,
            _ => ticket_core::Direction::Both,
        };
        let server = http_peer(&peer, token)?;
        let report = py
            .detach(|| match server {
                Some(server) => silo.sync(&server, direction, dry_run),
                None => {
                    let other = ticket_core::Silo::open(&peer, ctx)?;
                    silo.sync(&other, direction, dry_run)
                }
            })
            .py_err()?;
        Ok(SyncReport::from(report))
    }

    /// Writes a bundle file of the change sets the silo directory `since` lacks (everything
    /// when None; `since` a bundle file made earlier: what is not in it); returns (change
    /// sets, records).
    #[pyo3(signature = (path, *, since=None))]
    fn bundle_create(
        &self,
        py: Python<'_>,
        path: PathBuf,
        since: Option<PathBuf>,
    ) -> PyResult<(u64, u64)> {
        let silo = &self.silo()?;
        let ctx = silo.context().clone();
        py.detach(|| {
            use ticket_core::Peer;
            let summary = match since {
                Some(file) if file.is_file() => Some(ticket_core::Bundle::summary_of_file(&file)?),
                Some(dir) => Some(ticket_core::Silo::open(&dir, ctx)?.summary()?),
                None => None,
            };
            silo.bundle_create_file(&path, summary.as_ref())
        })
        .py_err()
    }

    /// Adds the change sets of a bundle file this silo lacks.
    fn bundle_apply(&self, py: Python<'_>, path: PathBuf) -> PyResult<SyncReport> {
        let silo = &self.silo()?;
        let report = py
            .detach(|| {
                let text = std::fs::read_to_string(&path).map_err(|e| ticket_core::Error::Io {
                    path: path.clone(),
                    source: e,
                })?;
                silo.bundle_apply(&text)
            })
            .py_err()?;
        Ok(SyncReport::from(report))
    }

    /// Undoes a change set (default: this copy's latest) by appending its inverse.
    #[pyo3(signature = (set_id=None))]
    fn undo(&self, py: Python<'_>, set_id: Option<&str>) -> PyResult<UndoReport> {
        let silo = &self.silo()?;
        let report = py.detach(|| silo.undo(set_id)).py_err()?;
        Ok(UndoReport::from(report))
    }

    /// The timeline: change sets newest first, as dicts with `id`, `at`, `author`, `undone`
    /// and `changes` (a list of (number, what) pairs).
    #[pyo3(signature = (search="", *, since=None, author=None, limit=Int(50)), text_signature = "(self, /, search='', *, since=None, author=None, limit=50)")]
    fn log<'py>(
        &self,
        py: Python<'py>,
        search: &str,
        since: Option<&Bound<'py, PyAny>>,
        author: Option<&str>,
        limit: Int,
    ) -> PyResult<Vec<Bound<'py, PyDict>>> {
        let limit: usize = crate::convert::count("limit", limit)?;
        let since = since
            .map(|s| fixed_time(s).map(|t| t.to_utc()))
            .transpose()?;
        let silo = &self.silo()?;
        let sets = py
            .detach(|| silo.timeline(Some(search), since, author, limit))
            .py_err_in(search)?;
        let mut out = Vec::with_capacity(sets.len());
        for s in sets {
            let d = PyDict::new(py);
            d.set_item("id", s.id)?;
            d.set_item("at", s.at)?;
            d.set_item("author", s.author)?;
            d.set_item("undone", s.undone)?;
            let changes: Vec<(String, String)> =
                s.changes.into_iter().map(|c| (c.number, c.what)).collect();
            d.set_item("changes", changes)?;
            out.push(d);
        }
        Ok(out)
    }

    /// Replays the change log into the derived tables; returns the number of records replayed.
    fn rebuild(&self, py: Python<'_>) -> PyResult<u64> {
        let silo = &self.silo()?;
        let stats = py.detach(|| silo.rebuild()).py_err()?;
        Ok(stats.changes)
    }

    /// The tickets matching `search`, sorted by `sort`, as text in `format` ("json", "csv" or
    /// "full"). The GIL is released while the core writes.
    #[pyo3(signature = (format, search="", sort=""))]
    fn export(&self, py: Python<'_>, format: &str, search: &str, sort: &str) -> PyResult<String> {
        let format: ticket_core::ExportFormat = format.parse().py_err()?;
        let silo = &self.silo()?;
        py.detach(|| silo.export_string(format, search, sort))
            .py_err_in(search)
    }

    /// Imports a full JSON export file (a path, like the other imports); all or nothing.
    /// Returns the numbers of the tickets created (tickets already in the silo are left alone).
    fn import_json(&self, py: Python<'_>, path: PathBuf) -> PyResult<Vec<String>> {
        let silo = &self.silo()?;
        let report = py.detach(|| silo.import_json_file(&path)).py_err()?;
        Ok(report.created)
    }

    /// Imports a full JSON export given as text; all or nothing.
    fn import_json_text(&self, py: Python<'_>, text: &str) -> PyResult<Vec<String>> {
        let silo = &self.silo()?;
        let report = py.detach(|| silo.import_json(text)).py_err()?;
        Ok(report.created)
    }

    /// Imports every ticket of a tkts database; all or nothing, idempotent. Returns the numbers
    /// of the tickets created.
    fn import_tkts(&self, py: Python<'_>, path: PathBuf) -> PyResult<Vec<String>> {
        let silo = &self.silo()?;
        Ok(py.detach(|| silo.import_tkts(&path)).py_err()?.created)
    }

    /// Imports every ticket of a Fossil repository; all or nothing, idempotent. Returns the
    /// numbers of the tickets created.
    fn import_fossil(&self, py: Python<'_>, path: PathBuf) -> PyResult<Vec<String>> {
        let silo = &self.silo()?;
        Ok(py.detach(|| silo.import_fossil(&path)).py_err()?.created)
    }

    /// Minutes (and cost, with a configured rate) of the selected tickets' entries grouped by
    /// property `by`, for entries dated `date_from..=date_to` (date expressions).
    #[pyo3(signature = (by, search="", *, date_from=None, date_to=None))]
    fn time_report<'py>(
        &self,
        py: Python<'py>,
        by: &str,
        search: &str,
        date_from: Option<&str>,
        date_to: Option<&str>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let silo = &self.silo()?;
        let r = py
            .detach(|| silo.time_report_between(search, by, date_from, date_to))
            .py_err_in(search)?;
        // money as decimal.Decimal with two places, from the core's one serialized shape
        let doc = ticket_core::TimeReportDoc::from(&r);
        let decimal = py.import("decimal")?.getattr("Decimal")?;
        let money = |m: Option<ticket_core::Money>| -> PyResult<Option<Bound<'py, PyAny>>> {
            m.map(|m| decimal.call1((m.decimal(),))).transpose()
        };
        let d = PyDict::new(py);
        d.set_item("key", doc.key)?;
        let rows = pyo3::types::PyList::empty(py);
        for x in &doc.rows {
            rows.append((x.group, x.minutes, money(x.cost)?))?;
        }
        d.set_item("rows", rows)?;
        d.set_item("total_minutes", doc.total_minutes)?;
        d.set_item("total_cost", money(doc.total_cost)?)?;
        d.set_item("currency", r.currency)?;
        Ok(d)
    }

    /// Tags of the selected tickets with how many tickets carry each.
    #[pyo3(signature = (search=""))]
    fn list_tags(&self, py: Python<'_>, search: &str) -> PyResult<Vec<(String, u64)>> {
        let silo = &self.silo()?;
        py.detach(|| silo.list_tags(search)).py_err_in(search)
    }

    /// Property keys of the selected tickets with how many tickets have each.
    #[pyo3(signature = (search=""))]
    fn list_property_keys(&self, py: Python<'_>, search: &str) -> PyResult<Vec<(String, u64)>> {
        let silo = &self.silo()?;
        py.detach(|| silo.list_property_keys(search))
            .py_err_in(search)
    }

    /// Values of property `key` on the selected tickets, with counts.
    #[pyo3(signature = (key, search=""))]
    fn list_property_values(
        &self,
        py: Python<'_>,
        key: &str,
        search: &str,
    ) -> PyResult<Vec<(String, u64)>> {
        let silo = &self.silo()?;
        py.detach(|| silo.list_property_values(search, key))
            .py_err_in(search)
    }

    /// Existing tickets that violate the current validation rules, as messages.
    fn check(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        let silo = &self.silo()?;
        let v = py.detach(|| silo.check()).py_err()?;
        Ok(v.iter().map(|v| v.to_string()).collect())
    }

    fn __repr__(&self) -> String {
        match self.silo() {
            Ok(silo) => format!("<Silo {}>", silo.dir().display()),
            Err(_) => "<Silo (closed)>".to_string(),
        }
    }

    /// Closes the silo: its database connections are released (once the objects made from it,
    /// such as an `Edit` or search results, are gone too); any later call raises `SiloError`.
    /// Closing twice is harmless.
    fn close(&self) {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
    }

    /// `with Silo.open(path) as silo:` closes the silo when the block ends.
    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    /// Closes the silo; exceptions propagate.
    #[pyo3(signature = (_exc_type=None, _exc=None, _tb=None))]
    fn __exit__(
        &self,
        _exc_type: Option<&Bound<'_, PyAny>>,
        _exc: Option<&Bound<'_, PyAny>>,
        _tb: Option<&Bound<'_, PyAny>>,
    ) -> bool {
        self.close();
        false
    }
}

/// The `ticket serve` an `http(s)://` peer names, with its token (`token`, else
/// `$TICKET_TOKEN`); `None` for a directory or a team silo.
fn http_peer(
    peer: &std::path::Path,
    token: Option<String>,
) -> PyResult<Option<ticket_core::HttpPeer>> {
    let Some(url) = peer.to_str().filter(|p| ticket_core::is_http(p)) else {
        return Ok(None);
    };
    let token = match token {
        Some(t) => Some(t.trim().to_string()).filter(|t| !t.is_empty()),
        None => ticket_core::token_from_env(),
    }
    .ok_or_else(|| {
        crate::errors::InvalidInput::new_err(
            "an http(s):// peer needs the server's token: pass token=... (the token `ticket \
                 serve` prints or keeps in its --token-file) or set TICKET_TOKEN",
        )
    })?;
    ticket_core::HttpPeer::new(url, token).map(Some).py_err()
}
