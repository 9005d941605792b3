//! CSV output, with a header line.

use std::io::Write;

use ticket_core::serial::{timestamp, CSV_HEADER};

use crate::error::{CliError, CliResult};

use super::tickets::RowView;

fn failed(err: csv::Error) -> CliError {
    CliError::Failed(format!("cannot write CSV: {err}"))
}

/// Writes ticket rows in the core's CSV shape ([`ticket_core::serial`]).
pub fn tickets<'a>(out: &mut dyn Write, rows: impl IntoIterator<Item = RowView<'a>>) -> CliResult {
    let mut csv = TicketCsv::new();
    csv.header(out)?;
    for r in rows {
        csv.row(out, &r)?;
    }
    out.flush()?;
    Ok(())
}

/// A ticket listing in CSV written row by row: each record is formatted into a small reused
/// buffer and handed to the output at once, so rows can come from a running search.
#[derive(Default)]
pub struct TicketCsv {
    buf: Vec<u8>,
}

impl TicketCsv {
    /// A writer that has written nothing yet.
    pub fn new() -> TicketCsv {
        TicketCsv { buf: Vec::new() }
    }

    /// Writes the header.
    pub fn header(&mut self, out: &mut dyn Write) -> CliResult {
        self.record(out, &CSV_HEADER)
    }

    /// Formats one record and writes it out.
    fn record(&mut self, out: &mut dyn Write, fields: &[&str]) -> CliResult {
        let mut w = csv::WriterBuilder::new()
            .buffer_capacity(1024)
            .from_writer(std::mem::take(&mut self.buf));
        w.write_record(fields).map_err(failed)?;
        self.buf = w
            .into_inner()
            .map_err(|e| CliError::Failed(format!("cannot write CSV: {}", e.error())))?;
        out.write_all(&self.buf)?;
        self.buf.clear();
        Ok(())
    }

    /// Writes one row.
    pub fn row(&mut self, out: &mut dyn Write, r: &RowView<'_>) -> CliResult {
        let record = super::json::doc(r).csv_record();
        let fields: Vec<&str> = record.iter().map(String::as_str).collect();
        self.record(out, &fields)
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

/// Writes a history: `at,author,what,set_id`.
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
    }
    w.flush()?;
    Ok(())
}
