//! Where commands write: readable text, or with `--json` one JSON document of serde-tagged
//! types (JSON Lines for streams).

use std::io::Write;

use serde::Serialize;

use crate::error::Result;

/// A command's output stream.
pub struct Output<'a> {
    json: bool,
    out: Box<dyn Write + 'a>,
}

impl std::fmt::Debug for Output<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Output").field("json", &self.json).finish()
    }
}

impl<'a> Output<'a> {
    /// Output to `out`, as JSON when `json` is set.
    pub fn new(json: bool, out: impl Write + 'a) -> Self {
        Self {
            json,
            out: Box::new(out),
        }
    }

    /// True when `--json` was given.
    pub fn is_json(&self) -> bool {
        self.json
    }

    /// Writes one line of text.
    ///
    /// # Errors
    ///
    /// The write failed (a closed pipe included).
    pub fn line(&mut self, text: impl std::fmt::Display) -> Result<()> {
        writeln!(self.out, "{text}")?;
        Ok(())
    }

    /// Writes one line to standard error: a message about the run rather than its result
    /// (an item not found, a warning), so it never mixes into the output a script reads.
    ///
    /// # Errors
    ///
    /// The write failed.
    pub fn note(&mut self, text: impl std::fmt::Display) -> Result<()> {
        self.out.flush()?;
        writeln!(std::io::stderr().lock(), "{text}")?;
        Ok(())
    }

    /// Writes bytes as they are (a generated script or manual page).
    ///
    /// # Errors
    ///
    /// The write failed.
    pub fn raw(&mut self, bytes: &[u8]) -> Result<()> {
        self.out.write_all(bytes)?;
        Ok(())
    }

    /// Writes one JSON value on its own line (a document, or one record of a stream).
    ///
    /// # Errors
    ///
    /// The write failed.
    pub fn json(&mut self, value: &impl Serialize) -> Result<()> {
        serde_json::to_writer(&mut self.out, value)?;
        writeln!(self.out)?;
        self.out.flush()?;
        Ok(())
    }

    /// Flushes what was written.
    ///
    /// # Errors
    ///
    /// The write failed.
    pub fn flush(&mut self) -> Result<()> {
        self.out.flush()?;
        Ok(())
    }
}

/// Lays out rows as columns: each column as wide as its widest cell (measured in terminal
/// cells, so `₹`, Devanagari and emoji line up), separated by two spaces; the last column is
/// not padded. On a terminal (or with `COLUMNS` set) the table is fitted to its width.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> Vec<String> {
    table_fit(header, rows, crate::style::output_width())
}

/// The narrowest a column is squeezed to when fitting a table.
const MIN_COLUMN: usize = 6;

/// [`table`] fitted to `max_width` terminal cells when given: the widest columns give up
/// width first (down to their heading, and at least a few cells), and cut cells end in `…`.
pub fn table_fit(header: &[&str], rows: &[Vec<String>], max_width: Option<usize>) -> Vec<String> {
    use unicode_width::UnicodeWidthStr;
    let columns = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| h.width()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate().take(columns) {
            widths[i] = widths[i].max(cell.width());
        }
    }
    if let Some(max) = max_width {
        let floor: Vec<usize> = header.iter().map(|h| h.width().max(MIN_COLUMN)).collect();
        let gaps = 2 * columns.saturating_sub(1);
        while widths.iter().sum::<usize>() + gaps > max {
            // The widest column that can still give a cell, the later one on a tie (titles
            // come last).
            let Some(i) = (0..columns)
                .filter(|&i| widths[i] > floor[i])
                .max_by_key(|&i| (widths[i], i))
            else {
                break;
            };
            widths[i] -= 1;
        }
    }
    let render = |cells: Vec<&str>| {
        let mut line = String::new();
        let count = cells.len().min(columns);
        for (i, cell) in cells.iter().take(count).enumerate() {
            let cell = fit_cell(cell, widths[i]);
            let used = cell.width();
            line.push_str(&cell);
            if i + 1 < count {
                let pad = widths[i].saturating_sub(used) + 2;
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        line.trim_end().to_owned()
    };
    let mut lines = vec![render(header.to_vec())];
    for row in rows {
        lines.push(render(row.iter().map(String::as_str).collect()));
    }
    lines
}

/// `text` cut to at most `width` terminal cells, ending in `…` when cut.
pub fn fit_cell(text: &str, width: usize) -> String {
    use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};
    if text.width() <= width {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for ch in text.chars() {
        let w = ch.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(ch);
        used += w;
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_aligns_columns_by_characters_not_bytes() {
        let lines = table(
            &["ASIN", "PRICE", "TITLE"],
            &[
                vec!["B0CX59H5W7".into(), "₹54,999".into(), "Phone".into()],
                vec!["B0X".into(), "₹9".into(), "Cable".into()],
            ],
        );
        assert_eq!(lines[0], "ASIN        PRICE    TITLE");
        assert_eq!(lines[1], "B0CX59H5W7  ₹54,999  Phone");
        assert_eq!(lines[2], "B0X         ₹9       Cable");
    }

    #[test]
    fn table_measures_display_width_and_fits_the_terminal() {
        use unicode_width::UnicodeWidthStr;
        let rows = vec![
            vec![
                "B0CX59H5W7".into(),
                "₹54,999".into(),
                "रेडमी नोट 13 5G (आर्कटिक व्हाइट, 128GB) 📱 with a very long tail".into(),
            ],
            vec!["B0X".into(), "₹9".into(), "Cable 🔌".into()],
        ];
        let natural = table_fit(&["ASIN", "PRICE", "TITLE"], &rows, None);
        assert_eq!(natural[2], "B0X         ₹9       Cable 🔌");
        for width in [40, 60, 80] {
            let fitted = table_fit(&["ASIN", "PRICE", "TITLE"], &rows, Some(width));
            for line in &fitted {
                assert!(
                    line.width() <= width,
                    "{width}: {line:?} is {}",
                    line.width()
                );
            }
            assert!(fitted[1].starts_with("B0CX59H5W7  ₹54,999  "));
            assert!(fitted[1].ends_with('…'));
        }
        // Wide characters are counted as two cells.
        assert_eq!(fit_cell("📱📱📱", 4), "📱…");
    }

    #[test]
    fn json_writes_one_line_per_value() {
        let mut buf = Vec::new();
        {
            let mut out = Output::new(true, &mut buf);
            out.json(&serde_json::json!({"type": "a"})).expect("write");
            out.json(&serde_json::json!({"type": "b"})).expect("write");
        }
        let text = String::from_utf8(buf).expect("utf-8");
        assert_eq!(text, "{\"type\":\"a\"}\n{\"type\":\"b\"}\n");
    }
}
