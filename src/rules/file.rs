//! The TOML rule file format and its loader. Every mistake an engineer can
//! make in a rule file (unknown key, duplicate id, bad regex, bad kind) comes
//! back as a [`RuleError`] naming the file, the line and the rule.

use super::{Examples, FieldCond, Rule, RuleKind};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use toml::Spanned;

/// A rule file as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDef {
    /// Default subsystem for the file's rules.
    subsystem: Option<String>,
    /// Topic → words: a line that names one of the words is about the topic (see `relates`).
    #[serde(default)]
    topics: BTreeMap<String, Spanned<Vec<String>>>,
    #[serde(default)]
    rules: Vec<Spanned<RuleDef>>,
    /// Words the analysis reads outside rules (see [`super::vocabulary`]).
    vocabulary: Option<Spanned<super::vocabulary::VocabularyDef>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleDef {
    id: Spanned<String>,
    subsystem: Option<String>,
    kind: Option<Spanned<String>>,
    title: Option<String>,
    weight: Option<Spanned<f64>>,
    #[serde(rename = "match", default)]
    patterns: Vec<Spanned<String>>,
    #[serde(default)]
    fields: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    disabled: bool,
    #[serde(default)]
    relates: Vec<Spanned<String>>,
    #[serde(default)]
    news_once: bool,
    #[serde(default)]
    waits: bool,
    #[serde(default)]
    at_once: bool,
    #[serde(default)]
    explains: bool,
    #[serde(default)]
    per_line: bool,
    #[serde(default)]
    opens: bool,
    examples: Option<ExamplesDef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExamplesDef {
    #[serde(rename = "match", default)]
    matching: Vec<String>,
    #[serde(default)]
    no_match: Vec<String>,
}

/// Just enough of a file to say which rule an error falls in.
#[derive(Deserialize)]
struct LooseFile {
    #[serde(default)]
    rules: Vec<Spanned<toml::Table>>,
}

/// A problem with the rules, located as precisely as the file allows.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{}", Located(.file, *.line, .rule, .msg))]
    Invalid { file: String, line: usize, rule: Option<String>, msg: String },
    #[error("{}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))]
    Several(Vec<RuleError>),
}

struct Located<'a>(&'a str, usize, &'a Option<String>, &'a str);

impl fmt::Display for Located<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Located(file, line, rule, msg) = self;
        match rule {
            Some(id) => write!(f, "{file}:{line}: rule '{id}': {msg}"),
            None => write!(f, "{file}:{line}: {msg}"),
        }
    }
}

impl RuleError {
    /// Flattens `Several` into its parts.
    pub fn into_vec(self) -> Vec<RuleError> {
        match self {
            RuleError::Several(v) => v.into_iter().flat_map(RuleError::into_vec).collect(),
            e => vec![e],
        }
    }
}

/// 1-based line of a byte offset.
pub fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|&&c| c == b'\n').count() + 1
}

/// One rule as read from a file, before the rule set compiles it. `disabled`
/// entries may omit everything but the id.
pub struct Parsed {
    pub rule: Rule,
    pub disabled: bool,
}

/// One rule file, parsed: its rules and its topic words.
pub struct ParsedFile {
    pub rules: Vec<Parsed>,
    /// Topic → words that make a line about it.
    pub topics: BTreeMap<String, Vec<String>>,
    /// `[vocabulary]` and the line it starts on.
    pub(super) vocabulary: Option<(usize, super::vocabulary::VocabularyDef)>,
}

/// A topic tag: lowercase letters, digits and `-`.
fn valid_topic(t: &str) -> bool {
    !t.is_empty() && t.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
}

/// Parses one rule file. `file` is the name errors use. `check_regexes` compiles every pattern to
/// report a bad one at its line; the built-in pack skips it (its tests compile every pattern), as
/// it is a fifth of the start-up.
pub fn parse(file: &str, text: &str, check_regexes: bool) -> Result<ParsedFile, RuleError> {
    let err = |line: usize, rule: Option<&str>, msg: String| RuleError::Invalid {
        file: file.to_string(),
        line,
        rule: rule.map(str::to_string),
        msg,
    };
    let check = |pattern: &str| if check_regexes { super::matcher::validate(pattern) } else { Ok(()) };
    let def: FileDef = match toml::from_str(text) {
        Ok(d) => d,
        Err(e) => {
            let offset = e.span().map(|s| s.start).unwrap_or(0);
            // Name the rule the error falls in, when the file is well-formed enough to tell.
            let rule = toml::from_str::<LooseFile>(text).ok().and_then(|f| {
                f.rules
                    .iter()
                    .find(|r| r.span().contains(&offset))
                    .and_then(|r| r.get_ref().get("id").and_then(|v| v.as_str()).map(str::to_string))
            });
            return Err(err(line_of(text, offset), rule.as_deref(), e.message().trim().to_string()));
        }
    };
    let mut out = Vec::with_capacity(def.rules.len());
    let mut errors = Vec::new();
    let mut topics = BTreeMap::new();
    for (name, words) in def.topics {
        let line = line_of(text, words.span().start);
        if !valid_topic(&name) {
            errors.push(err(line, None, format!("topic '{name}': a topic is lowercase letters, digits and '-'")));
            continue;
        }
        let words: Vec<String> = words.into_inner().into_iter().map(|w| w.trim().to_string()).collect();
        if let Some(w) = words.iter().find(|w| w.len() < 2) {
            errors.push(err(line, None, format!("topic '{name}': the word '{w}' is too short to mean anything")));
            continue;
        }
        topics.insert(name, words);
    }
    let vocabulary = def.vocabulary.map(|v| {
        let line = line_of(text, v.span().start);
        let v = v.into_inner();
        errors.extend(v.problems().into_iter().map(|m| err(line, None, format!("vocabulary: {m}"))));
        (line, v)
    });
    for r in def.rules {
        let line = line_of(text, r.span().start);
        let r = r.into_inner();
        let id = r.id.get_ref().trim().to_string();
        let id_line = line_of(text, r.id.span().start);
        if id.is_empty() || id.chars().any(|c| c.is_whitespace() || c.is_control()) {
            errors.push(err(id_line, Some(&id), "an id must be non-empty, without spaces".into()));
            continue;
        }
        let kind = match &r.kind {
            Some(k) => match RuleKind::from_name(k.get_ref()) {
                Some(kind) => Some(kind),
                None => {
                    errors.push(err(
                        line_of(text, k.span().start),
                        Some(&id),
                        format!("unknown kind '{}': expected change, error, symptom or success", k.get_ref()),
                    ));
                    continue;
                }
            },
            None => None,
        };
        let subsystem = r.subsystem.clone().or_else(|| def.subsystem.clone());
        if !r.disabled {
            let missing = match (&kind, &subsystem) {
                (None, _) => Some("missing `kind` (change, error, symptom or success)"),
                (_, None) => Some("missing `subsystem` (set it on the rule or at the top of the file)"),
                _ if r.patterns.is_empty() && r.fields.is_empty() => {
                    Some("a rule needs `match = [...]` or `[rules.fields]` conditions")
                }
                _ => None,
            };
            if let Some(m) = missing {
                errors.push(err(id_line, Some(&id), m.into()));
                continue;
            }
        }
        let weight = match &r.weight {
            Some(w) if !(w.get_ref().is_finite() && *w.get_ref() >= 0.0) => {
                errors.push(err(line_of(text, w.span().start), Some(&id), "weight must be a number >= 0".into()));
                continue;
            }
            Some(w) => *w.get_ref() as f32,
            None => 1.0,
        };
        let mut bad = false;
        for p in &r.patterns {
            if let Err(e) = check(p.get_ref()) {
                errors.push(err(line_of(text, p.span().start), Some(&id), format!("bad regex: {e}")));
                bad = true;
            }
        }
        let mut fields = Vec::with_capacity(r.fields.len());
        for (k, v) in &r.fields {
            if k.split('|').all(|k| k.trim().is_empty()) {
                errors.push(err(
                    line_of(text, v.span().start),
                    Some(&id),
                    "a field condition needs a field name".into(),
                ));
                bad = true;
                continue;
            }
            if let Err(e) = check(v.get_ref()) {
                errors.push(err(line_of(text, v.span().start), Some(&id), format!("bad regex for field '{k}': {e}")));
                bad = true;
            }
            fields.push(FieldCond { key: k.clone(), pattern: v.get_ref().clone() });
        }
        for t in &r.relates {
            if !valid_topic(t.get_ref()) {
                errors.push(err(
                    line_of(text, t.span().start),
                    Some(&id),
                    format!("relates: '{}' is not a topic (lowercase letters, digits and '-')", t.get_ref()),
                ));
                bad = true;
            }
        }
        if bad {
            continue;
        }
        let examples = r.examples.map(|e| Examples { matching: e.matching, no_match: e.no_match }).unwrap_or_default();
        out.push(Parsed {
            rule: Rule {
                title: r.title.clone().unwrap_or_else(|| id.clone()),
                id,
                subsystem: subsystem.unwrap_or_default(),
                kind: kind.unwrap_or(RuleKind::Error),
                weight,
                patterns: r.patterns.iter().map(|p| p.get_ref().clone()).collect(),
                fields,
                relates: r.relates.iter().map(|t| t.get_ref().clone()).collect(),
                news_once: r.news_once,
                waits: r.waits,
                at_once: r.at_once,
                explains: r.explains,
                per_line: r.per_line,
                opens: r.opens,
                source_file: file.to_string(),
                line: line as u32,
                examples,
            },
            disabled: r.disabled,
        });
    }
    match errors.len() {
        0 => Ok(ParsedFile { rules: out, topics, vocabulary }),
        1 => Err(errors.remove(0)),
        _ => Err(RuleError::Several(errors)),
    }
}
