//! Export and import (domain spec 9) and time reports (6.9).
//!
//! * CSV and JSON of a search's tickets: the fields of [`TicketRow`](crate::TicketRow), no
//!   entries; streamed page by page.
//! * Full JSON: every ticket with entries, attachments' metadata and its whole history (the
//!   change records). Importing it replays those records, so importing an export into an empty
//!   silo and exporting again gives the same document. Attachment contents are not included.
//! * tkts and Fossil imports read the source database read-only; each imported ticket is one
//!   change set stamped with the source's own times and authors.
//!
//! Every import is one transaction (all or nothing) and idempotent: tickets already imported
//! (same uuid for full JSON, same `Tkts_Id` / `Fossil_Uuid` property otherwise) are reported
//! as already there and not created again.
mod export;
mod fossil;
pub(crate) mod full;
mod time;
mod tkts;

pub use export::ExportFormat;
pub use time::{TimeReport, TimeRow};

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportReport {
    /// Numbers of the tickets created, as they are after the import (a create whose number
    /// another ticket holds gets the next free one: sync.md 2).
    pub created: Vec<String>,
    /// Source identities (uuid or source id) that were already in the silo.
    pub already_there: Vec<String>,
    /// Relations repaired where the imported records met this silo's (sync.md 2), in words.
    pub repairs: Vec<String>,
}

impl std::fmt::Display for ImportReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "imported {} ticket(s); {} already there",
            self.created.len(),
            self.already_there.len()
        )
    }
}

/// A source's author as given, trimmed, or `default` where it gives none.
pub(crate) fn author_or<'a>(given: &'a str, default: &'a str) -> &'a str {
    match given.trim() {
        "" => default,
        name => name,
    }
}

pub(crate) fn source_error(what: &str, detail: impl std::fmt::Display) -> crate::Error {
    crate::Error::Import {
        message: format!("{what}: {detail}"),
    }
}

/// The values (in lower case) of property `key_lc` on any ticket: the source ids an import
/// brought before, so that a second run creates nothing twice. One query for the whole import
/// (a query per imported ticket read every value of the key each time).
pub(crate) fn imported_values(
    conn: &crate::storage::db::Db,
    key_lc: &str,
) -> crate::Result<std::collections::HashSet<String>> {
    let values: Vec<String> = conn.rows(
        "SELECT value_lc FROM properties WHERE key_lc = ?1",
        crate::storage::db::args![key_lc],
        |r| r.get(0),
    )?;
    Ok(values.into_iter().collect())
}
