//! CSV, JSON and full JSON export.
use crate::storage::db::args;
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
        let id: i64 = conn.value("SELECT id FROM tickets WHERE number = ?1", args![number])?;
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

fn is_sha256(name: &str) -> bool {
    name.len() == 64
        && name
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl Silo {
    /// The directory that holds the attachment contents of the full export `file`:
    /// `FILE.files` next to it (one file per content, named by its SHA-256).
    pub fn files_dir_of(file: &std::path::Path) -> std::path::PathBuf {
        let mut name = file.as_os_str().to_owned();
        name.push(".files");
        std::path::PathBuf::from(name)
    }

    /// Copies the content of every attachment (shown or hidden) of the tickets `key` selects
    /// into `dir` (created if needed), one file per content named by its SHA-256, so that a full
    /// export with its files is a backup; returns how many contents were copied.
    pub fn export_files(&self, key: &str, dir: &std::path::Path) -> Result<u64> {
        let numbers = self.numbers(key, "")?;
        let mut sums = std::collections::BTreeSet::new();
        {
            let conn = self.reader()?;
            for number in &numbers {
                conn.each(
                    "SELECT DISTINCT a.sha256 FROM attachments a JOIN tickets t ON t.id = a.ticket_id WHERE t.number = ?1",
                    args![number.as_str()],
                    |r| {
                        sums.insert(r.get::<String>(0)?);
                        Ok(())
                    },
                )?;
            }
        }
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        for sum in &sums {
            let to = dir.join(sum);
            if self.is_team() {
                let bytes = self.content(sum)?.ok_or_else(|| {
                    Error::invalid(
                        "attachment",
                        sum,
                        "its content is missing from the team silo",
                    )
                })?;
                std::fs::write(&to, bytes).map_err(|e| Error::io(&to, e))?;
            } else {
                let from = self.attachment_path(sum);
                std::fs::copy(&from, &to).map_err(|e| Error::io(&from, e))?;
            }
        }
        Ok(sums.len() as u64)
    }

    /// Puts back the attachment contents `dir` holds (as [`Silo::export_files`] wrote them):
    /// each file named by a SHA-256 that its content matches is copied into the silo's store
    /// when missing there; any other file is refused before anything is copied. Returns how
    /// many contents were added.
    pub fn import_files(&self, dir: &std::path::Path) -> Result<u64> {
        let mut found = Vec::new();
        for item in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
            let path = item.map_err(|e| Error::io(dir, e))?.path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_string();
            let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
            let sum = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes));
            if !is_sha256(&name) || sum != name {
                return Err(Error::invalid(
                    "attachment file",
                    &path.display().to_string(),
                    "not a content of an export: its name must be the SHA-256 of its content",
                ));
            }
            found.push((sum, bytes));
        }
        let mut added = 0;
        for (sum, bytes) in found {
            if self.store_content(&sum, &bytes)? {
                added += 1;
            }
        }
        Ok(added)
    }
}
