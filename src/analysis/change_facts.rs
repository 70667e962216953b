//! What a change line says, for the one-line answer: its ticket, its own words untruncated, the
//! settings it moved (old → new), the hosts each of its lines touched, and when it began.
//!
//! Settings are read from the shapes people and tools write a change in, whatever the setting:
//! `name OLD -> NEW` (also `→`, `=>`, `from OLD to NEW`), `name changed to NEW`, and structured
//! `old`/`new` field pairs.

use super::rank::{self, ChangeEvent};
use crate::findings::{ChangeFacts, SettingChange};
use crate::index::Index;
use regex::Regex;
use std::sync::OnceLock;

/// The facts of the change whose first line is `trigger`, gathered over every line of it.
pub fn facts(index: &Index, changes: &[ChangeEvent], trigger: &ChangeEvent) -> ChangeFacts {
    let (what, mut settings) = change_text(index, trigger.rec);
    if settings.is_empty() {
        settings = setting_changes(&what);
    }
    let mut hosts: Vec<String> = rank::host_names(
        index,
        changes.iter().filter(|c| c.rec == trigger.rec || c.same_change(trigger)).flat_map(|c| c.hosts()),
    );
    hosts.sort();
    hosts.dedup();
    let sorted: Vec<String> = crate::text::sorted_hosts(&hosts).into_iter().map(str::to_string).collect();
    ChangeFacts {
        id: rank::change_id(index.record_bytes(trigger.rec as usize)),
        what,
        settings,
        hosts: sorted,
        at: trigger.ts,
    }
}

/// Keys whose value describes a change in words.
const DETAIL_KEYS: &[&[u8]] =
    &[b"summary", b"detail", b"details", b"description", b"change", b"comment", b"reason", b"message", b"msg"];
/// Key pairs that hold a setting's old and new value, and the keys that name the setting.
const OLD_NEW_KEYS: &[(&[u8], &[u8])] = &[
    (b"old", b"new"),
    (b"old_value", b"new_value"),
    (b"oldValue", b"newValue"),
    (b"from", b"to"),
    (b"previous", b"current"),
    (b"before", b"after"),
];
const SETTING_KEYS: &[&[u8]] = &[b"setting", b"parameter", b"param", b"key", b"name", b"field", b"option"];

/// The line's description of the change (a detail field of a structured line, else its
/// message, else the line), escaped, and any setting its fields give as old/new values.
fn change_text(index: &Index, rec: u32) -> (String, Vec<SettingChange>) {
    let i = rec as usize;
    let line = index.first_line(i);
    let parser = &index.parsers[index.records.source(i) as usize];
    let mut p = crate::format::Parsed::default();
    parser.parse(line, &crate::format::ParseCtx::default(), &mut p);
    let text = |b: &[u8]| crate::text::escape(b).trim().to_string();
    let detail = DETAIL_KEYS.iter().find_map(|k| p.field(line, k)).filter(|v| v.contains(&b' '));
    let what = match detail {
        Some(d) => text(d),
        None if !p.msg.is_empty() => text(p.msg.get(line)),
        None => text(line),
    };
    let mut settings = Vec::new();
    for (old_key, new_key) in OLD_NEW_KEYS {
        if let (Some(old), Some(new)) = (p.field(line, old_key), p.field(line, new_key)) {
            let name = SETTING_KEYS.iter().find_map(|k| p.field(line, k)).map(text).unwrap_or_default();
            settings.push(SettingChange { name, old: Some(text(old)), new: text(new) });
        }
    }
    (what, settings)
}

/// Settings a change's words say moved, in their order.
pub fn setting_changes(text: &str) -> Vec<SettingChange> {
    static ARROW: OnceLock<Regex> = OnceLock::new();
    static FROM_TO: OnceLock<Regex> = OnceLock::new();
    static BECAME: OnceLock<Regex> = OnceLock::new();
    // `key id auth-2023-11 -> auth-2024-01`, `pool size from 10 to 40`: the words before the old
    // value (after the last `: `) name the setting.
    let arrow = ARROW.get_or_init(|| {
        Regex::new(r#"(?P<name>[\p{L}_][\p{L}\p{N}_.\- ]*?)\s+"?(?P<old>[^\s",;]+?)"?\s*(?:->|→|=>)\s*"?(?P<new>[^\s",;]+?)"?(?:[\s",;)]|$)"#)
            .expect("static regex")
    });
    let from_to = FROM_TO.get_or_init(|| {
        Regex::new(r#"(?P<name>[\p{L}_][\p{L}\p{N}_.\- ]*?)\s+from\s+"?(?P<old>[^\s",;]+?)"?\s+to\s+"?(?P<new>[^\s",;]+?)"?(?:[\s",;)]|$)"#)
            .expect("static regex")
    });
    // `parameter "work_mem" changed to "64MB"`, `max_connections set to 500`.
    let became = BECAME.get_or_init(|| {
        Regex::new(r#""?(?P<name>[\p{L}_][\p{L}\p{N}_.\-]*)"?\s+(?:changed|set|updated)\s+to\s+"?(?P<new>[^\s",;]+?)"?(?:[\s",;)]|$)"#)
            .expect("static regex")
    });
    let mut out = Vec::new();
    // Clauses one setting each: `key id a -> b, algorithm c -> d`.
    for clause in text.split([',', ';']) {
        let clause = clause.rsplit(": ").next().unwrap_or(clause);
        if let Some(c) = arrow.captures(clause).or_else(|| from_to.captures(clause)) {
            out.push(SettingChange {
                name: c["name"].trim().to_string(),
                old: Some(c["old"].to_string()),
                new: c["new"].to_string(),
            });
        } else if let Some(c) = became.captures(clause) {
            out.push(SettingChange { name: c["name"].to_string(), old: None, new: c["new"].to_string() });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moved(text: &str) -> Vec<(String, Option<String>, String)> {
        setting_changes(text).into_iter().map(|s| (s.name, s.old, s.new)).collect()
    }

    fn s(x: &str) -> String {
        x.to_string()
    }

    #[test]
    fn arrows_and_clauses() {
        assert_eq!(
            moved("token signing: key id auth-2023-11 -> auth-2024-01, algorithm RS256 -> ES256"),
            vec![
                (s("key id"), Some(s("auth-2023-11")), s("auth-2024-01")),
                (s("algorithm"), Some(s("RS256")), s("ES256"))
            ]
        );
        assert_eq!(
            moved("work_mem 32MB -> 64MB for reporting queries"),
            vec![(s("work_mem"), Some(s("32MB")), s("64MB"))]
        );
        assert_eq!(moved("pool size from 10 to 40"), vec![(s("pool size"), Some(s("10")), s("40"))]);
        assert_eq!(moved("replicas 3 → 1"), vec![(s("replicas"), Some(s("3")), s("1"))]);
    }

    #[test]
    fn only_the_new_value() {
        assert_eq!(moved(r#"parameter "work_mem" changed to "64MB""#), vec![(s("work_mem"), None, s("64MB"))]);
    }

    #[test]
    fn words_without_a_setting() {
        assert!(moved("auth 3.9.2 hotfix: token signer falls back to previous key id").is_empty());
        assert!(moved("rollback to previous configuration").is_empty());
        assert!(moved("payments: refund webhook retries").is_empty());
    }
}
