//! Topics (what rules relate to, what lines name) and matching names in log text.

use crate::analysis::signals::SignalId;
use crate::analysis::tuning;
use crate::index::Index;

/// Topics (see `relates` in `rules/`) as bit sets: what a rule relates to, what a line names.
pub struct Topics {
    names: Vec<String>,
    words: Vec<(u64, String)>,
    by_rule: Vec<u64>,
}

impl Topics {
    /// At most 64 topics: tags past that are ignored.
    pub fn new(rules: &crate::rules::RuleSet) -> Topics {
        let mut names: Vec<String> = rules.topics.keys().cloned().collect();
        for r in &rules.rules {
            for t in &r.relates {
                if !names.contains(t) {
                    names.push(t.clone());
                }
            }
        }
        names.truncate(64);
        let bit = |t: &str| names.iter().position(|n| n == t).map(|i| 1u64 << i).unwrap_or(0);
        let words = rules
            .topics
            .iter()
            .flat_map(|(t, ws)| ws.iter().map(move |w| (t, w)))
            .map(|(t, w)| (bit(t), w.clone()))
            .filter(|(b, _)| *b != 0)
            .collect();
        let by_rule = rules.rules.iter().map(|r| r.relates.iter().fold(0, |acc, t| acc | bit(t))).collect();
        Topics { names, words, by_rule }
    }

    pub fn of_rule(&self, rule: u32) -> u64 {
        self.by_rule.get(rule as usize).copied().unwrap_or(0)
    }

    /// Topics whose words the text names (as whole words).
    pub fn of_text(&self, text: &[u8]) -> u64 {
        self.words.iter().filter(|(_, w)| mentions(text, w)).fold(0, |acc, (b, _)| acc | b)
    }

    /// Topics of a signal: its rule's relations, or for a mined template the words its text names.
    pub fn of_signal(&self, index: &Index, id: SignalId) -> u64 {
        match id {
            SignalId::Rule(r) => self.of_rule(r),
            SignalId::Pattern(p) => {
                index.templates.templates.get(p as usize).map(|t| self.of_text(t.text.as_bytes())).unwrap_or(0)
            }
        }
    }

    /// Names of the topics in a bit set, comma-separated.
    pub fn names(&self, bits: u64) -> String {
        let v: Vec<&str> =
            self.names.iter().enumerate().filter(|(i, _)| bits & (1 << i) != 0).map(|(_, n)| n.as_str()).collect();
        v.join(", ")
    }
}

/// Whether `needle` occurs in `hay` as a word (not inside a longer word, nor between underscores
/// inside an identifier), case-insensitively.
pub fn mentions(hay: &[u8], needle: &str) -> bool {
    let n = needle.as_bytes();
    if n.len() < 2 || hay.len() < n.len() {
        return false;
    }
    let is_word = |c: u8| c.is_ascii_alphanumeric();
    let mut i = 0;
    while i + n.len() <= hay.len() {
        if hay[i..i + n.len()].eq_ignore_ascii_case(n) {
            let before_ok = i == 0 || !is_word(hay[i - 1]);
            // `auth` matches `auth-service` and `auth_2`, not `authz`; `db-1` does not match `db-10`.
            let after_ok = hay.get(i + n.len()).is_none_or(|c| !is_word(*c));
            // Inside an identifier (`_SYSTEMD_UNIT`, a journal field's key) it names nothing.
            let in_identifier = i > 0 && hay[i - 1] == b'_' && hay.get(i + n.len()) == Some(&b'_');
            if before_ok && after_ok && !in_identifier {
                return true;
            }
        }
        i += 1;
    }
    false
}

/// Interned names (id, name) worth looking for in a line: at least `min_len` long, at most 4096
/// of them (a line naming thousands of hosts is not worth quadratic work).
pub(super) fn name_table(names: &[String], min_len: usize) -> Vec<(u32, &str)> {
    names
        .iter()
        .enumerate()
        .skip(1)
        .filter(|(_, n)| n.len() >= min_len)
        .take(tuning::MAX_NAMES_SEARCHED)
        .map(|(i, n)| (i as u32, n.as_str()))
        .collect()
}
