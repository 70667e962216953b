//! The fallback: any line whose first few tokens hold a recognisable timestamp.
//! The level is the first level word near the start, else a keyword guess.

use super::{level_from_word, Level, LineKind, ParseCtx, Parsed, Span};
use crate::time::{parse_epoch_digits, parse_iso};

/// Where in the line a source's timestamps were found when the format was detected.
#[derive(Clone, Debug, Default)]
pub struct Layout {
    /// Byte offset where the timestamp usually starts (a hint; the parser still scans).
    pub offset_hint: usize,
}

/// Finds a timestamp in the first bytes of the line: (ts, start, end).
pub fn find_timestamp(line: &[u8], ctx: &ParseCtx, hint: usize) -> Option<(i64, usize, usize)> {
    let try_at = |pos: usize| -> Option<(i64, usize, usize)> {
        let b = &line[pos..];
        if let Some(st) = parse_iso(b, 0) {
            return Some((st.resolve(&ctx.zone), pos, pos + st.len));
        }
        if let Some((naive, used)) = super::syslog::parse_bsd_stamp(b, ctx.year) {
            return Some((ctx.zone.to_utc(naive), pos, pos + used));
        }
        let end = b.iter().position(|c| !c.is_ascii_digit() && *c != b'.').unwrap_or(b.len());
        if end >= 9 {
            if let Some(ms) = parse_epoch_digits(&b[..end]) {
                return Some((ms, pos, pos + end));
            }
        }
        None
    };
    if hint < line.len() {
        if let Some(found) = try_at(hint) {
            return Some(found);
        }
    }
    let limit = line.len().min(64);
    let mut pos = 0;
    while pos < limit {
        if pos == 0 || matches!(line[pos - 1], b' ' | b'[' | b'(' | b'|' | b'"' | b'\t') {
            if let Some(found) = try_at(pos) {
                return Some(found);
            }
        }
        pos += 1;
    }
    None
}

pub fn parse(layout: &Layout, line: &[u8], ctx: &ParseCtx, out: &mut Parsed) -> LineKind {
    let Some((ts, _start, end)) = find_timestamp(line, ctx, layout.offset_hint) else {
        return LineKind::Unparsed;
    };
    out.ts = ts;
    let mut msg_start = end;
    // A level word among the next few tokens (`INFO`, `[error]`, `E`).
    let mut pos = end;
    for _ in 0..3 {
        while pos < line.len() && matches!(line[pos], b' ' | b'\t' | b'[' | b']' | b'|' | b':' | b',') {
            pos += 1;
        }
        let word_end = line[pos..]
            .iter()
            .position(|&c| matches!(c, b' ' | b'\t' | b']' | b'|' | b':' | b','))
            .map(|i| pos + i)
            .unwrap_or(line.len());
        if word_end > pos {
            if let Some(l) = level_from_word(&line[pos..word_end]) {
                if word_end - pos > 1 || line.get(word_end) == Some(&b' ') {
                    out.level = l;
                    msg_start = word_end;
                    break;
                }
            }
        }
        pos = word_end;
    }
    while msg_start < line.len() && matches!(line[msg_start], b' ' | b'\t' | b']' | b':' | b'|') {
        msg_start += 1;
    }
    out.msg = Span::new(msg_start, line.len());
    if out.level == Level::Unknown {
        out.level = keyword_level(&line[msg_start..]);
    }
    LineKind::Record
}

/// Level from tell-tale words when a line has no level field.
pub fn keyword_level(msg: &[u8]) -> Level {
    use std::sync::OnceLock;
    static AC: OnceLock<aho_corasick::AhoCorasick> = OnceLock::new();
    let ac = AC.get_or_init(|| {
        aho_corasick::AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .build([
                "panic",
                "fatal",
                "out of memory",
                "segfault",
                "error",
                "failed",
                "failure",
                "refused",
                "timed out",
                "timeout",
                "denied",
                "unable to",
                "cannot",
                "exception",
                "warning",
            ])
            .expect("static keyword automaton")
    });
    let mut best = Level::Unknown;
    for m in ac.find_iter(msg) {
        let l = match m.pattern().as_usize() {
            0..=3 => Level::Fatal,
            4..=13 => Level::Error,
            _ => Level::Warn,
        };
        best = best.max(l);
        if best == Level::Fatal {
            break;
        }
    }
    if best == Level::Unknown {
        Level::Info
    } else {
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::civil_to_millis;

    #[test]
    fn level_after_stamp() {
        let ctx = ParseCtx::default();
        let mut p = Parsed::default();
        let line = b"2015-10-18 18:01:47,978 ERROR [main] org.apache.Foo: boom";
        assert_eq!(parse(&Layout::default(), line, &ctx, &mut p), LineKind::Record);
        assert_eq!(p.ts, civil_to_millis(2015, 10, 18, 18, 1, 47, 978));
        assert_eq!(p.level, Level::Error);
        let line = b"[2024-01-22 15:30:01] connection refused by upstream";
        assert_eq!(parse(&Layout::default(), line, &ctx, &mut p), LineKind::Record);
        assert_eq!(p.level, Level::Error);
    }
}
