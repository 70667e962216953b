//! Format detection and every parser: the first byte picks the parser, the rest
//! is the input. Detection runs on the same bytes, and its choice parses them too.
#![no_main]

use culprit::format::{detect, FormatKind, LineKind, ParseCtx, Parsed, Parser};
use libfuzzer_sys::fuzz_target;

const KINDS: [FormatKind; FormatKind::BUILTIN.len()] = FormatKind::BUILTIN;

fn check(parser: &Parser, data: &[u8], ctx: &ParseCtx) {
    let mut out = Parsed::default();
    for line in data.split(|&c| c == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let kind = parser.parse(line, ctx, &mut out);
        if kind == LineKind::Record {
            // Every span a parser returns must lie inside the line it was given.
            for s in [out.host, out.service, out.msg] {
                assert!(s.is_empty() || s.end as usize <= line.len(), "span {s:?} outside line");
            }
            for f in &out.fields {
                assert!(f.value.is_empty() || f.value.end as usize <= line.len());
                let _ = f.key_bytes(line);
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else { return };
    let ctx = ParseCtx { year: 2024, ..Default::default() };
    check(&Parser::new(KINDS[sel as usize % KINDS.len()]), rest, &ctx);
    let detected = detect(rest, &ctx, &[]);
    check(&detected, rest, &ctx);
});
