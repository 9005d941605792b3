//! Aligned text tables sized to the terminal.

use std::io::{self, Write};

use super::color::{Paint, Style};

/// One cell: its text and style.
#[derive(Debug, Clone)]
pub struct Cell {
    /// The text (one line).
    pub text: String,
    /// The style.
    pub style: Style,
}

impl Cell {
    /// A plain cell.
    pub fn plain(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            style: Style::Plain,
        }
    }

    /// A styled cell.
    pub fn styled(text: impl Into<String>, style: Style) -> Cell {
        Cell {
            text: text.into(),
            style,
        }
    }
}

/// A table of rows with aligned columns. One column may shrink (`flex`, e.g. the title) and
/// the last column is cut when a line would be wider than the terminal.
#[derive(Debug, Default)]
pub struct Table {
    rows: Vec<Vec<Cell>>,
    flex: Option<usize>,
    right: Vec<usize>,
}

/// Characters of `s` (the display width, for the scripts tickets are written in).
fn width(s: &str) -> usize {
    s.chars().count()
}

/// `s` cut to `max` characters, ending in `…` when cut.
pub fn truncate(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

impl Table {
    /// An empty table.
    pub fn new() -> Table {
        Table::default()
    }

    /// Column `index` shrinks first when the table is too wide.
    pub fn flex(mut self, index: usize) -> Table {
        self.flex = Some(index);
        self
    }

    /// Column `index` is aligned to the right (numbers).
    pub fn right(mut self, index: usize) -> Table {
        self.right.push(index);
        self
    }

    /// Appends a row.
    pub fn push(&mut self, row: Vec<Cell>) {
        self.rows.push(row);
    }

    /// Writes the table; `max_width` is the terminal width (none: no limit).
    pub fn write(
        &self,
        out: &mut dyn Write,
        paint: Paint,
        max_width: Option<usize>,
    ) -> io::Result<()> {
        let columns = self.rows.iter().map(Vec::len).max().unwrap_or(0);
        let mut widths = vec![0; columns];
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate() {
                widths[i] = widths[i].max(width(&cell.text));
            }
        }
        // Empty trailing columns take no room.
        if let (Some(max), Some(flex)) = (max_width, self.flex) {
            let total: usize = widths.iter().sum::<usize>() + 2 * columns.saturating_sub(1);
            if total > max && flex < columns {
                let excess = total - max;
                widths[flex] = widths[flex]
                    .saturating_sub(excess)
                    .max(12.min(widths[flex]));
            }
        }
        for row in &self.rows {
            let mut line = String::new();
            let mut used = 0;
            for (i, cell) in row.iter().enumerate() {
                let last = i + 1 == row.len();
                let mut text = if Some(i) == self.flex {
                    truncate(&cell.text, widths[i])
                } else {
                    cell.text.clone()
                };
                if last {
                    if let Some(max) = max_width {
                        text = truncate(&text, max.saturating_sub(used));
                    }
                }
                let pad = if last && !self.right.contains(&i) {
                    0
                } else {
                    widths[i] - width(&text).min(widths[i])
                };
                let painted = paint.paint(&text, cell.style);
                if self.right.contains(&i) {
                    line.push_str(&" ".repeat(pad));
                    line.push_str(&painted);
                } else {
                    line.push_str(&painted);
                    line.push_str(&" ".repeat(pad));
                }
                used += width(&text) + pad;
                if !last {
                    line.push_str("  ");
                    used += 2;
                }
            }
            writeln!(out, "{}", line.trim_end())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::ColorMode;

    fn render(table: &Table, max: Option<usize>) -> String {
        let mut out = Vec::new();
        table
            .write(&mut out, Paint::new(ColorMode::Never), max)
            .unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn columns_align_and_numbers_go_right() {
        let mut t = Table::new().right(0);
        t.push(vec![
            Cell::plain("1"),
            Cell::plain("Open"),
            Cell::plain("a"),
        ]);
        t.push(vec![
            Cell::plain("10"),
            Cell::plain("In_Progress"),
            Cell::plain("b"),
        ]);
        assert_eq!(render(&t, None), " 1  Open         a\n10  In_Progress  b\n");
    }

    #[test]
    fn flex_column_shrinks_to_the_width() {
        let mut t = Table::new().flex(1);
        t.push(vec![
            Cell::plain("1"),
            Cell::plain("a very long title that does not fit"),
            Cell::plain("tag"),
        ]);
        let text = render(&t, Some(24));
        assert_eq!(text, "1  a very long tit…  tag\n");
        assert!(text.trim_end().chars().count() <= 24);
    }

    #[test]
    fn truncate_marks_the_cut() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
    }
}
