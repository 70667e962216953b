//! Structured log lines (a JSON object, logfmt) as a person reads them:
//! `15:28:10.680 INFO auth: configuration reloaded source=/etc/auth/token.yaml alg=ES256`.
//! The message comes right after the time, level and service, so the error is on screen even
//! when the line is cut at 80 columns; every other field follows in the line's own order.
//!
//! The result is not escaped: views escape it like any log text.

use serde::de::{Deserializer, MapAccess, Visitor};

/// Keys that hold the parts shown first, in order of preference.
const TIME_KEYS: &[&str] = &["ts", "time", "timestamp", "@timestamp", "t", "date"];
const LEVEL_KEYS: &[&str] = &["level", "lvl", "severity", "levelname", "log.level"];
const SERVICE_KEYS: &[&str] = &["service", "app", "logger", "component", "source_type"];
const MESSAGE_KEYS: &[&str] = &["msg", "message"];
/// Without a message: an event name and its description (audit and deploy records), else the error.
const EVENT_KEYS: &[&str] = &["event", "action", "event_type", "type"];
const DETAIL_KEYS: &[&str] = &["summary", "description", "detail", "details"];
const ERROR_KEYS: &[&str] = &["error", "err"];
/// A field's value is cut past this many characters.
const MAX_VALUE: usize = 120;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Readable {
    pub time: Option<String>,
    pub level: Option<String>,
    pub service: Option<String>,
    pub message: Option<String>,
    /// The other fields, in the line's order.
    pub fields: Vec<(String, String)>,
}

/// The line's parts when it is a JSON object or logfmt; `None` for free text.
pub fn parse(line: &str) -> Option<Readable> {
    let t = line.trim();
    let pairs = if t.starts_with('{') { json_pairs(t)? } else { logfmt_pairs(t)? };
    let mut r = Readable::default();
    let mut rest: Vec<(String, String)> = Vec::new();
    let take = |keys: &[&str], pairs: &mut Vec<(String, String)>| -> Option<String> {
        let at = keys.iter().find_map(|k| pairs.iter().position(|(pk, _)| pk == k))?;
        Some(pairs.remove(at).1)
    };
    let mut pairs = pairs;
    r.time = take(TIME_KEYS, &mut pairs).map(|t| time_of_day(&t));
    r.level = take(LEVEL_KEYS, &mut pairs).map(|l| l.to_ascii_uppercase());
    r.service = take(SERVICE_KEYS, &mut pairs);
    r.message = take(MESSAGE_KEYS, &mut pairs).or_else(|| {
        let event = take(EVENT_KEYS, &mut pairs);
        let detail = take(DETAIL_KEYS, &mut pairs);
        match (event, detail) {
            (Some(e), Some(d)) => Some(format!("{e}: {d}")),
            (e, d) => e.or(d).or_else(|| take(ERROR_KEYS, &mut pairs)),
        }
    });
    rest.extend(pairs);
    r.fields = rest;
    Some(r)
}

/// The line rendered readably, or `None` when it is not structured.
pub fn render(line: &str) -> Option<String> {
    parse(line).map(|r| r.render())
}

impl Readable {
    pub fn render(&self) -> String {
        let mut out = String::new();
        let mut push = |s: &str| {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(s);
        };
        if let Some(t) = &self.time {
            push(t);
        }
        if let Some(l) = &self.level {
            push(l);
        }
        if let Some(s) = &self.service {
            push(&format!("{s}:"));
        }
        if let Some(m) = &self.message {
            push(m);
        }
        for (k, v) in &self.fields {
            let v = crate::text::truncate_chars(v, MAX_VALUE);
            if v.is_empty() || v.contains([' ', '"', '=']) {
                push(&format!("{k}={v:?}"));
            } else {
                push(&format!("{k}={v}"));
            }
        }
        out
    }
}

/// `2024-01-22T15:28:10.680Z` → `15:28:10.680`: the date is in the view's header already.
fn time_of_day(t: &str) -> String {
    match t.split_once(['T', ' ']) {
        Some((date, time)) if date.len() == 10 && date.as_bytes()[4] == b'-' => time.trim_end_matches('Z').to_string(),
        _ => t.to_string(),
    }
}

/// A JSON object's top-level members in order, values as text (strings unquoted, the rest as JSON).
fn json_pairs(t: &str) -> Option<Vec<(String, String)>> {
    struct Pairs;
    impl<'de> Visitor<'de> for Pairs {
        type Value = Vec<(String, String)>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some((k, v)) = map.next_entry::<String, serde_json::Value>()? {
                let v = match v {
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                };
                out.push((k, v));
            }
            Ok(out)
        }
    }
    let mut de = serde_json::Deserializer::from_str(t);
    de.deserialize_map(Pairs).ok()
}

/// `key=value key="quoted value"` pairs; `None` unless the line is made of them.
fn logfmt_pairs(t: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut rest = t;
    while !rest.is_empty() {
        let eq = rest.find('=')?;
        let key = &rest[..eq];
        if key.is_empty() || key.contains([' ', '"']) {
            return None;
        }
        rest = &rest[eq + 1..];
        let value;
        if let Some(q) = rest.strip_prefix('"') {
            // A quoted value ends at the first unescaped quote.
            let mut end = None;
            let mut escaped = false;
            for (i, c) in q.char_indices() {
                match c {
                    '\\' if !escaped => escaped = true,
                    '"' if !escaped => {
                        end = Some(i);
                        break;
                    }
                    _ => escaped = false,
                }
            }
            let end = end?;
            value = q[..end].replace("\\\"", "\"");
            rest = &q[end + 1..];
        } else {
            let end = rest.find(' ').unwrap_or(rest.len());
            value = rest[..end].to_string();
            rest = &rest[end..];
        }
        out.push((key.to_string(), value));
        rest = rest.trim_start();
    }
    (out.len() >= 2).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_message_first_then_fields_in_order() {
        let line = r#"{"ts":"2024-01-22T15:30:34.120Z","level":"error","service":"auth","host":"auth-2","msg":"token generation failed: jws: signing key \"auth-2024-01\" not found","request_id":"ab12","status":500}"#;
        assert_eq!(
            render(line).unwrap(),
            r#"15:30:34.120 ERROR auth: token generation failed: jws: signing key "auth-2024-01" not found host=auth-2 request_id=ab12 status=500"#
        );
    }

    #[test]
    fn audit_records_say_event_and_summary() {
        let line = r#"{"time":"2024-01-22T15:28:07.412Z","event":"config.applied","change_id":"CHG-4411","target":"auth-2","summary":"key id a -> b"}"#;
        assert_eq!(
            render(line).unwrap(),
            "15:28:07.412 config.applied: key id a -> b change_id=CHG-4411 target=auth-2"
        );
        let line = r#"{"level":"error","msg":"request failed","error":"connection refused"}"#;
        assert_eq!(render(line).unwrap(), r#"ERROR request failed error="connection refused""#);
    }

    #[test]
    fn logfmt_with_quotes() {
        let line = r#"time=2024-01-22T15:31:00Z level=warn msg="retry in 5s" attempt=3 url="http://x/?a=b""#;
        assert_eq!(render(line).unwrap(), r#"15:31:00 WARN retry in 5s attempt=3 url="http://x/?a=b""#);
    }

    #[test]
    fn free_text_is_left_alone() {
        assert_eq!(render("2024-01-22 15:30:01 ERROR disk full"), None);
        assert_eq!(render("a=b"), None, "one pair is not enough to call a line logfmt");
        assert_eq!(render("{not json"), None);
        assert_eq!(render("GET /x?a=b c=d"), None);
    }
}
