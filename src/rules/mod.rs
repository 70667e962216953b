//! Rules: what a line *means*. A rule says that a line is a change, an error, a
//! user-facing symptom or a success, and which subsystem it belongs to. The
//! ranking weighs those kinds differently, so rules are its vocabulary.
//!
//! Rules are TOML files, stacked in this order (a later rule with the same id
//! replaces an earlier one; `disabled = true` turns it off):
//! 1. the built-in pack (`rules/*.toml`, compiled into the binary),
//! 2. `$XDG_CONFIG_HOME/culprit/rules/` (or `~/.config/culprit/rules/`),
//! 3. each `--rules DIR`, in order.
//!
//! ```toml
//! subsystem = "auth"              # default for the file's rules
//! [topics]                        # a line naming one of these words is about the topic
//! time = ["chrony", "ntp", "clock skew"]
//! [[rules]]
//! id = "auth.ssh-failed-password"
//! kind = "error"                  # change | error | symptom | success | heading
//! title = "SSH password rejected"
//! weight = 1.0                    # default 1.0; the highest-weight hit wins
//! match = ['Failed password for (?:invalid user )?(?P<user>\S+) from (?P<host>\S+)']
//! relates = ["time"]              # optional: topics its meaning touches (see below)
//! per_line = true                 # optional: decide on every line, never per message shape (see [`shape`])
//! [rules.fields]                  # all must hold, as well as one `match` pattern
//! level = "^(error|fatal)$"       # the parsed level (or a raw level field)
//! examples = { match = ["..."], no_match = ["..."] }
//! ```
//!
//! Field names: `level`, `message`, `line` (the whole line), `host`, `service`,
//! any parsed field key, or `a|b` for the first present of several keys. The
//! canonical names `status`, `path`, `method` and `user` also look under the
//! keys logs commonly use for them (`status_code`, `uri`, `http.method`, …).
//!
//! Regexes use the `regex` crate's syntax, matched byte-wise: `\w`, `\d`, `\s`,
//! `\b` and `(?i)` are ASCII unless a pattern opts in with `(?u)`. A rule with
//! several `match` patterns hits when any of them does. Named groups
//! (`(?P<user>…)`) are captured for evidence.
//!
//! Topics tie a change to the errors it explains when names do not: a token "used before
//! issued" (`relates = ["time"]`) and a clock step or an edit of `chrony.conf` (a change whose
//! line names a word of the `time` topic) are about the same thing. Topics and their words merge
//! over all files and layers; the ranking reads them (see `docs/analysis.md`).
//!
//! A file's `[vocabulary]` (see [`vocabulary`]) holds the words the analysis reads outside rules;
//! it merges over files and layers like topics.
//!
//! Matching (see [`matcher`]) runs inside the parallel index pass.

mod builtin;
mod check;
mod file;
mod literal;
pub(crate) mod matcher;
pub mod shape;
pub mod vocabulary;

pub use builtin::BUILTIN;
pub use check::{check_examples, parse_line, ExampleFailure, ParsedLine};
pub use file::{line_of, RuleError};
pub use matcher::{MatchScratch, REGEX_SIZE_LIMIT};
pub use shape::ShapeMemo;
pub use vocabulary::Vocabulary;

use crate::format::Parsed;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// What a rule says a line is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleKind {
    Change,
    Error,
    Symptom,
    Success,
    /// A line that says what the lines after it in the same file are about (a play's task, a
    /// diff's added line): not a signal itself, it names the change a later change line reports
    /// (see `analysis::rank::change_events`).
    Heading,
}

impl RuleKind {
    pub fn from_name(s: &str) -> Option<RuleKind> {
        Some(match s {
            "change" => RuleKind::Change,
            "error" => RuleKind::Error,
            "symptom" => RuleKind::Symptom,
            "success" => RuleKind::Success,
            "heading" => RuleKind::Heading,
            _ => return None,
        })
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            RuleKind::Change => "change",
            RuleKind::Error => "error",
            RuleKind::Symptom => "symptom",
            RuleKind::Success => "success",
            RuleKind::Heading => "heading",
        }
    }
}

/// A condition on a named field: the regex must match the field's value.
#[derive(Clone, Debug, Serialize)]
pub struct FieldCond {
    pub key: String,
    pub pattern: String,
}

/// Whole log lines a rule must and must not match.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Examples {
    #[serde(rename = "match")]
    pub matching: Vec<String>,
    pub no_match: Vec<String>,
}

/// One loaded rule.
#[derive(Clone, Debug, Serialize)]
pub struct Rule {
    pub id: String,
    pub subsystem: String,
    pub kind: RuleKind,
    pub title: String,
    pub weight: f32,
    /// Regexes on the message; one must match.
    pub patterns: Vec<String>,
    /// Conditions on named fields; all must hold.
    pub fields: Vec<FieldCond>,
    /// Topics the line's meaning touches beyond its subsystem (`relates = ["time"]`): an error
    /// about time (a token "used before issued") relates to a change about time (a clock step).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub relates: Vec<String>,
    /// A change kind that is news only the first time its line is seen (`news_once = true`): a cron
    /// command that ran before is a schedule, not a change.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub news_once: bool,
    /// An error that says the service waited on something else and gave up, or could not reach it
    /// (`waits = true`: a connection or request timeout, a refused database connection). When
    /// another service's new errors began first, it is their echo.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub waits: bool,
    /// A change that takes effect the moment it happens (`at_once = true`: a reload, a restart, a
    /// process start, a runtime setting). Failures that began only after minutes of healthy
    /// traffic were not started by it (see `analysis::rank::Pace`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub at_once: bool,
    /// A symptom whose line also says why (`explains = true`: a proxy's "connect() failed while
    /// connecting to upstream" names the upstream that stopped answering): its template is an
    /// error signal too, and may be the best explanation there is.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub explains: bool,
    /// Decide this rule on every line, never once per message shape (`per_line = true`): its
    /// patterns read a value the miner masks (a user name, a word inside a quoted string) in a
    /// way the loader cannot see in the pattern itself (see [`shape`]).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub per_line: bool,
    /// A heading that starts a new section of its file (`opens = true`: a play, a run): the
    /// headings above it belong to another change.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub opens: bool,
    /// Where the rule was defined (`rules/auth.toml` for the built-in pack).
    pub source_file: String,
    pub line: u32,
    pub examples: Examples,
}

/// The compiled rule pack. `Sync`: one set serves every indexing thread.
#[derive(Debug, Default)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
    /// Topic → the words that make a line about it (`[topics]` in rule files, merged over files).
    pub topics: BTreeMap<String, Vec<String>>,
    /// Words the analysis reads outside rules (`[vocabulary]` in rule files, merged over files).
    pub vocabulary: Vocabulary,
    matcher: matcher::Matcher,
    /// The pack split into patterns decided per message shape and per line, built on first use.
    shapes: std::sync::OnceLock<shape::ShapeSplit>,
    by_id: HashMap<String, u32>,
}

/// Sentinel for "no rule hit".
pub const NO_RULE: u32 = u32::MAX;
/// Rules one rule set can hold.
pub const MAX_RULES: usize = u16::MAX as usize - 1;

/// One layer of rule files: the built-in pack, the user's folder, or one `--rules` folder.
pub struct Layer {
    /// (name used in messages, contents)
    pub files: Vec<(String, String)>,
    /// The pack compiled into the binary: its regexes are known to compile.
    pub built_in: bool,
}

impl Layer {
    pub fn builtin() -> Layer {
        Layer { files: BUILTIN.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect(), built_in: true }
    }

    /// Every `*.toml` directly inside `dir` (sub-folders are not rule folders), by name;
    /// `dir` may also be a single file.
    pub fn read(dir: &Path) -> Result<Layer, RuleError> {
        let io = |e: std::io::Error| RuleError::Io { path: dir.display().to_string(), source: e };
        if dir.is_file() {
            let text = std::fs::read_to_string(dir).map_err(io)?;
            return Ok(Layer { files: vec![(dir.display().to_string(), text)], built_in: false });
        }
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(io)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "toml"))
            .collect();
        paths.sort();
        let mut files = Vec::with_capacity(paths.len());
        for p in paths {
            let text =
                std::fs::read_to_string(&p).map_err(|e| RuleError::Io { path: p.display().to_string(), source: e })?;
            files.push((p.display().to_string(), text));
        }
        Ok(Layer { files, built_in: false })
    }
}

/// The user's rule folder: `$XDG_CONFIG_HOME/culprit/rules` or `$HOME/.config/culprit/rules`.
pub fn user_dir() -> Option<PathBuf> {
    let base = match std::env::var_os("XDG_CONFIG_HOME").filter(|v| !v.is_empty()) {
        Some(x) => PathBuf::from(x),
        None => PathBuf::from(std::env::var_os("HOME").filter(|v| !v.is_empty())?).join(".config"),
    };
    Some(base.join("culprit").join("rules"))
}

impl RuleSet {
    pub fn empty() -> RuleSet {
        RuleSet::default()
    }

    /// Built-in pack, then the user's config folder (when it exists), then each extra folder.
    pub fn load(extra_dirs: &[PathBuf]) -> Result<RuleSet, RuleError> {
        let mut layers = vec![Layer::builtin()];
        if let Some(dir) = user_dir().filter(|d| d.is_dir()) {
            layers.push(Layer::read(&dir)?);
        }
        for d in extra_dirs {
            layers.push(Layer::read(d)?);
        }
        RuleSet::from_layers(&layers)
    }

    /// The built-in pack alone.
    pub fn builtin() -> Result<RuleSet, RuleError> {
        RuleSet::from_layers(&[Layer::builtin()])
    }

    /// Stacks layers: ids are unique within a layer; a later layer overrides or disables.
    pub fn from_layers(layers: &[Layer]) -> Result<RuleSet, RuleError> {
        let mut errors = Vec::new();
        let mut slots: Vec<Option<Rule>> = Vec::new();
        let mut pos: HashMap<String, usize> = HashMap::new();
        let mut topics: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut vocabulary = Vocabulary::default();
        for layer in layers {
            let mut seen: HashMap<String, (String, u32)> = HashMap::new();
            for (name, text) in &layer.files {
                let parsed = match file::parse(name, text, !layer.built_in) {
                    Ok(p) => p,
                    Err(e) => {
                        errors.extend(e.into_vec());
                        continue;
                    }
                };
                if let Some((line, v)) = parsed.vocabulary {
                    vocabulary.add(name, line, v);
                }
                for (topic, words) in parsed.topics {
                    let all = topics.entry(topic).or_default();
                    for w in words {
                        if !all.iter().any(|a| a.eq_ignore_ascii_case(&w)) {
                            all.push(w);
                        }
                    }
                }
                for p in parsed.rules {
                    let id = p.rule.id.clone();
                    if let Some((f, l)) = seen.get(&id) {
                        errors.push(RuleError::Invalid {
                            file: name.clone(),
                            line: p.rule.line as usize,
                            rule: Some(id),
                            msg: format!("duplicate id (first defined at {f}:{l})"),
                        });
                        continue;
                    }
                    seen.insert(id.clone(), (name.clone(), p.rule.line));
                    let value = if p.disabled { None } else { Some(p.rule) };
                    match pos.get(&id) {
                        Some(&i) => slots[i] = value,
                        None => {
                            pos.insert(id, slots.len());
                            slots.push(value);
                        }
                    }
                }
            }
        }
        if !errors.is_empty() {
            return Err(if errors.len() == 1 { errors.remove(0) } else { RuleError::Several(errors) });
        }
        let mut set = RuleSet::from_rules(slots.into_iter().flatten().collect())?;
        set.topics = topics;
        vocabulary.finish();
        set.vocabulary = vocabulary;
        Ok(set)
    }

    /// Compiles already-validated rules.
    pub fn from_rules(rules: Vec<Rule>) -> Result<RuleSet, RuleError> {
        // The index keeps rule numbers in 16 bits, one value kept for "no rule".
        if let Some(r) = rules.get(MAX_RULES) {
            return Err(RuleError::Invalid {
                file: r.source_file.clone(),
                line: r.line as usize,
                rule: Some(r.id.clone()),
                msg: format!("more than {MAX_RULES} rules are loaded"),
            });
        }
        let matcher = matcher::Matcher::build(&rules).map_err(|(i, msg)| {
            let r = rules.get(i);
            RuleError::Invalid {
                file: r.map(|r| r.source_file.clone()).unwrap_or_default(),
                line: r.map(|r| r.line as usize).unwrap_or(0),
                rule: r.map(|r| r.id.clone()),
                msg,
            }
        })?;
        let by_id = rules.iter().enumerate().map(|(i, r)| (r.id.clone(), i as u32)).collect();
        Ok(RuleSet {
            rules,
            matcher,
            shapes: Default::default(),
            by_id,
            topics: BTreeMap::new(),
            vocabulary: Vocabulary::default(),
        })
    }

    /// The best rule hitting this record, or [`NO_RULE`]: highest weight, then
    /// change > symptom > error > success, then file order.
    pub fn match_record(&self, line: &[u8], parsed: &Parsed) -> u32 {
        self.matcher.best(line, parsed)
    }

    /// [`RuleSet::match_record`] with a worker's scratch, which caches verdicts per
    /// distinct message: the indexing loop's entry point.
    pub fn match_record_with(&self, line: &[u8], parsed: &Parsed, scratch: &mut MatchScratch) -> u32 {
        self.matcher.best_cached(line, parsed, scratch)
    }

    /// [`RuleSet::match_record_with`] for a record whose message the miner gave chunk-local
    /// shape id `shape`: the patterns that cannot tell a shape's messages apart run once per
    /// shape (see [`shape`]). Every record of one `memo` must come from one miner.
    pub fn match_shaped(
        &self,
        line: &[u8],
        parsed: &Parsed,
        shape: u32,
        memo: &mut ShapeMemo,
        scratch: &mut MatchScratch,
    ) -> u32 {
        // A decoded message (JSON escapes undone) is not the text the miner shaped.
        if parsed.message_from_fields || parsed.decoded.is_some() {
            return self.matcher.best_cached(line, parsed, scratch);
        }
        let split = self.shapes.get_or_init(|| shape::ShapeSplit::build(&self.rules));
        let msg = parsed.message(line);
        let list = split.message_rules(msg, shape, memo);
        self.matcher.best_cached_given(line, parsed, scratch, Some(list))
    }

    /// Whether rule `rule` matches, and which of its message patterns did
    /// (`Some(None)` for a rule with field conditions only).
    pub fn check_rule(&self, rule: u32, line: &[u8], parsed: &Parsed) -> Option<Option<usize>> {
        self.matcher.check(rule, line, parsed)
    }

    /// Whether rule `rule` captures a value named `name` (`user`, `host`, …) from the lines it matches.
    pub fn names_capture(&self, rule: u32, name: &str) -> bool {
        self.matcher.names_capture(rule, name)
    }

    /// Named captures (user, host, key_id, version, …) of one rule on one record.
    pub fn captures(&self, rule: u32, line: &[u8], parsed: &Parsed) -> Vec<(String, String)> {
        self.matcher.captures(rule, line, parsed)
    }

    /// Message patterns (rule, pattern index) the literal prefilter cannot skip: each runs on every line.
    pub fn unfiltered_patterns(&self) -> Vec<(u32, usize)> {
        self.matcher.unfiltered().iter().map(|&(r, p)| (r, p as usize)).collect()
    }

    pub fn get(&self, id: u32) -> Option<&Rule> {
        self.rules.get(id as usize)
    }

    /// Rule number by id.
    pub fn find(&self, id: &str) -> Option<u32> {
        self.by_id.get(id).copied()
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

#[cfg(test)]
mod tests;
