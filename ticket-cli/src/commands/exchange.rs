//! `export`, `import` and `time` (issue 7). The core functions they call
//! (`Silo::export`, `Silo::import_json/import_tkts/import_fossil`, `Silo::time_report`) are
//! being added by another helper; until they exist these handlers say so and exit 1, after
//! checking their arguments and opening the silo (so usage errors are already exact).

use std::io::Write;
use std::path::Path;

use crate::cli::{ExportFormat, ImportKind};
use crate::error::{CliError, CliResult};
use crate::session::Session;

fn not_yet(what: &str) -> CliError {
    CliError::Failed(format!("{what} is not yet available in this build"))
}

/// `export csv|json|full [SEARCH [SORT]] [-o FILE]`.
pub fn export(
    s: &Session,
    _out: &mut dyn Write,
    _format: ExportFormat,
    _search: Option<&str>,
    _sort: Option<&str>,
    _file: Option<&Path>,
) -> CliResult {
    let _silo = s.open()?;
    Err(not_yet("export"))
}

/// `import json FILE`, `import tkts DB`, `import fossil REPO`.
pub fn import(s: &Session, _out: &mut dyn Write, _kind: ImportKind, _file: &Path) -> CliResult {
    let _silo = s.open()?;
    Err(not_yet("import"))
}

/// `time [SEARCH] --by KEY [--from DATE] [--to DATE]`.
pub fn time(
    s: &Session,
    _out: &mut dyn Write,
    _search: Option<&str>,
    _by: &str,
    _from: Option<&str>,
    _to: Option<&str>,
) -> CliResult {
    let _silo = s.open()?;
    Err(not_yet("time"))
}
