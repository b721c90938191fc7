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

/// Lays out rows as columns: each column as wide as its widest cell (counted in
/// characters), separated by two spaces; the last column is not padded.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> Vec<String> {
    let columns = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate().take(columns) {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let render = |cells: Vec<&str>| {
        let mut line = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                line.push_str(cell);
            } else {
                line.push_str(cell);
                let pad = widths[i].saturating_sub(cell.chars().count()) + 2;
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
