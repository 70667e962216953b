//! Hostile text: log lines are written by software in trouble and sometimes by
//! attackers (an sshd username is attacker-chosen). Everything taken from a log
//! passes through [`escape`] before it reaches a terminal or a text/markdown
//! report, so escape sequences (`ESC ] 0;title BEL`, `ESC [ 2 J`, OSC 52),
//! C0/C1 controls and bidi overrides are shown, never obeyed.

use std::borrow::Cow;
use std::path::Path;

/// Whether a char must not reach a terminal raw.
#[inline]
pub fn is_dangerous(c: char) -> bool {
    let u = c as u32;
    u < 0x20 && c != '\t'
        || u == 0x7f
        || (0x80..=0x9f).contains(&u)
        // Bidi embeddings/overrides/isolates and marks that reorder what is shown.
        || (0x202a..=0x202e).contains(&u)
        || (0x2066..=0x2069).contains(&u)
        // Zero-width spaces, joiners and marks (LRM, RLM), line and paragraph separators,
        // invisible operators, deprecated format controls, the byte-order mark, ALM.
        || (0x200b..=0x200f).contains(&u)
        || (0x2028..=0x2029).contains(&u)
        || (0x2060..=0x2064).contains(&u)
        || (0x206a..=0x206f).contains(&u)
        || u == 0xfeff
        || u == 0x061c
}

/// Lossy-decodes bytes and replaces every dangerous char with a visible escape
/// (`\x1b`, `\u{202e}`). Tabs become a space so columns stay aligned.
pub fn escape(bytes: &[u8]) -> Cow<'_, str> {
    let s = String::from_utf8_lossy(bytes);
    if !s.chars().any(|c| is_dangerous(c) || c == '\t') {
        return s;
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        push_escaped(&mut out, c);
    }
    Cow::Owned(out)
}

/// [`escape`] for text that is already a `str`.
pub fn escape_str(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| is_dangerous(c) || c == '\t') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        push_escaped(&mut out, c);
    }
    Cow::Owned(out)
}

fn push_escaped(out: &mut String, c: char) {
    use std::fmt::Write;
    if c == '\t' {
        out.push(' ');
    } else if !is_dangerous(c) {
        out.push(c);
    } else if (c as u32) < 0x100 {
        let _ = write!(out, "\\x{:02x}", c as u32);
    } else {
        let _ = write!(out, "\\u{{{:04x}}}", c as u32);
    }
}

/// A path made safe to print.
pub fn escape_path(p: &Path) -> String {
    escape(p.as_os_str().as_encoded_bytes()).into_owned()
}

/// Cuts a string to at most `max` chars, marking the cut with `…`.
pub fn truncate_chars(s: &str, max: usize) -> Cow<'_, str> {
    if s.chars().count() <= max {
        return Cow::Borrowed(s);
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    Cow::Owned(out)
}

/// `1 record`, `12,840 records`.
pub fn counted(n: u64, noun: &str) -> String {
    format!("{} {noun}{}", thousands(n), if n == 1 { "" } else { "s" })
}

/// Host names in natural order (`auth-2` before `auth-10`), for display.
pub fn sorted_hosts(hosts: &[String]) -> Vec<&str> {
    // Digits compare as numbers, the rest as text.
    fn key(s: &str) -> Vec<(String, u64)> {
        let mut out = Vec::new();
        let mut text = String::new();
        let mut chars = s.chars().peekable();
        while let Some(c) = chars.next() {
            if c.is_ascii_digit() {
                let mut n = c.to_digit(10).map_or(0, u64::from);
                while let Some(d) = chars.peek().and_then(|d| d.to_digit(10)) {
                    n = n.saturating_mul(10).saturating_add(u64::from(d));
                    chars.next();
                }
                out.push((std::mem::take(&mut text), n));
            } else {
                text.push(c);
            }
        }
        out.push((text, 0));
        out
    }
    let mut v: Vec<&str> = hosts.iter().map(String::as_str).collect();
    v.sort_by_cached_key(|h| key(h));
    v
}

/// `12840` → `12,840`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `TERM=dumb`: a terminal that can neither colour nor move the cursor (Emacs shells, some CI logs).
pub fn is_dumb_terminal(term: Option<&std::ffi::OsStr>) -> bool {
    term.is_some_and(|t| t == "dumb")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neutralises_terminal_attacks() {
        let evil = b"user \x1b]0;pwned\x07 \x1b[2J \xc2\x9b31m \xe2\x80\xae gnp.exe \x1b]52;c;Zm9v\x07";
        let out = escape(evil);
        assert!(!out.contains('\x1b'));
        assert!(!out.contains('\x07'));
        assert!(!out.contains('\u{9b}'));
        assert!(!out.contains('\u{202e}'));
        assert!(out.contains("\\x1b]0;pwned\\x07"));
        assert!(out.contains("\\u{202e}"));
    }

    #[test]
    fn clean_text_is_borrowed() {
        assert!(matches!(escape(b"plain line"), Cow::Borrowed(_)));
        assert_eq!(escape(b"bad \xff utf8"), "bad \u{fffd} utf8");
    }
}
