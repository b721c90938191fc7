//! Text helpers for Telegram: HTML escaping, splitting at Telegram's length limits, and
//! callback data that fits in 64 bytes.

/// Telegram's limit on a message text, in UTF-16 code units after entity parsing.
pub const MAX_MESSAGE_LEN: usize = 4096;
/// Telegram's limit on a photo caption.
pub const MAX_CAPTION_LEN: usize = 1024;
/// Telegram's limit on a button's callback data, in bytes.
pub const MAX_CALLBACK_DATA: usize = 64;

/// Escapes `&`, `<`, `>` and `"` for Telegram's HTML parse mode.
///
/// # Examples
///
/// ```
/// assert_eq!(mandi_bot::text::escape_html("<b>A&B</b>"), "&lt;b&gt;A&amp;B&lt;/b&gt;");
/// ```
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// The length Telegram counts for an HTML text: UTF-16 code units of the visible text (tags
/// dropped, entities counted as one character).
pub fn visible_len(html: &str) -> usize {
    let mut n = 0;
    let mut in_tag = false;
    let mut in_entity = false;
    for c in html.chars() {
        match c {
            '<' if !in_entity => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if in_tag => {}
            '&' => {
                in_entity = true;
                n += 1;
            }
            ';' if in_entity => in_entity = false,
            _ if in_entity => {}
            c => n += c.len_utf16(),
        }
    }
    n
}

/// Splits an HTML text into messages of at most `max` visible UTF-16 units, at line
/// boundaries. Mandi's messages keep every tag within one line, so each part parses on its
/// own; a single line longer than `max` is cut between characters outside tags and
/// entities (its tags are closed and reopened, so each part still parses).
///
/// # Examples
///
/// ```
/// let text = "line one\n".repeat(1000);
/// let parts = mandi_bot::text::split_message(&text, 4096);
/// assert!(parts.len() == 3 && parts.iter().all(|p| mandi_bot::text::visible_len(p) <= 4096));
/// ```
pub fn split_message(html: &str, max: usize) -> Vec<String> {
    let max = max.max(16);
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut current_len = 0;
    for line in html.split('\n') {
        let line_len = visible_len(line);
        let sep = usize::from(!current.is_empty());
        if current_len + sep + line_len <= max {
            if sep == 1 {
                current.push('\n');
            }
            current.push_str(line);
            current_len += sep + line_len;
            continue;
        }
        if !current.is_empty() {
            parts.push(std::mem::take(&mut current));
        }
        if line_len <= max {
            current.push_str(line);
            current_len = line_len;
        } else {
            let mut pieces = cut_long_line(line, max);
            let last = pieces.pop().unwrap_or_default();
            parts.extend(pieces);
            current_len = visible_len(&last);
            current = last;
        }
    }
    if !current.trim().is_empty() || parts.is_empty() {
        parts.push(current);
    }
    parts.retain(|p| !p.trim().is_empty());
    if parts.is_empty() {
        parts.push(String::new());
    }
    parts
}

/// Cuts one over-long line into pieces of at most `max` visible units, closing open tags at
/// each cut and reopening them in the next piece.
fn cut_long_line(line: &str, max: usize) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut open: Vec<String> = Vec::new(); // full start tags, e.g. `<a href="…">`
    let mut current = String::new();
    let mut len = 0;
    let mut rest = line;
    let close_all = |open: &[String], s: &mut String| {
        for t in open.iter().rev() {
            let name = t
                .trim_start_matches('<')
                .trim_end_matches('>')
                .split_whitespace()
                .next()
                .unwrap_or_default();
            s.push_str(&format!("</{name}>"));
        }
    };
    while let Some(c) = rest.chars().next() {
        let (token, width, is_tag) = if c == '<' {
            let end = rest.find('>').map_or(rest.len(), |e| e + 1);
            (&rest[..end], 0, true)
        } else if c == '&' {
            let end = rest.find(';').map_or(c.len_utf8(), |e| e + 1);
            (&rest[..end], 1, false)
        } else {
            (&rest[..c.len_utf8()], c.len_utf16(), false)
        };
        if len + width > max {
            close_all(&open, &mut current);
            pieces.push(std::mem::take(&mut current));
            for t in &open {
                current.push_str(t);
            }
            len = 0;
        }
        if is_tag {
            if token.starts_with("</") {
                open.pop();
            } else {
                open.push(token.to_owned());
            }
        }
        current.push_str(token);
        len += width;
        rest = &rest[token.len()..];
    }
    pieces.push(current);
    pieces
}

/// Shortens `s` to at most `max_bytes` bytes on a character boundary.
pub fn truncate_bytes(s: &str, max_bytes: usize) -> &str {
    if s.len() <= max_bytes {
        return s;
    }
    let mut end = max_bytes;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Shortens plain text to `max` characters, with an ellipsis when cut.
pub fn ellipsize(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The HTML for a message's text and its entities (UTF-16 offsets, as Telegram sends them):
/// what the person formatted (bold, italic, links…) is kept as formatting, everything else
/// is escaped. Entities Mandi does not render (mentions, hashtags…) stay plain text.
pub fn entities_to_html(text: &str, entities: &[crate::telegram::types::MessageEntity]) -> String {
    let tag = |kind: &str| -> Option<&'static str> {
        Some(match kind {
            "bold" => "b",
            "italic" => "i",
            "underline" => "u",
            "strikethrough" => "s",
            "spoiler" => "tg-spoiler",
            "code" => "code",
            "pre" => "pre",
            "text_link" => "a",
            "blockquote" | "expandable_blockquote" => "blockquote",
            _ => return None,
        })
    };
    let mut spans: Vec<(usize, usize, &'static str, Option<&str>)> = entities
        .iter()
        .filter_map(|e| {
            let t = tag(&e.kind)?;
            let start = e.offset as usize;
            let end = start.checked_add(e.length as usize)?;
            (t != "a" || e.url.is_some()).then_some((start, end, t, e.url.as_deref()))
        })
        .collect();
    // Outer spans first where two start together.
    spans.sort_by_key(|(s, e, _, _)| (*s, usize::MAX - *e));
    let mut out = String::with_capacity(text.len() + 16);
    let mut open: Vec<(usize, &'static str)> = Vec::new();
    let mut next = 0;
    let mut pos = 0usize;
    let close_until = |out: &mut String, open: &mut Vec<(usize, &'static str)>, pos: usize| {
        while let Some((end, t)) = open.last().copied() {
            if end > pos {
                break;
            }
            out.push_str(&format!("</{t}>"));
            open.pop();
        }
    };
    for ch in text.chars() {
        close_until(&mut out, &mut open, pos);
        while let Some((start, end, t, url)) = spans.get(next).copied() {
            if start > pos {
                break;
            }
            next += 1;
            // Only properly nested spans are kept (Telegram nests formatting entities).
            if start < pos || open.last().is_some_and(|(e, _)| end > *e) || end <= start {
                continue;
            }
            match url {
                Some(u) => out.push_str(&format!("<a href=\"{}\">", escape_html(u))),
                None => out.push_str(&format!("<{t}>")),
            }
            open.push((end, t));
        }
        let mut buf = [0u8; 4];
        out.push_str(&escape_html(ch.encode_utf8(&mut buf)));
        pos += ch.len_utf16();
    }
    close_until(&mut out, &mut open, usize::MAX);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_become_formatting_and_the_rest_is_escaped() {
        use crate::telegram::types::MessageEntity;
        let e = |kind: &str, offset: u32, length: u32, url: Option<&str>| MessageEntity {
            kind: kind.into(),
            offset,
            length,
            url: url.map(str::to_owned),
        };
        // "😀 Big sale <today> at shop": 😀 is two UTF-16 units.
        let text = "😀 Big sale <today> at shop";
        let html = entities_to_html(
            text,
            &[
                e("bold", 3, 8, None),
                e("italic", 7, 4, None),
                e("text_link", 23, 4, Some("https://amazon.in/?a=1&b=2")),
                e("mention", 0, 2, None),
            ],
        );
        assert_eq!(
            html,
            "😀 <b>Big <i>sale</i></b> &lt;today&gt; at <a href=\"https://amazon.in/?a=1&amp;b=2\">shop</a>"
        );
    }

    #[test]
    fn escapes_everything_telegram_parses() {
        assert_eq!(escape_html("a<b>&\"c\""), "a&lt;b&gt;&amp;&quot;c&quot;");
    }

    #[test]
    fn visible_length_ignores_tags_and_counts_entities_once() {
        assert_eq!(visible_len("<b>ab</b> &amp; 😀"), 2 + 1 + 1 + 1 + 2);
    }

    #[test]
    fn splits_on_line_boundaries_within_the_limit() {
        let line = format!("<b>{}</b>", "x".repeat(99));
        let text = vec![line.clone(); 100].join("\n");
        let parts = split_message(&text, 4096);
        assert!(parts.len() >= 3);
        for p in &parts {
            assert!(visible_len(p) <= 4096);
            assert!(p.split('\n').all(|l| l == line), "a line was cut");
        }
        assert_eq!(parts.join("\n"), text);
    }

    #[test]
    fn cuts_a_single_over_long_line_and_keeps_tags_balanced() {
        let text = format!("<b>{}</b>", "é&amp;".repeat(5000));
        let parts = split_message(&text, 4096);
        assert!(parts.len() >= 3);
        for p in &parts {
            assert!(visible_len(p) <= 4096, "{}", visible_len(p));
            assert!(p.starts_with("<b>") && p.ends_with("</b>"));
            assert!(!p.contains("&am<") && !p.ends_with("&amp</b>"));
        }
    }

    #[test]
    fn truncation_respects_char_boundaries() {
        assert_eq!(truncate_bytes("₹₹₹", 4), "₹");
        assert_eq!(ellipsize("abcdef", 4), "abc…");
    }
}
