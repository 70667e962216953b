//! Format detection: try every parser on the first lines of an input and keep
//! the one that understands the most of them (with timestamps).

use super::{FormatKind, LineKind, ParseCtx, Parsed, Parser};

/// How many leading lines detection looks at.
const SNIFF_LINES: usize = 64;

/// Picks the parser that best explains the first lines of `data`.
pub fn detect(data: &[u8], ctx: &ParseCtx) -> Parser {
    let lines: Vec<&[u8]> = data
        .split(|&c| c == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !l.is_empty())
        .take(SNIFF_LINES)
        .collect();
    if lines.is_empty() {
        return Parser::new(FormatKind::Unknown);
    }
    // Most specific first: ties go to the earlier candidate.
    let candidates = [FormatKind::JsonLines, FormatKind::Syslog, FormatKind::Generic];
    let mut best = (Parser::new(FormatKind::Unknown), 0usize);
    let mut parsed = Parsed::default();
    for kind in candidates {
        let parser = Parser::new(kind);
        let score = lines
            .iter()
            .filter(|l| {
                let k = parser.parse(l, ctx, &mut parsed);
                k == LineKind::Record && parsed.ts != crate::time::NO_TIME
            })
            .count();
        if score > best.1 {
            best = (parser, score);
        }
    }
    best.0
}
