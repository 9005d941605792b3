//! Aligned text tables sized to the terminal.

use std::io::{self, Write};

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

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

/// The columns `s` takes on a terminal: two for a CJK ideograph or a wide emoji, none for a
/// combining mark (Unicode's East Asian Width, via `unicode-width`).
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// `s` cut to at most `max` columns, ending in `…` (one column) when cut. A wide character
/// that would straddle the limit is left out whole, so the result may be a column short.
pub fn truncate(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > max - 1 {
            break;
        }
        used += w;
        out.push(c);
    }
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

    #[test]
    fn wide_characters_count_two_columns() {
        assert_eq!(width("日本語"), 6);
        assert_eq!(width("e\u{301}"), 1, "a combining accent takes no column");
        assert_eq!(truncate("日本語のタイトル", 7), "日本語…");
        // a wide character never straddles the limit
        assert_eq!(truncate("日本語のタイトル", 6), "日本…");
        assert!(width(&truncate("日本語のタイトル", 6)) <= 6);
    }

    #[test]
    fn cjk_titles_align_and_are_cut_by_display_width() {
        let mut t = Table::new().flex(1);
        t.push(vec![
            Cell::plain("1"),
            Cell::plain("ディスクの交換"),
            Cell::plain("nas"),
        ]);
        t.push(vec![
            Cell::plain("2"),
            Cell::plain("Renew TLS"),
            Cell::plain("web"),
        ]);
        let text = render(&t, None);
        let columns: Vec<usize> = text
            .lines()
            .map(|l| width(&l[..l.rfind("  ").unwrap()]))
            .collect();
        assert_eq!(columns[0], columns[1], "{text}");
        assert_eq!(text, "1  ディスクの交換  nas\n2  Renew TLS       web\n");
        let text = render(&t, Some(20));
        for line in text.lines() {
            assert_eq!(width(line), 20, "{line:?}");
        }
        assert_eq!(text, "1  ディスクの…   nas\n2  Renew TLS     web\n");
    }
}
