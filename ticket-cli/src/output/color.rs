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

impl Style {
    const ALL: [Style; 9] = [
        Style::Plain,
        Style::Bold,
        Style::Dim,
        Style::Warn,
        Style::Alarm,
        Style::Tag,
        Style::Key,
        Style::Active,
        Style::Inactive,
    ];

    /// A byte for the style (a table's temporary file keeps it).
    pub fn code(self) -> u8 {
        Style::ALL.iter().position(|s| *s == self).unwrap_or(0) as u8
    }

    /// The style of [`Style::code`]; an unknown byte is plain.
    pub fn from_code(code: u8) -> Style {
        Style::ALL
            .get(usize::from(code))
            .copied()
            .unwrap_or(Style::Plain)
    }
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
        let mut out = String::new();
        self.push(&mut out, text, style);
        out
    }

    /// Appends `text` in `style` to `out`.
    pub fn push(&self, out: &mut String, text: &str, style: Style) {
        let code = match style {
            Style::Plain => "",
            Style::Bold => "1",
            Style::Dim => "2",
            Style::Warn => "33",
            Style::Alarm => "1;31",
            Style::Tag => "36",
            Style::Key => "35",
            Style::Active => "32",
            Style::Inactive => "2",
        };
        if !self.on || text.is_empty() || code.is_empty() {
            out.push_str(text);
            return;
        }
        out.push_str("\x1b[");
        out.push_str(code);
        out.push('m');
        out.push_str(text);
        out.push_str("\x1b[0m");
    }
}
