//! `explain`, `check`, `rebuild`, `config`.

use std::io::Write;
use std::path::Path;

use serde_json::json;
use ticket_core::SiloConfig;

use crate::cli::Format;
use crate::error::{CliError, CliResult};
use crate::output::color::Style;
use crate::output::json;
use crate::session::Session;

/// `explain SEARCH [SORT]`: the key in words, the canonical form, the SQL and its parameters.
pub fn explain(s: &Session, out: &mut dyn Write, key: &str, sort: &str) -> CliResult {
    let silo = s.open()?;
    let e = silo
        .explain(key, sort)
        .map_err(|e| CliError::from_core(e, Some((key, sort))))?;
    let p = s.out.paint;
    match s.out.format {
        Format::Json | Format::Csv => json::write(
            out,
            &json!({"words": e.words, "canonical": e.canonical, "sql": e.sql, "params": e.params.iter().map(ToString::to_string).collect::<Vec<_>>()}),
        )?,
        Format::Text => {
            writeln!(out, "{}\n  {}", p.paint("in words", Style::Bold), e.words)?;
            writeln!(
                out,
                "{}\n  {}",
                p.paint("canonical", Style::Bold),
                e.canonical
            )?;
            writeln!(out, "{}", p.paint("SQL", Style::Bold))?;
            for line in e.sql.lines() {
                writeln!(out, "  {line}")?;
            }
            writeln!(out, "{}", p.paint("parameters", Style::Bold))?;
            for (i, param) in e.params.iter().enumerate() {
                writeln!(out, "  ?{} = {param}", i + 1)?;
            }
        }
    }
    Ok(())
}

/// `check`: lists the tickets that violate the current validation rules; exit 1 when there
/// are any (so scripts can test it), 0 when none.
pub fn check(s: &Session, out: &mut dyn Write) -> CliResult {
    let silo = s.open()?;
    let violations = silo.check()?;
    match s.out.format {
        Format::Json => {
            let doc: Vec<serde_json::Value> = violations
                .iter()
                .map(|v| serde_json::json!({"number": v.number, "rule": v.rule}))
                .collect();
            crate::output::json::write(out, &serde_json::Value::Array(doc))?;
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(&mut *out);
            let fail = |e: csv::Error| CliError::Failed(e.to_string());
            w.write_record(["number", "rule"]).map_err(fail)?;
            for v in &violations {
                w.write_record([&v.number, &v.rule]).map_err(fail)?;
            }
            w.flush()?;
        }
        Format::Text => {
            for v in &violations {
                writeln!(out, "{v}")?;
            }
        }
    }
    if violations.is_empty() {
        if !s.out.quiet && matches!(s.out.format, Format::Text) {
            writeln!(out, "every ticket satisfies the validation rules")?;
        }
        Ok(())
    } else {
        Err(CliError::Failed(format!(
            "{} violation(s) of the validation rules",
            violations.len()
        )))
    }
}

/// `rebuild`: replays the change log; a spinner on a terminal.
pub fn rebuild(s: &Session, out: &mut dyn Write) -> CliResult {
    let silo = s.open()?;
    let spinner = crate::output::spinner("rebuilding the derived tables");
    let stats = silo.rebuild();
    crate::output::done(spinner);
    let stats = stats?;
    if !s.out.quiet {
        writeln!(
            out,
            "rebuilt {} tickets from {} change records",
            stats.tickets, stats.changes
        )?;
    }
    Ok(())
}

/// `config`: the effective silo configuration as JSON; `config --check FILE` validates a file
/// (exit 1 with every problem when it is broken). `--check` needs no silo.
pub fn config(s: &Session, out: &mut dyn Write, check: Option<&Path>) -> CliResult {
    if let Some(file) = check {
        let config = SiloConfig::load(file).map_err(|e| CliError::Failed(e.to_string()))?;
        let problems = ticket_core::saved_search_problems(&config);
        if !problems.is_empty() {
            return Err(CliError::Failed(format!(
                "{}: {}",
                file.display(),
                problems.join("\n  ")
            )));
        }
        if !s.out.quiet {
            writeln!(out, "{}: valid", file.display())?;
        }
        return Ok(());
    }
    let silo = s.open()?;
    writeln!(out, "{}", silo.config().to_json_pretty())?;
    Ok(())
}

/// `config --set FILE`: validates FILE and makes it the silo's configuration, as one change
/// set; a broken file changes nothing (exit 1 with the problem).
pub fn set_config(s: &Session, out: &mut dyn Write, file: &Path) -> CliResult {
    let text = std::fs::read_to_string(file)
        .map_err(|e| CliError::Failed(format!("{}: {e}", file.display())))?;
    let silo = s.open()?;
    silo.set_config(&text)?;
    if !s.out.quiet {
        writeln!(
            out,
            "the configuration of {} is now {}",
            silo.dir().display(),
            file.display()
        )?;
    }
    Ok(())
}
