//! Aligned text tables sized to the terminal.

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};

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

/// How many rows a [`Table`] keeps in memory; the rows after them go to a temporary file.
pub const WINDOW: usize = 4096;

/// A table of rows with aligned columns. One column may shrink (`flex`, e.g. the title) and
/// the last column is cut when a line would be wider than the terminal.
///
/// Memory stays bounded however many rows are pushed: column widths are measured as rows
/// arrive, the first [`WINDOW`] rows are kept, and the rest are written to an unnamed
/// temporary file that [`Table::write`] reads back one row at a time.
#[derive(Debug)]
pub struct Table {
    rows: Vec<Vec<Cell>>,
    widths: Vec<usize>,
    flex: Option<usize>,
    right: Vec<usize>,
    window: usize,
    spill: Option<Spill>,
    /// The most rows ever held in memory at once.
    peak: usize,
}

impl Default for Table {
    fn default() -> Table {
        Table {
            rows: Vec::new(),
            widths: Vec::new(),
            flex: None,
            right: Vec::new(),
            window: WINDOW,
            spill: None,
            peak: 0,
        }
    }
}

/// The rows beyond the window: each cell as its style, its length (u32, little-endian) and
/// its bytes; a row as its cell count (u32) and its cells.
#[derive(Debug)]
struct Spill {
    file: Option<io::BufWriter<File>>,
    rows: u64,
    /// The first failure to write the file, reported by [`Table::write`].
    error: Option<io::Error>,
}

impl Spill {
    fn push(&mut self, row: &[Cell]) {
        let Some(file) = self.file.as_mut().filter(|_| self.error.is_none()) else {
            return;
        };
        let result = (|| {
            file.write_all(&(row.len() as u32).to_le_bytes())?;
            for cell in row {
                file.write_all(&[cell.style.code()])?;
                file.write_all(&(cell.text.len() as u32).to_le_bytes())?;
                file.write_all(cell.text.as_bytes())?;
            }
            Ok(())
        })();
        match result {
            Ok(()) => self.rows += 1,
            Err(e) => self.error = Some(e),
        }
    }

    /// Calls `f` with every spilled row in order, one row in memory at a time. The file stays
    /// as it is (rows may still be added and the table written again).
    fn replay(&mut self, mut f: impl FnMut(&[Cell]) -> io::Result<()>) -> io::Result<()> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        let Some(writer) = self.file.as_mut() else {
            return Ok(());
        };
        writer.flush()?;
        let mut file: &File = writer.get_ref();
        file.seek(SeekFrom::Start(0))?;
        let mut input = io::BufReader::new(file);
        let mut row: Vec<Cell> = Vec::new();
        for _ in 0..self.rows {
            let cells = read_u32(&mut input)? as usize;
            row.clear();
            for _ in 0..cells {
                let mut style = [0u8];
                input.read_exact(&mut style)?;
                let mut text = vec![0; read_u32(&mut input)? as usize];
                input.read_exact(&mut text)?;
                let text = String::from_utf8(text)
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
                row.push(Cell::styled(text, Style::from_code(style[0])));
            }
            f(&row)?;
        }
        file.seek(SeekFrom::End(0))?;
        Ok(())
    }
}

fn read_u32(input: &mut impl Read) -> io::Result<u32> {
    let mut bytes = [0u8; 4];
    input.read_exact(&mut bytes)?;
    Ok(u32::from_le_bytes(bytes))
}

/// The columns `s` takes on a terminal: two for a CJK ideograph or a wide emoji, none for a
/// combining mark (Unicode's East Asian Width, via `unicode-width`).
pub fn width(s: &str) -> usize {
    // printable ASCII, most text, is one column a byte
    if s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return s.len();
    }
    UnicodeWidthStr::width(s)
}

/// [`truncate`], borrowing when nothing is cut.
fn truncated(s: Cow<'_, str>, max: usize) -> Cow<'_, str> {
    if width(&s) <= max {
        s
    } else {
        Cow::Owned(truncate(&s, max))
    }
}

fn spaces(line: &mut String, n: usize) {
    const SPACES: &str = "                                ";
    let mut left = n;
    while left > 0 {
        let k = left.min(SPACES.len());
        line.push_str(&SPACES[..k]);
        left -= k;
    }
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

    /// Keeps at most `rows` rows in memory (the rest go to a temporary file).
    pub fn window(mut self, rows: usize) -> Table {
        self.window = rows.max(1);
        self
    }

    /// Appends a row. A row beyond the window goes to the temporary file; failing to write
    /// it is reported by [`Table::write`].
    pub fn push(&mut self, row: Vec<Cell>) {
        if self.widths.len() < row.len() {
            self.widths.resize(row.len(), 0);
        }
        for (i, cell) in row.iter().enumerate() {
            self.widths[i] = self.widths[i].max(width(&cell.text));
        }
        if self.rows.len() < self.window && self.spill.is_none() {
            self.rows.push(row);
            self.peak = self.peak.max(self.rows.len());
            return;
        }
        let spill = self
            .spill
            .get_or_insert_with(|| match tempfile::tempfile() {
                Ok(file) => Spill {
                    file: Some(io::BufWriter::new(file)),
                    rows: 0,
                    error: None,
                },
                Err(e) => Spill {
                    file: None,
                    rows: 0,
                    error: Some(e),
                },
            });
        spill.push(&row);
    }

    /// The most rows this table has held in memory at once.
    #[cfg(test)]
    pub fn peak_rows_held(&self) -> usize {
        self.peak
    }

    /// How many rows were pushed.
    pub fn row_count(&self) -> u64 {
        self.rows.len() as u64 + self.spill.as_ref().map_or(0, |s| s.rows)
    }

    /// The measured widths, the flexible column shrunk to fit `max_width`.
    fn fitted(&self, max_width: Option<usize>) -> Vec<usize> {
        let mut widths = self.widths.clone();
        let columns = widths.len();
        if let (Some(max), Some(flex)) = (max_width, self.flex) {
            let total: usize = widths.iter().sum::<usize>() + 2 * columns.saturating_sub(1);
            if total > max && flex < columns {
                let excess = total - max;
                widths[flex] = widths[flex]
                    .saturating_sub(excess)
                    .max(12.min(widths[flex]));
            }
        }
        widths
    }

    /// Writes the table (held rows, then the temporary file's); `max_width` is the terminal
    /// width (none: no limit).
    pub fn write(
        &mut self,
        out: &mut dyn Write,
        paint: Paint,
        max_width: Option<usize>,
    ) -> io::Result<()> {
        let widths = self.fitted(max_width);
        let mut line = String::new();
        for row in &self.rows {
            self.line(&mut line, row, &widths, paint, max_width);
            out.write_all(line.as_bytes())?;
        }
        if let Some(mut spill) = self.spill.take() {
            let written = spill.replay(|row| {
                self.line(&mut line, row, &widths, paint, max_width);
                out.write_all(line.as_bytes())
            });
            self.spill = Some(spill);
            written?;
        }
        Ok(())
    }

    /// One row as a line (ending in a new line) into `line`.
    fn line(
        &self,
        line: &mut String,
        row: &[Cell],
        widths: &[usize],
        paint: Paint,
        max_width: Option<usize>,
    ) {
        line.clear();
        let mut used = 0;
        for (i, cell) in row.iter().enumerate() {
            let last = i + 1 == row.len();
            let mut text = Cow::Borrowed(cell.text.as_str());
            if Some(i) == self.flex {
                text = truncated(text, widths[i]);
            }
            if last {
                if let Some(max) = max_width {
                    text = truncated(text, max.saturating_sub(used));
                }
            }
            let columns = width(&text);
            let right = self.right.contains(&i);
            let pad = if last && !right {
                0
            } else {
                widths[i] - columns.min(widths[i])
            };
            if right {
                spaces(line, pad);
            }
            paint.push(line, &text, cell.style);
            if !right {
                spaces(line, pad);
            }
            used += columns + pad;
            if !last {
                line.push_str("  ");
                used += 2;
            }
        }
        line.truncate(line.trim_end().len());
        line.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::ColorMode;

    fn render(table: &mut Table, max: Option<usize>) -> String {
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
        assert_eq!(
            render(&mut t, None),
            " 1  Open         a\n10  In_Progress  b\n"
        );
    }

    #[test]
    fn flex_column_shrinks_to_the_width() {
        let mut t = Table::new().flex(1);
        t.push(vec![
            Cell::plain("1"),
            Cell::plain("a very long title that does not fit"),
            Cell::plain("tag"),
        ]);
        let text = render(&mut t, Some(24));
        assert_eq!(text, "1  a very long tit…  tag\n");
        assert!(text.trim_end().chars().count() <= 24);
    }

    /// Rows of varying widths; the widest title comes last.
    fn long_table(window: usize, rows: usize) -> Table {
        let mut t = Table::new().right(0).flex(2).window(window);
        for i in 0..rows {
            let title = if i + 1 == rows {
                "the widest title of all, at the very end".to_string()
            } else {
                "é日".repeat(i % 7)
            };
            let status = if i % 3 == 0 {
                Cell::styled("In_Progress", Style::Active)
            } else {
                Cell::styled("Open", Style::Inactive)
            };
            t.push(vec![
                Cell::styled(i.to_string(), Style::Bold),
                status,
                Cell::plain(title),
                Cell::styled(format!("tag{}", i % 11), Style::Tag),
            ]);
        }
        t
    }

    #[test]
    fn a_long_table_holds_only_its_window_and_writes_the_same_lines() {
        for max in [None, Some(30)] {
            for paint in [ColorMode::Never, ColorMode::Always] {
                let mut all = long_table(usize::MAX, 1000);
                let mut bounded = long_table(8, 1000);
                assert_eq!(all.peak_rows_held(), 1000);
                assert_eq!(bounded.peak_rows_held(), 8, "rows held in memory");
                assert_eq!(bounded.row_count(), 1000);
                let mut a = Vec::new();
                all.write(&mut a, Paint::new(paint), max).unwrap();
                let mut b = Vec::new();
                bounded.write(&mut b, Paint::new(paint), max).unwrap();
                assert_eq!(String::from_utf8(a).unwrap(), String::from_utf8(b).unwrap());
            }
        }
        // the widths come from every row, the last (spilled) one included; writing again
        // gives the same lines
        let mut table = long_table(8, 1000);
        let text = render(&mut table, None);
        assert_eq!(render(&mut table, None), text);
        let widest = "the widest title of all, at the very end";
        assert_eq!(
            text.lines().next().unwrap(),
            format!("  0  In_Progress  {}  tag0", " ".repeat(widest.len()))
        );
        assert_eq!(
            text.lines().last().unwrap(),
            format!("999  In_Progress  {widest}  tag9")
        );
    }

    #[test]
    fn styles_survive_the_temporary_file() {
        for code in 0..9u8 {
            assert_eq!(Style::from_code(code).code(), code);
        }
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
        let text = render(&mut t, None);
        let columns: Vec<usize> = text
            .lines()
            .map(|l| width(&l[..l.rfind("  ").unwrap()]))
            .collect();
        assert_eq!(columns[0], columns[1], "{text}");
        assert_eq!(text, "1  ディスクの交換  nas\n2  Renew TLS       web\n");
        let text = render(&mut t, Some(20));
        for line in text.lines() {
            assert_eq!(width(line), 20, "{line:?}");
        }
        assert_eq!(text, "1  ディスクの…   nas\n2  Renew TLS     web\n");
    }
}
