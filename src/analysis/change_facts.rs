//! What a change line says, for the one-line answer: its ticket, its own words untruncated, the
//! settings it moved (old → new), the hosts each of its lines touched, and when it began.
//!
//! Settings are read from the shapes people and tools write a change in, whatever the setting:
//! `name OLD -> NEW` (also `→`, `=>`, `from OLD to NEW`), `name changed to NEW`, and structured
//! `old`/`new` field pairs.

use super::rank::{self, ChangeEvent};
use crate::findings::{ChangeFacts, SettingChange};
use crate::index::Index;

/// The facts of the change whose first line is `trigger`, gathered over every line of it.
pub fn facts(index: &Index, changes: &[ChangeEvent], trigger: &ChangeEvent) -> ChangeFacts {
    let (what, mut settings) = change_text(index, trigger.rec);
    if settings.is_empty() {
        settings = setting_changes(index, &what);
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

/// Settings a change's words say moved, in their order, by the shapes of the rule pack's
/// vocabulary (`setting_shapes`).
pub fn setting_changes(index: &Index, text: &str) -> Vec<SettingChange> {
    index
        .rules
        .vocabulary
        .settings_moved(text)
        .into_iter()
        .map(|(name, old, new)| SettingChange { name, old, new })
        .collect()
}
