//! Rules: what a line *means*. A rule says that a line is a change, an error, a
//! user-facing symptom or a success, and which subsystem it belongs to. Rules
//! are TOML files (`rules/` in the repository, compiled into the binary, then
//! `~/.config/culprit/rules/` and each `--rules DIR`).
//!
//! Matching runs inside the parallel index pass: one multi-pattern pass over a
//! record's message (and a few named fields), returning the best hit.

use crate::format::Parsed;
use serde::Serialize;
use std::path::PathBuf;

/// What a rule says a line is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleKind {
    Change,
    Error,
    Symptom,
    Success,
}

/// One loaded rule.
#[derive(Clone, Debug, Serialize)]
pub struct Rule {
    pub id: String,
    pub subsystem: String,
    pub kind: RuleKind,
    pub title: String,
    pub weight: f32,
    pub patterns: Vec<String>,
    pub source_file: String,
}

/// The compiled rule pack.
#[derive(Debug, Default)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
}

/// Sentinel for "no rule hit".
pub const NO_RULE: u32 = u32::MAX;

impl RuleSet {
    pub fn empty() -> RuleSet {
        RuleSet::default()
    }

    /// Built-in pack, then the user's config folder, then each extra folder.
    pub fn load(_extra_dirs: &[PathBuf]) -> Result<RuleSet, String> {
        Ok(RuleSet::empty())
    }

    /// The best rule hitting this record, or [`NO_RULE`].
    pub fn match_record(&self, _line: &[u8], _parsed: &Parsed) -> u32 {
        NO_RULE
    }

    pub fn get(&self, id: u32) -> Option<&Rule> {
        self.rules.get(id as usize)
    }
}
