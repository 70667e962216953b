//! JSON lines: the JSON parser and the PostgreSQL jsonlog parser on each line.
#![no_main]

use culprit::format::{FormatKind, ParseCtx, Parsed, Parser};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let ctx = ParseCtx { year: 2024, ..Default::default() };
    let mut out = Parsed::default();
    for kind in [FormatKind::JsonLines, FormatKind::PostgresJson] {
        let parser = Parser::new(kind);
        for line in data.split(|&c| c == b'\n') {
            parser.parse(line, &ctx, &mut out);
            for s in [out.host, out.service, out.msg] {
                assert!(s.is_empty() || s.end as usize <= line.len());
            }
        }
    }
});
