//! `export`, `import` and `time` (issue 7): one core call each.

use std::io::Write;
use std::path::Path;

use ticket_core::{Money, TimeReportDoc};

use crate::cli::{ExportFormat, Format, ImportKind};
use crate::error::{CliError, CliResult};
use crate::output::color::Style;
use crate::output::json;
use crate::output::table::{Cell, Table};
use crate::session::Session;

/// `export csv|json|full [SEARCH [SORT]] [-o FILE]`.
pub fn export(
    s: &Session,
    out: &mut dyn Write,
    format: ExportFormat,
    search: Option<&str>,
    sort: Option<&str>,
    file: Option<&Path>,
) -> CliResult {
    let silo = s.open()?;
    let (key, sort) = (search.unwrap_or(""), sort.unwrap_or(""));
    let searching = |e| CliError::from_core(e, Some((key, sort)));
    // The core writes the header before it runs the search: a key that does not compile is
    // refused first, so nothing reaches the output (or the file) before the error.
    silo.explain(key, sort).map_err(searching)?;
    let format = match format {
        ExportFormat::Csv => ticket_core::ExportFormat::Csv,
        ExportFormat::Json => ticket_core::ExportFormat::Json,
        ExportFormat::Full => ticket_core::ExportFormat::Full,
    };
    let spinner = crate::output::spinner("exporting");
    let count = match file {
        Some(path) => {
            // a regular file is written next to the target and renamed, so a failed export
            // leaves no half file; a device, a FIFO or a socket is written through, as a
            // temporary file renamed over it would replace it (`-o /dev/null` run as root
            // replaced the device with a file). Errors name the file the user gave.
            let cannot = |what: &str, e: std::io::Error| {
                CliError::Failed(format!("cannot {what} {}: {e}", path.display()))
            };
            let through = std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir());
            let tmp = (!through).then(|| path.with_extension("ticket-export-tmp"));
            let opened = match &tmp {
                Some(tmp) => std::fs::File::create(tmp).map_err(|e| cannot("create", e))?,
                None => std::fs::OpenOptions::new()
                    .write(true)
                    .open(path)
                    .map_err(|e| cannot("open", e))?,
            };
            let mut f = std::io::BufWriter::new(opened);
            let n = silo.export(format, key, sort, &mut f).map_err(|e| match e {
                ticket_core::Error::Io { source, .. } => cannot("write", source),
                e => searching(e),
            });
            let n = n.and_then(|n| f.flush().map(|_| n).map_err(|e| cannot("write", e)));
            drop(f);
            match tmp {
                None => n?,
                Some(tmp) => match n.and_then(|n| {
                    std::fs::rename(&tmp, path)
                        .map(|_| n)
                        .map_err(|e| cannot("write", e))
                }) {
                    Ok(n) => n,
                    Err(e) => {
                        let _ = std::fs::remove_file(&tmp);
                        return Err(e);
                    }
                },
            }
        }
        None => silo.export(format, key, sort, out).map_err(searching)?,
    };
    crate::output::done(spinner);
    if let Some(path) = file {
        if !s.out.quiet {
            writeln!(out, "exported {count} ticket(s) to {}", path.display())?;
        }
    }
    Ok(())
}

/// `--with-files` needs the full format and a file to put the contents next to.
pub fn check_with_files(format: ExportFormat, file: Option<&Path>) -> CliResult {
    match (format, file) {
        (ExportFormat::Full, Some(_)) => Ok(()),
        _ => Err(CliError::Usage(
            "--with-files goes with `export full -o FILE` (the contents go to FILE.files/)".into(),
        )),
    }
}

/// The attachments' contents of an `export full --with-files -o FILE`, into `FILE.files/`.
pub fn export_files(
    s: &Session,
    out: &mut dyn Write,
    search: Option<&str>,
    file: &Path,
) -> CliResult {
    let silo = s.open()?;
    let dir = ticket_core::Silo::files_dir_of(file);
    let n = silo.export_files(search.unwrap_or(""), &dir)?;
    if !s.out.quiet {
        writeln!(out, "copied {n} attachment file(s) to {}", dir.display())?;
    }
    Ok(())
}

/// `import json FILE`, `import tkts DB`, `import fossil REPO`.
pub fn import(s: &Session, out: &mut dyn Write, kind: ImportKind, file: &Path) -> CliResult {
    let silo = s.open()?;
    let spinner = crate::output::spinner("importing");
    // the contents of `export full --with-files` go back first: they are checked against
    // their names before anything is copied, and are only files of the store
    let files = ticket_core::Silo::files_dir_of(file);
    if matches!(kind, ImportKind::Json) && files.is_dir() {
        silo.import_files(&files)?;
    }
    let report = match kind {
        ImportKind::Json => silo.import_json_file(file),
        ImportKind::Tkts => silo.import_tkts(file),
        ImportKind::Fossil => silo.import_fossil(file),
    };
    crate::output::done(spinner);
    let report = report?;
    match s.out.format {
        Format::Json | Format::Csv => {
            json::write(out, &serde_json::to_value(&report).unwrap_or_default())?
        }
        Format::Text if s.out.quiet => {
            for n in &report.created {
                writeln!(out, "{n}")?;
            }
        }
        Format::Text => {
            writeln!(out, "{report}")?;
            // a second run of a big import finds every ticket there: a few, then a count
            for id in report.already_there.iter().take(SHOWN_ALREADY_THERE) {
                writeln!(out, "  already there: {id}")?;
            }
            if let Some(more) = report.already_there.len().checked_sub(SHOWN_ALREADY_THERE) {
                if more > 0 {
                    writeln!(
                        out,
                        "  … and {more} more already there (--format json lists them all)"
                    )?;
                }
            }
        }
    }
    Ok(())
}

/// How many of the tickets an import found already there its text report names.
const SHOWN_ALREADY_THERE: usize = 10;

/// `time [SEARCH] --by KEY [--from DATE] [--to DATE]`: the core's report and its one
/// serialized shape (money as two-place decimals, `EUR 9,001.25` in text).
pub fn time(
    s: &Session,
    out: &mut dyn Write,
    search: Option<&str>,
    by: &str,
    from: Option<&str>,
    to: Option<&str>,
) -> CliResult {
    let silo = s.open()?;
    let key = search.unwrap_or("");
    let report = silo
        .time_report_between(key, by, from, to)
        .map_err(|e| match e {
            // the report writes nothing: a refused value is one of the arguments
            e @ ticket_core::Error::Invalid { .. } => CliError::Usage(e.to_string()),
            e => CliError::from_core(e, Some((key, ""))),
        })?;
    let doc = TimeReportDoc::from(&report);
    match s.out.format {
        Format::Json => crate::output::json::write(
            out,
            &serde_json::to_value(&doc).map_err(|e| CliError::Failed(e.to_string()))?,
        )?,
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            let fail = |e: csv::Error| CliError::Failed(e.to_string());
            w.write_record(doc.csv_header()).map_err(fail)?;
            for record in doc.csv_records() {
                w.write_record(record).map_err(fail)?;
            }
            w.flush()?;
        }
        Format::Text if s.out.quiet => writeln!(out, "{}", report.total_minutes)?,
        Format::Text => {
            let currency = doc.currency.unwrap_or("");
            let money = |m: Option<Money>| m.map(|m| m.display(currency));
            let mut table = Table::new().right(1).right(2);
            let head = |t: &str| Cell::styled(t, Style::Bold);
            let mut header = vec![head(doc.key), head("time")];
            if doc.total_cost.is_some() {
                header.push(head("cost"));
            }
            table.push(header);
            let rows = doc
                .rows
                .iter()
                .map(|r| (r.group, r.minutes, r.cost))
                .chain([("total", doc.total_minutes, doc.total_cost)]);
            for (group, minutes, cost) in rows {
                let mut row = vec![
                    Cell::plain(group),
                    Cell::plain(crate::output::minutes(minutes)),
                ];
                row.extend(money(cost).map(Cell::plain));
                table.push(row);
            }
            table.write(out, s.out.paint, s.out.width)?;
        }
    }
    Ok(())
}
