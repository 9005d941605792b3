//! Colour for text output: plain ANSI escapes, on only when wanted.

use std::io::IsTerminal;

use crate::cli::ColorMode;

/// What a piece of text is, for its colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// No styling.
    Plain,
    /// Headings and ticket numbers.
    Bold,
    /// Secondary information (dates, authors).
    Dim,
    /// Due soon.
    Warn,
    /// Overdue, errors.
    Alarm,
    /// Tags.
    Tag,
    /// Property keys.
    Key,
    /// An active status.
    Active,
    /// A closed (inactive) status.
    Inactive,
}

/// Applies styles when colour is on.
#[derive(Debug, Clone, Copy)]
pub struct Paint {
    on: bool,
}

impl Paint {
    /// Decides from the `--color` option: `auto` colours only on a terminal and without
    /// `NO_COLOR`.
    pub fn new(mode: ColorMode) -> Paint {
        let on = match mode {
            ColorMode::Always => true,
            ColorMode::Never => false,
            ColorMode::Auto => {
                std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
            }
        };
        Paint { on }
    }

    /// `text` in `style`.
    pub fn paint(&self, text: &str, style: Style) -> String {
        let code = match style {
            Style::Plain => return text.to_string(),
            Style::Bold => "1",
            Style::Dim => "2",
            Style::Warn => "33",
            Style::Alarm => "1;31",
            Style::Tag => "36",
            Style::Key => "35",
            Style::Active => "32",
            Style::Inactive => "2",
        };
        if !self.on || text.is_empty() {
            return text.to_string();
        }
        format!("\x1b[{code}m{text}\x1b[0m")
    }
}
