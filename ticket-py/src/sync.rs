//! `SyncReport` and `UndoReport`: what `Silo.sync`, `Silo.clone`, bundles and `Silo.undo` did.
use pyo3::prelude::*;

/// What a sync, a pull, a push or a bundle moved (or, with `dry_run`, would move).
#[pyclass(module = "ticket", frozen)]
pub struct SyncReport {
    /// Change sets from the peer to this silo.
    #[pyo3(get)]
    pulled_change_sets: u64,
    /// Records from the peer to this silo.
    #[pyo3(get)]
    pulled_records: u64,
    /// Attachment contents from the peer.
    #[pyo3(get)]
    pulled_attachments: u64,
    /// Tickets new to this silo (their numbers here).
    #[pyo3(get)]
    new_tickets: Vec<String>,
    /// Change sets from this silo to the peer.
    #[pyo3(get)]
    pushed_change_sets: u64,
    /// Records from this silo to the peer.
    #[pyo3(get)]
    pushed_records: u64,
    /// Attachment contents to the peer.
    #[pyo3(get)]
    pushed_attachments: u64,
    /// Renumbered tickets: (uuid, replica, number created with, number now).
    #[pyo3(get)]
    renumbered: Vec<(String, String, String, String)>,
    /// Relations repaired where the two copies' changes met, in words (both directions).
    #[pyo3(get)]
    repairs: Vec<String>,
    /// Single-valued fields both copies changed apart: (ticket, field, this copy's value,
    /// the peer's value, the value that stands).
    #[pyo3(get)]
    conflicts: Vec<(String, String, String, String, String)>,
    /// Validation rules the merged state of the pulled tickets breaks (listed, not refused).
    #[pyo3(get)]
    violations: Vec<String>,
    /// Nothing was changed.
    #[pyo3(get)]
    dry_run: bool,
    text: String,
}

impl From<ticket_core::SyncReport> for SyncReport {
    fn from(r: ticket_core::SyncReport) -> SyncReport {
        SyncReport {
            text: r.to_string(),
            pulled_change_sets: r.pulled.change_sets,
            pulled_records: r.pulled.records,
            pulled_attachments: r.pulled.attachments,
            new_tickets: r.pulled.new_tickets,
            pushed_change_sets: r.pushed.change_sets,
            pushed_records: r.pushed.records,
            pushed_attachments: r.pushed.attachments,
            renumbered: r
                .renumbered
                .into_iter()
                .map(|n| (n.uuid, n.replica, n.from, n.to))
                .collect(),
            repairs: r
                .pulled
                .repairs
                .iter()
                .chain(&r.pushed.repairs)
                .cloned()
                .collect(),
            conflicts: r
                .conflicts
                .into_iter()
                .map(|c| (c.ticket, c.field, c.mine, c.theirs, c.kept))
                .collect(),
            violations: r.violations,
            dry_run: r.dry_run,
        }
    }
}

#[pymethods]
impl SyncReport {
    fn __str__(&self) -> String {
        self.text.clone()
    }
    fn __repr__(&self) -> String {
        format!(
            "<SyncReport pulled {} record(s), pushed {} record(s), {} renumbered, {} conflict(s)>",
            self.pulled_records,
            self.pushed_records,
            self.renumbered.len(),
            self.conflicts.len()
        )
    }
}

/// What an undo did.
#[pyclass(module = "ticket", frozen)]
pub struct UndoReport {
    /// The change set undone.
    #[pyo3(get)]
    undone: String,
    /// Records written to undo it.
    #[pyo3(get)]
    records: usize,
    /// The tickets it touched.
    #[pyo3(get)]
    tickets: Vec<String>,
}

impl From<ticket_core::UndoReport> for UndoReport {
    fn from(r: ticket_core::UndoReport) -> UndoReport {
        UndoReport {
            undone: r.undone,
            records: r.records,
            tickets: r.tickets,
        }
    }
}

#[pymethods]
impl UndoReport {
    fn __repr__(&self) -> String {
        format!("<UndoReport {} ({} record(s))>", self.undone, self.records)
    }
}
