//! Example lines: every rule carries whole log lines it must and must not
//! match. They go through format detection and the parser first, exactly as
//! indexed lines do, so field conditions work on JSON or access-log examples.

use super::RuleSet;
use crate::format::{self, FormatKind, LineKind, ParseCtx, Parsed, Span};

/// A single line after detection and parsing.
pub struct ParsedLine {
    pub format: FormatKind,
    pub kind: LineKind,
    pub parsed: Parsed,
}

/// Detects the format of one line and parses it. A line no parser claims is
/// still matched: its message is the whole line.
pub fn parse_line(line: &[u8]) -> ParsedLine {
    let ctx = ParseCtx { year: 2024, ..ParseCtx::default() };
    let parser = format::detect(line, &ctx, &[]);
    let mut parsed = Parsed::default();
    let kind = parser.parse(line, &ctx, &mut parsed);
    if kind != LineKind::Record {
        parsed.clear();
        parsed.msg = Span::new(0, line.len());
    } else if parsed.msg.is_empty() {
        parsed.msg = Span::new(0, line.len());
    }
    ParsedLine { format: parser.kind, kind, parsed }
}

/// An example that did not behave.
#[derive(Debug)]
pub struct ExampleFailure {
    pub file: String,
    pub line: u32,
    pub rule: String,
    /// True for a `match` example that did not match.
    pub expected_match: bool,
    pub example: String,
    /// For a vocabulary example: what it should do and did not.
    pub expected: Option<String>,
}

impl std::fmt::Display for ExampleFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(expected) = &self.expected {
            let example = crate::text::escape_str(&self.example);
            return write!(f, "{}:{}: vocabulary: example {example}: expected it {expected}", self.file, self.line);
        }
        let what = if self.expected_match { "should match but does not" } else { "should not match but does" };
        write!(
            f,
            "{}:{}: rule '{}': example {what}: {}",
            self.file,
            self.line,
            self.rule,
            crate::text::escape_str(&self.example)
        )
    }
}

/// Runs every rule's examples against that rule, and the vocabulary's examples against the
/// merged vocabulary. Also fails a rule that has no example of either kind, since the pack
/// promises both.
pub fn check_examples(set: &RuleSet, require_both: bool) -> Vec<ExampleFailure> {
    let mut out = Vec::new();
    for (i, rule) in set.rules.iter().enumerate() {
        let fail = |expected_match: bool, example: &str| ExampleFailure {
            file: rule.source_file.clone(),
            line: rule.line,
            rule: rule.id.clone(),
            expected_match,
            example: example.to_string(),
            expected: None,
        };
        if require_both && (rule.examples.matching.is_empty() || rule.examples.no_match.is_empty()) {
            out.push(fail(
                rule.examples.matching.is_empty(),
                "(missing: each rule needs a match and a no_match example)",
            ));
        }
        for ex in &rule.examples.matching {
            let p = parse_line(ex.as_bytes());
            if set.check_rule(i as u32, ex.as_bytes(), &p.parsed).is_none() {
                out.push(fail(true, ex));
            }
        }
        for ex in &rule.examples.no_match {
            let p = parse_line(ex.as_bytes());
            if set.check_rule(i as u32, ex.as_bytes(), &p.parsed).is_some() {
                out.push(fail(false, ex));
            }
        }
    }
    for (file, line, text, expected) in set.vocabulary.failing_examples() {
        out.push(ExampleFailure {
            file,
            line: line as u32,
            rule: "vocabulary".into(),
            expected_match: true,
            example: text,
            expected: Some(expected),
        });
    }
    out
}
