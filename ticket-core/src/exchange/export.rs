//! CSV, JSON and full JSON export.
use std::io::Write;
use std::str::FromStr;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::log::wire::WireRecord;
use crate::serial::{TicketDoc, CSV_HEADER};
use crate::silo::Silo;

/// The export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// One CSV row per ticket, with a header.
    Csv,
    /// A JSON array of ticket objects (no entries).
    Json,
    /// Full JSON: tickets with entries, attachments and history.
    Full,
}

impl FromStr for ExportFormat {
    type Err = Error;
    fn from_str(s: &str) -> Result<ExportFormat> {
        match s.to_lowercase().as_str() {
            "csv" => Ok(ExportFormat::Csv),
            "json" => Ok(ExportFormat::Json),
            "full" => Ok(ExportFormat::Full),
            _ => Err(Error::invalid(
                "export format",
                s,
                "expected csv, json or full",
            )),
        }
    }
}

fn io(e: std::io::Error) -> Error {
    Error::io("(output)", e)
}

impl Silo {
    /// Writes the tickets `key` selects, in `sort` order, to `out`; returns how many.
    pub fn export(
        &self,
        format: ExportFormat,
        key: &str,
        sort: &str,
        out: &mut dyn Write,
    ) -> Result<u64> {
        // one read transaction: the export is one state of the silo, whatever writers do
        let _snapshot = self.reader()?;
        let mut n = 0u64;
        match format {
            ExportFormat::Csv => {
                let mut w = csv::Writer::from_writer(out);
                let failed = |e: csv::Error| match e.into_kind() {
                    csv::ErrorKind::Io(e) => io(e),
                    e => Error::invalid("csv", "", format!("{e:?}")),
                };
                w.write_record(CSV_HEADER).map_err(failed)?;
                self.for_each_ticket(key, sort, |t| {
                    n += 1;
                    w.write_record(TicketDoc::from(&t).csv_record())
                        .map_err(failed)
                })?;
                w.flush().map_err(io)?;
            }
            ExportFormat::Json => {
                out.write_all(b"[").map_err(io)?;
                self.for_each_ticket(key, sort, |t| {
                    out.write_all(if n == 0 { b"\n  " } else { b",\n  " })
                        .map_err(io)?;
                    n += 1;
                    serde_json::to_writer(&mut *out, &TicketDoc::from(&t))
                        .map_err(|e| Error::io("(output)", e.into()))
                })?;
                out.write_all(if n == 0 { b"]\n" } else { b"\n]\n" })
                    .map_err(io)?;
            }
            ExportFormat::Full => {
                let numbers = self.numbers(key, sort)?;
                out.write_all(b"{\"format\": \"ticket-full\", \"version\": 2, \"tickets\": [")
                    .map_err(io)?;
                for number in numbers {
                    out.write_all(if n == 0 { b"\n  " } else { b",\n  " })
                        .map_err(io)?;
                    n += 1;
                    let doc = self.full_ticket(number.as_str())?;
                    serde_json::to_writer(&mut *out, &doc)
                        .map_err(|e| Error::io("(output)", e.into()))?;
                }
                out.write_all(if n == 0 { b"]}\n" } else { b"\n]}\n" })
                    .map_err(io)?;
            }
        }
        Ok(n)
    }

    /// The export as a string.
    pub fn export_string(&self, format: ExportFormat, key: &str, sort: &str) -> Result<String> {
        let mut buf = Vec::new();
        self.export(format, key, sort, &mut buf)?;
        String::from_utf8(buf).map_err(|e| Error::invalid("export", "", e.to_string()))
    }

    fn full_ticket(&self, number: &str) -> Result<Value> {
        let t = self.get(number)?;
        let conn = self.reader()?;
        let id: i64 =
            conn.query_row("SELECT id FROM tickets WHERE number = ?1", [number], |r| {
                r.get(0)
            })?;
        let mut resolve = super::full::LogResolve { conn: &conn };
        let history = crate::read::ticket_records(&conn, id)?
            .into_iter()
            .map(|(s, op)| {
                let cid = crate::log::ChangeId {
                    set: s.set.clone(),
                    index: s.index,
                };
                WireRecord::encode(&cid, &s.at, &s.author, &op, &mut resolve)
            })
            .collect::<Result<Vec<_>>>()?;
        let mut doc = serde_json::to_value(TicketDoc::from(&t))
            .map_err(|e| Error::io("(output)", e.into()))?;
        doc["history"] =
            serde_json::to_value(history).map_err(|e| Error::io("(output)", e.into()))?;
        Ok(doc)
    }
}
