//! Column layout for the text report: display widths, word wrap with a
//! hanging indent, truncation. Input is already escaped (no control chars),
//! so width is the sum of Unicode display widths.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// Cuts `s` to at most `max` columns, marking the cut with `…`.
pub fn truncate(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    let mut out = String::new();
    let mut w = 0;
    for c in s.chars() {
        let cw = c.width().unwrap_or(0);
        if w + cw + 1 > max {
            break;
        }
        out.push(c);
        w += cw;
    }
    out.push('…');
    out
}

/// Greedy word wrap: the first line starts with `first` (e.g. `  - `), the
/// others with `rest` (spaces of the same width); no line exceeds `max`
/// columns. A word longer than a line is broken between chars.
pub fn wrap(text: &str, first: &str, rest: &str, max: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = first.to_string();
    let mut line_w = width(first);
    let mut empty = true;
    let rest_w = width(rest);
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let ww = width(word);
        if !empty && line_w + 1 + ww <= max {
            line.push(' ');
            line.push_str(word);
            line_w += 1 + ww;
            continue;
        }
        if !empty {
            lines.push(std::mem::replace(&mut line, rest.to_string()));
            line_w = rest_w;
        }
        // Break a word that cannot fit on any line.
        let mut word = word;
        while line_w + width(word) > max && max > line_w {
            let (head, tail) = split_at_width(word, max - line_w);
            if head.is_empty() {
                break;
            }
            line.push_str(head);
            lines.push(std::mem::replace(&mut line, rest.to_string()));
            line_w = rest_w;
            word = tail;
        }
        line.push_str(word);
        line_w += width(word);
        empty = false;
    }
    if !empty || lines.is_empty() {
        lines.push(line);
    }
    lines
}

fn split_at_width(s: &str, max: usize) -> (&str, &str) {
    let mut w = 0;
    for (i, c) in s.char_indices() {
        let cw = c.width().unwrap_or(0);
        if w + cw > max {
            return s.split_at(i);
        }
        w += cw;
    }
    (s, "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_with_hanging_indent_and_never_exceeds_width() {
        let text = "the change on auth-2 and auth-3 came 14s before the login failures began there";
        let lines = wrap(text, "  - ", "    ", 30);
        assert!(lines.len() > 2);
        assert!(lines[0].starts_with("  - the"));
        assert!(lines[1..].iter().all(|l| l.starts_with("    ") && !l.starts_with("     ")));
        assert!(lines.iter().all(|l| width(l) <= 30), "{lines:?}");
        let joined: Vec<&str> = lines.iter().flat_map(|l| l.split_whitespace()).collect();
        assert_eq!(joined.join(" "), format!("- {text}"));
    }

    #[test]
    fn breaks_overlong_words() {
        let long = "x".repeat(50);
        let lines = wrap(&long, "ab ", "   ", 20);
        assert!(lines.iter().all(|l| width(l) <= 20), "{lines:?}");
        assert_eq!(lines.iter().map(|l| l.trim_start_matches("ab ").trim()).collect::<String>(), long);
    }

    #[test]
    fn truncates_by_display_width() {
        assert_eq!(truncate("short", 10), "short");
        assert_eq!(truncate("abcdefghij", 5), "abcd…");
        let wide = "日本語のログ行です";
        let t = truncate(wide, 7);
        assert!(width(&t) <= 7, "{t}");
        assert!(t.ends_with('…'));
    }

    #[test]
    fn empty_text_yields_the_prefix() {
        assert_eq!(wrap("", "  - ", "    ", 80), vec!["  - ".to_string()]);
    }
}
