//! [`ConfigError`]: what is wrong with a `silo.json`, where, and what was expected.

use std::fmt;

/// A position in the configuration text, 1-based, when the JSON parser knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextPosition {
    /// Line, starting at 1.
    pub line: usize,
    /// Column, starting at 1.
    pub column: usize,
}

/// One semantic problem found after the file parsed: the JSON path of the offending value
/// (for example `crules[1].tags[0]`) and what is wrong with it / what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    /// JSON path of the offending value, `crules[1].tags[0]` style; `(top level)` for the root.
    pub path: String,
    /// What is wrong and what was expected.
    pub message: String,
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// A `silo.json` (or any configuration text) that cannot be used.
///
/// Every variant names the file (`file` is the label given to
/// [`SiloConfig::from_json_str`](crate::SiloConfig::from_json_str), the path for
/// [`SiloConfig::load`](crate::SiloConfig::load)).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{file}: cannot read the configuration: {source}")]
    Read {
        /// The file.
        file: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The text is not well-formed JSON.
    #[error("{}: invalid JSON{}: {message}", place(.file, .position), at_path(.path))]
    Syntax {
        /// The file.
        file: String,
        /// JSON path reached when the syntax error was found.
        path: String,
        /// Where in the text.
        position: Option<TextPosition>,
        /// The parser's description (what was found, what was expected).
        message: String,
    },
    /// Well-formed JSON of the wrong shape: unknown field, missing field, wrong type.
    #[error("{}: {path}: {message}", place(.file, .position))]
    Shape {
        /// The file.
        file: String,
        /// JSON path of the offending value, `crules[1].tags[0]` style.
        path: String,
        /// Where in the text.
        position: Option<TextPosition>,
        /// What is wrong and what was expected, e.g.
        /// ``unknown field `tagz`, expected one of `name`, `description`, `tags`, `properties` ``.
        message: String,
    },
    /// The file has the right shape but breaks a rule (numbering without full period, a key in
    /// both date input lists, an unknown colour, ...). Every problem found is listed.
    #[error("{}", invalid(.file, .problems))]
    Invalid {
        /// The file.
        file: String,
        /// The problems, in the order of the fields in the file format.
        problems: Vec<ConfigProblem>,
    },
}

impl ConfigError {
    /// The file label the error is about.
    pub fn file(&self) -> &str {
        match self {
            ConfigError::Read { file, .. }
            | ConfigError::Syntax { file, .. }
            | ConfigError::Shape { file, .. }
            | ConfigError::Invalid { file, .. } => file,
        }
    }

    /// The JSON paths the error points at (none for a read error).
    pub fn paths(&self) -> Vec<&str> {
        match self {
            ConfigError::Read { .. } => Vec::new(),
            ConfigError::Syntax { path, .. } | ConfigError::Shape { path, .. } => vec![path],
            ConfigError::Invalid { problems, .. } => {
                problems.iter().map(|p| p.path.as_str()).collect()
            }
        }
    }
}

fn place(file: &str, position: &Option<TextPosition>) -> String {
    match position {
        Some(p) => format!("{file}:{}:{}", p.line, p.column),
        None => file.to_string(),
    }
}

fn at_path(path: &str) -> String {
    if path == TOP_LEVEL {
        String::new()
    } else {
        format!(" in {path}")
    }
}

fn invalid(file: &str, problems: &[ConfigProblem]) -> String {
    match problems {
        [one] => format!("{file}: {one}"),
        many => {
            let mut out = format!("{file}: {} problems:", many.len());
            for p in many {
                out.push_str("\n  ");
                out.push_str(&p.to_string());
            }
            out
        }
    }
}

/// Replaces Rust type names in serde's messages by words a user of a JSON file knows.
fn plain_words(message: &str) -> String {
    message
        .replace("expected u64", "expected a whole number ≥ 0")
        .replace(
            "expected u32",
            "expected a whole number ≥ 0 (at most 4294967295)",
        )
        .replace("expected f64", "expected a number")
        .replace("expected a sequence", "expected a list")
}

/// How the root of the document is named in paths.
pub(crate) const TOP_LEVEL: &str = "(top level)";

/// Shows a `serde_path_to_error` path as `crules[1].tags[0]`, the root as [`TOP_LEVEL`].
pub(crate) fn json_path(path: &serde_path_to_error::Path) -> String {
    // A syntax error inside an object may leave an unknown-key segment (`?`) at the end.
    let mut path = path.to_string();
    while let Some(stripped) = path.strip_suffix(".?").or_else(|| path.strip_suffix('?')) {
        path = stripped.to_string();
    }
    if path.is_empty() || path == "." {
        path = TOP_LEVEL.to_string();
    }
    path
}

/// Converts a `serde_path_to_error` failure into a [`ConfigError`].
pub(crate) fn from_serde(
    file: &str,
    err: serde_path_to_error::Error<serde_json::Error>,
) -> ConfigError {
    let path = json_path(err.path());
    let inner = err.into_inner();
    let position = (inner.line() > 0).then(|| TextPosition {
        line: inner.line(),
        column: inner.column(),
    });
    let mut message = inner.to_string();
    let suffix = format!(" at line {} column {}", inner.line(), inner.column());
    if let Some(stripped) = message.strip_suffix(&suffix) {
        message = stripped.to_string();
    }
    message = plain_words(&message);
    let file = file.to_string();
    match inner.classify() {
        serde_json::error::Category::Data => ConfigError::Shape {
            file,
            path,
            position,
            message,
        },
        _ => ConfigError::Syntax {
            file,
            path,
            position,
            message,
        },
    }
}
