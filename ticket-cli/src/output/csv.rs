//! CSV output, with a header line.

use std::io::Write;

use ticket_core::serial::{timestamp, CSV_HEADER};

use crate::error::{CliError, CliResult};

use super::tickets::RowView;

fn failed(err: csv::Error) -> CliError {
    if !err.is_io_error() {
        return CliError::Failed(format!("cannot write CSV: {err}"));
    }
    // the output's own failure (a closed pipe) is reported as any write failure is
    match err.into_kind() {
        csv::ErrorKind::Io(e) => CliError::from(e),
        kind => CliError::Failed(format!("cannot write CSV: {kind:?}")),
    }
}

/// Writes ticket rows in the core's CSV shape ([`ticket_core::serial`]).
pub fn tickets<'a>(out: &mut dyn Write, rows: impl IntoIterator<Item = RowView<'a>>) -> CliResult {
    let mut csv = TicketCsv::new(out);
    csv.header()?;
    for r in rows {
        csv.row(&r)?;
    }
    csv.flush()
}

/// A ticket listing in CSV written row by row through one buffered CSV writer, so rows can
/// come from a running search.
pub struct TicketCsv<W: Write> {
    w: csv::Writer<W>,
}

impl<W: Write> TicketCsv<W> {
    /// A writer that has written nothing yet.
    pub fn new(out: W) -> TicketCsv<W> {
        TicketCsv {
            w: csv::WriterBuilder::new().from_writer(out),
        }
    }

    /// Writes the header.
    pub fn header(&mut self) -> CliResult {
        self.w.write_record(CSV_HEADER).map_err(failed)
    }

    /// Writes one row.
    pub fn row(&mut self, r: &RowView<'_>) -> CliResult {
        self.w
            .write_record(super::json::doc(r).csv_record())
            .map_err(failed)
    }

    /// Hands everything written to the output.
    pub fn flush(&mut self) -> CliResult {
        self.w.flush()?;
        Ok(())
    }
}

/// Writes `(name, count)` pairs under the header `<label>,count`.
pub fn counts(out: &mut dyn Write, label: &str, items: &[(String, u64)]) -> CliResult {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([label, "count"]).map_err(failed)?;
    for (name, n) in items {
        w.write_record([name.as_str(), &n.to_string()])
            .map_err(failed)?;
    }
    w.flush()?;
    Ok(())
}

/// Writes a history: `at,author,what,set_id`; a repair (sync.md 2) is a row of its own after
/// its record's, `what` starting `repaired: `.
pub fn history(out: &mut dyn Write, changes: &[ticket_core::Change]) -> CliResult {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(["at", "author", "what", "set_id"])
        .map_err(failed)?;
    for c in changes {
        w.write_record([
            timestamp(c.at).as_str(),
            &c.author,
            &c.describe(),
            &c.set_id,
        ])
        .map_err(failed)?;
        if let Some(repair) = &c.repair {
            w.write_record([
                timestamp(c.at).as_str(),
                &c.author,
                &format!("repaired: {repair}"),
                &c.set_id,
            ])
            .map_err(failed)?;
        }
    }
    w.flush()?;
    Ok(())
}
