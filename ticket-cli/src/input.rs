//! Texts from standard input (`-`) or the user's editor (`--edit`).

use std::io::Read;
use std::process::Command;

use crate::error::{CliError, CliResult};

/// `text` itself, or, when it is `-`, all of standard input without its final line break.
pub fn text_or_stdin(text: &str) -> CliResult<String> {
    if text != "-" {
        return Ok(text.to_string());
    }
    let mut buf = String::new();
    std::io::stdin()
        .read_to_string(&mut buf)
        .map_err(|e| CliError::Failed(format!("cannot read standard input: {e}")))?;
    Ok(strip_final_newline(buf))
}

fn strip_final_newline(mut text: String) -> String {
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    text
}

const TEMPLATE_HELP: &str = "# The first line is the title; the summary follows a blank line.\n\
# Lines starting with # are left out; an empty title creates nothing.\n";

/// Opens `$VISUAL` or `$EDITOR` (run by `sh`, so it may carry arguments) on a file holding
/// `title` and `summary`; returns the title (first line) and summary (after it) as saved.
pub fn edit_ticket(title: &str, summary: &str) -> CliResult<(String, String)> {
    let editor = ["VISUAL", "EDITOR"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|e| !e.trim().is_empty()))
        .ok_or_else(|| CliError::Usage("--edit needs $VISUAL or $EDITOR to be set".into()))?;
    let dir = tempfile::tempdir()
        .map_err(|e| CliError::Failed(format!("cannot create a temporary file: {e}")))?;
    let path = dir.path().join("TICKET.txt");
    let failed = |what: &str, e: std::io::Error| {
        CliError::Failed(format!("cannot {what} {}: {e}", path.display()))
    };
    std::fs::write(&path, format!("{title}\n\n{summary}\n{TEMPLATE_HELP}"))
        .map_err(|e| failed("write", e))?;
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("sh")
        .arg(&path)
        .status()
        .map_err(|e| CliError::Failed(format!("cannot run the editor `{editor}`: {e}")))?;
    if !status.success() {
        return Err(CliError::Failed(format!(
            "the editor `{editor}` failed ({status}); nothing was changed"
        )));
    }
    let text = std::fs::read_to_string(&path).map_err(|e| failed("read", e))?;
    let (title, summary) = parse_ticket_text(&text);
    if title.is_empty() {
        return Err(CliError::Failed("empty title: nothing was created".into()));
    }
    Ok((title, summary))
}

/// The title (first non-comment line) and the summary (the rest, trimmed) of an edited file.
fn parse_ticket_text(text: &str) -> (String, String) {
    let mut lines = text.lines().filter(|l| !l.starts_with('#'));
    let title = lines.next().unwrap_or("").trim().to_string();
    let summary: Vec<&str> = lines.collect();
    (title, summary.join("\n").trim().to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn edited_text_splits_into_title_and_summary() {
        let (t, s) = super::parse_ticket_text("Disk\n\nsdb fails\n  twice\n# help\n");
        assert_eq!((t.as_str(), s.as_str()), ("Disk", "sdb fails\n  twice"));
        assert_eq!(super::parse_ticket_text("# only help\n").0, "");
        assert_eq!(super::strip_final_newline("a\r\n".into()), "a");
    }
}
