//! `export`, `import` and `time` (issue 7): one core call each.

use std::io::Write;
use std::path::Path;

use chrono::NaiveDate;

use crate::cli::{ExportFormat, Format, ImportKind};
use crate::error::{CliError, CliResult};
use crate::output::table::{pad, width as display_width};
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
            // write next to the target and rename, so a failed export leaves no half file;
            // errors name the file the user gave, not the temporary one
            let cannot = |what: &str, e: std::io::Error| {
                CliError::Failed(format!("cannot {what} {}: {e}", path.display()))
            };
            let tmp = path.with_extension("ticket-export-tmp");
            let mut f = std::io::BufWriter::new(
                std::fs::File::create(&tmp).map_err(|e| cannot("create", e))?,
            );
            let n = silo.export(format, key, sort, &mut f).map_err(|e| match e {
                ticket_core::Error::Io { source, .. } => cannot("write", source),
                e => searching(e),
            });
            let n = n.and_then(|n| f.flush().map(|_| n).map_err(|e| cannot("write", e)));
            drop(f);
            match n.and_then(|n| {
                std::fs::rename(&tmp, path)
                    .map(|_| n)
                    .map_err(|e| cannot("write", e))
            }) {
                Ok(n) => n,
                Err(e) => {
                    let _ = std::fs::remove_file(&tmp);
                    return Err(e);
                }
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

/// `import json FILE`, `import tkts DB`, `import fossil REPO`.
pub fn import(s: &Session, out: &mut dyn Write, kind: ImportKind, file: &Path) -> CliResult {
    let silo = s.open()?;
    let spinner = crate::output::spinner("importing");
    let report = match kind {
        ImportKind::Json => silo.import_json_file(file),
        ImportKind::Tkts => silo.import_tkts(file),
        ImportKind::Fossil => silo.import_fossil(file),
    };
    crate::output::done(spinner);
    let report = report?;
    if s.out.quiet {
        for n in &report.created {
            writeln!(out, "{n}")?;
        }
    } else {
        writeln!(out, "{report}")?;
        for id in &report.already_there {
            writeln!(out, "  already there: {id}")?;
        }
    }
    Ok(())
}

fn parse_day(flag: &str, text: Option<&str>, today: NaiveDate) -> CliResult<Option<NaiveDate>> {
    let Some(text) = text else { return Ok(None) };
    let expr = ticket_query::parse_date_expr(text)
        .map_err(|e| CliError::Usage(format!("{flag} {text}: {e}")))?;
    let day = expr
        .resolve(today)
        .ok_or_else(|| CliError::Usage(format!("{flag} {text}: date out of range")))?;
    Ok(Some(day.date()))
}

/// `time [SEARCH] --by KEY [--from DATE] [--to DATE]`.
pub fn time(
    s: &Session,
    out: &mut dyn Write,
    search: Option<&str>,
    by: &str,
    from: Option<&str>,
    to: Option<&str>,
) -> CliResult {
    let silo = s.open()?;
    let today = s.ctx.clock.today();
    let (from, to) = (
        parse_day("--from", from, today)?,
        parse_day("--to", to, today)?,
    );
    let key = search.unwrap_or("");
    let report = silo
        .time_report(key, by, from, to)
        .map_err(|e| CliError::from_core(e, Some((key, ""))))?;
    let money = |c: Option<f64>| c.map(|c| format!("{c:.2}")).unwrap_or_default();
    match s.out.format {
        Format::Json => {
            let rows: Vec<serde_json::Value> = report
                .rows
                .iter()
                .map(
                    |r| serde_json::json!({"group": r.group, "minutes": r.minutes, "cost": r.cost}),
                )
                .collect();
            let doc = serde_json::json!({
                "key": report.key, "rows": rows, "total_minutes": report.total_minutes,
                "total_cost": report.total_cost, "currency": report.currency,
            });
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&doc).map_err(|e| CliError::Failed(e.to_string()))?
            )?;
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            let fail = |e: csv::Error| CliError::Failed(e.to_string());
            w.write_record([report.key.as_str(), "minutes", "cost"])
                .map_err(fail)?;
            for r in &report.rows {
                w.write_record([r.group.clone(), r.minutes.to_string(), money(r.cost)])
                    .map_err(fail)?;
            }
            w.flush()?;
        }
        Format::Text => {
            if s.out.quiet {
                writeln!(out, "{}", report.total_minutes)?;
                return Ok(());
            }
            let currency = report.currency.clone().unwrap_or_default();
            let width = report
                .rows
                .iter()
                .map(|r| display_width(&r.group))
                .chain([display_width(&report.key), 5])
                .max()
                .unwrap_or(5);
            writeln!(
                out,
                "{}  {:>8}  {:>10}",
                pad(&report.key, width),
                "time",
                if report.total_cost.is_some() {
                    "cost"
                } else {
                    ""
                }
            )?;
            for r in &report.rows {
                let cost = r
                    .cost
                    .map(|_| format!("{currency}{}", money(r.cost)))
                    .unwrap_or_default();
                writeln!(
                    out,
                    "{}  {:>8}  {:>10}",
                    pad(&r.group, width),
                    crate::output::minutes(r.minutes),
                    cost
                )?;
            }
            let cost = report
                .total_cost
                .map(|_| format!("{currency}{}", money(report.total_cost)))
                .unwrap_or_default();
            writeln!(
                out,
                "{}  {:>8}  {:>10}",
                pad("total", width),
                crate::output::minutes(report.total_minutes),
                cost
            )?;
        }
    }
    Ok(())
}
