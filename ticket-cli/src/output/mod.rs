//! Everything the command prints: text tables, JSON, CSV, colour, styling rules.

pub mod color;
pub mod csv;
pub mod json;
pub mod style;
pub mod table;
pub mod tickets;

use std::io::IsTerminal;

use chrono::{DateTime, FixedOffset, Utc};

use crate::cli::{Format, Global};
use color::Paint;

/// How to print: format, colour, quiet mode, width and the time zone of displayed times.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    /// text, json or csv.
    pub format: Format,
    /// Colour on or off.
    pub paint: Paint,
    /// Essential output only.
    pub quiet: bool,
    /// The terminal's width when standard output is a terminal.
    pub width: Option<usize>,
    /// Offset used to display timestamps (the clock's: UTC under `TICKET_NOW=...Z`).
    pub offset: FixedOffset,
}

impl Output {
    /// From the global options and the `quiet` word.
    pub fn new(global: &Global, quiet_word: bool, offset: FixedOffset) -> Output {
        let width = if std::io::stdout().is_terminal() {
            terminal_size::terminal_size().map(|(w, _)| usize::from(w.0))
        } else {
            None
        };
        Output {
            format: global.format,
            paint: Paint::new(global.color),
            quiet: global.quiet || quiet_word,
            width,
            offset,
        }
    }

    /// A timestamp as `YYYY-MM-DD HH:MM` in the display offset.
    pub fn time(&self, at: DateTime<Utc>) -> String {
        at.with_timezone(&self.offset)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }
}

/// Minutes as `1 h 05 min`, `45 min`.
pub fn minutes(total: i64) -> String {
    if total.abs() < 60 {
        format!("{total} min")
    } else {
        format!("{} h {:02} min", total / 60, (total % 60).abs())
    }
}

/// A size in bytes as `15 B`, `12.3 KiB`, `4.0 MiB`.
pub fn size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// A spinner on standard error while a long command works, only when standard error is a
/// terminal (nothing extra in pipes and logs).
pub fn spinner(message: &'static str) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new_spinner().with_message(message);
    bar.enable_steady_tick(std::time::Duration::from_millis(100));
    Some(bar)
}

/// Clears a [`spinner`].
pub fn done(spinner: Option<indicatif::ProgressBar>) {
    if let Some(bar) = spinner {
        bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes_read_well() {
        assert_eq!(super::size(15), "15 B");
        assert_eq!(super::size(12_595), "12.3 KiB");
        assert_eq!(super::size(4 * 1024 * 1024), "4.0 MiB");
    }

    #[test]
    fn minutes_read_well() {
        assert_eq!(super::minutes(0), "0 min");
        assert_eq!(super::minutes(45), "45 min");
        assert_eq!(super::minutes(125), "2 h 05 min");
    }
}
