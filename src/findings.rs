//! Findings: the one plain data structure that analysis produces and every view
//! formats. The JSON report *is* this structure (schema `culprit.findings/1`,
//! documented in `docs/findings.md`). Times are UTC milliseconds in memory and
//! RFC 3339 strings on the wire.

use crate::time::Millis;
use serde::{Deserialize, Serialize};

pub const SCHEMA: &str = "culprit.findings/1";

/// Serde for `Millis` as RFC 3339 UTC strings.
pub mod rfc3339_ms {
    use crate::time::Millis;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(ms: &Millis, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::time::rfc3339(*ms))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Millis, D::Error> {
        let s = String::deserialize(d)?;
        chrono::DateTime::parse_from_rfc3339(&s)
            .map(|t| t.timestamp_millis())
            .map_err(|e| serde::de::Error::custom(format!("bad RFC 3339 time '{s}': {e}")))
    }

    pub mod option {
        use super::*;
        pub fn serialize<S: Serializer>(ms: &Option<Millis>, s: S) -> Result<S::Ok, S::Error> {
            match ms {
                Some(ms) => super::serialize(ms, s),
                None => s.serialize_none(),
            }
        }
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Millis>, D::Error> {
            let s: Option<String> = Option::deserialize(d)?;
            s.map(|s| {
                chrono::DateTime::parse_from_rfc3339(&s)
                    .map(|t| t.timestamp_millis())
                    .map_err(|e| serde::de::Error::custom(format!("bad RFC 3339 time '{s}': {e}")))
            })
            .transpose()
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Findings {
    pub schema: String,
    pub inputs: Vec<InputSummary>,
    pub incident: Option<Incident>,
    pub causes: Vec<Cause>,
    pub timeline: Vec<TimelineEntry>,
    /// One sentence a responder can act on ("likely cause: …", or "no likely cause: …").
    pub summary: String,
    /// Inputs skipped or damaged, and other things the reader should know.
    #[serde(default)]
    pub notices: Vec<String>,
    /// Rates per subsystem over the whole span, for charts.
    #[serde(default)]
    pub charts: Vec<Series>,
    /// Mined templates with their rates, most frequent first.
    #[serde(default)]
    pub patterns: Vec<PatternStat>,
    /// The change behind the likely cause, as its own line states it (absent when the likely
    /// cause is not a change, or there is none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<ChangeFacts>,
}

/// What a change line says: its ticket, its words, the settings it moved, where and when.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ChangeFacts {
    /// `CHG-4411`, when the line names a ticket.
    pub id: Option<String>,
    /// The line's own description of the change, untruncated.
    pub what: String,
    /// Settings the line says moved, in its order.
    #[serde(default)]
    pub settings: Vec<SettingChange>,
    /// Every host the change was applied to (each of its lines), in natural order.
    #[serde(default)]
    pub hosts: Vec<String>,
    /// Its first line's time.
    #[serde(with = "rfc3339_ms")]
    pub at: Millis,
}

/// `algorithm RS256 -> ES256`: one setting's old and new value (old unknown when the line
/// only says what it became, as in `parameter "work_mem" changed to "64MB"`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SettingChange {
    pub name: String,
    pub old: Option<String>,
    pub new: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct InputSummary {
    pub path: String,
    pub format: String,
    pub records: u64,
    pub unparsed: u64,
    #[serde(with = "rfc3339_ms::option")]
    pub first: Option<Millis>,
    #[serde(with = "rfc3339_ms::option")]
    pub last: Option<Millis>,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum WindowSource {
    Auto,
    Flag,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Incident {
    /// Start of the analysed incident window (the onset, or the flag's start).
    #[serde(with = "rfc3339_ms")]
    pub start: Millis,
    /// When the user-facing symptom departed from its baseline.
    #[serde(with = "rfc3339_ms")]
    pub onset: Millis,
    /// Recovery, when the data shows it.
    #[serde(with = "rfc3339_ms::option")]
    pub end: Option<Millis>,
    pub source: WindowSource,
    pub impact: Impact,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Impact {
    /// "44.8% of login requests failed (baseline 0.6%), on auth-2, auth-3".
    pub description: String,
    /// Failing share before the incident, 0..1 (null when no denominator is known).
    pub baseline_ratio: Option<f64>,
    /// Failing share during the incident, 0..1.
    pub incident_ratio: Option<f64>,
    #[serde(default)]
    pub hosts: Vec<String>,
    #[serde(default)]
    pub services: Vec<String>,
    /// The impact in a few words for one-line summaries: "50.0% of logins failing".
    #[serde(default)]
    pub short: String,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    LikelyCause,
    Contributing,
    Consequence,
    Chronic,
    Unrelated,
}

impl Verdict {
    pub fn as_str(&self) -> &'static str {
        match self {
            Verdict::LikelyCause => "likely-cause",
            Verdict::Contributing => "contributing",
            Verdict::Consequence => "consequence",
            Verdict::Chronic => "chronic",
            Verdict::Unrelated => "unrelated",
        }
    }
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SignalKind {
    Rule,
    Pattern,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SignalRef {
    pub kind: SignalKind,
    pub id: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Cause {
    pub rank: u32,
    pub score: f64,
    pub verdict: Verdict,
    pub subsystem: String,
    pub service: String,
    pub hosts: Vec<String>,
    pub title: String,
    pub signal: SignalRef,
    #[serde(with = "rfc3339_ms::option")]
    pub onset: Option<Millis>,
    pub baseline_per_min: f64,
    pub incident_per_min: f64,
    pub reasons: Vec<String>,
    pub evidence: Vec<Evidence>,
    /// Other signals folded into this cause (the errors a change triggered).
    #[serde(default)]
    pub related: Vec<SignalRef>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Evidence {
    pub path: String,
    /// 1-based line in its file.
    pub line: u64,
    #[serde(with = "rfc3339_ms::option")]
    pub ts: Option<Millis>,
    pub text: String,
    /// Record id in the index, for views that jump to it (not part of the wire format).
    #[serde(skip)]
    pub record: Option<u32>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TimelineEntry {
    #[serde(with = "rfc3339_ms")]
    pub ts: Millis,
    pub path: String,
    pub line: u64,
    pub summary: String,
    #[serde(skip)]
    pub record: Option<u32>,
}

/// A bucketed count series for charts.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Series {
    pub label: String,
    #[serde(with = "rfc3339_ms")]
    pub start: Millis,
    pub bucket_ms: i64,
    pub counts: Vec<u32>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PatternStat {
    pub id: String,
    pub text: String,
    pub count: u64,
    pub services: Vec<String>,
    #[serde(with = "rfc3339_ms::option")]
    pub first: Option<Millis>,
    #[serde(with = "rfc3339_ms::option")]
    pub last: Option<Millis>,
    pub baseline_per_min: f64,
    pub incident_per_min: f64,
    /// Never seen in a baseline long enough for zero to mean something.
    pub new: bool,
    /// Coarse counts over the whole span (for sparklines).
    pub sparkline: Vec<u32>,
    pub examples: Vec<Evidence>,
}

impl Findings {
    pub fn likely_cause(&self) -> Option<&Cause> {
        self.causes.iter().find(|c| c.verdict == Verdict::LikelyCause)
    }

    /// The answer in one line, first in every view: what changed, where, when, and what it did —
    /// `CHG-4411 token signing: algorithm RS256→ES256 on auth-2, auth-3 at 15:28:07 → 50.0% of
    /// logins failing from 15:30:34 (2m27s later)`. Log text in it is not escaped yet.
    pub fn headline(&self) -> String {
        let Some(inc) = &self.incident else { return self.summary.clone() };
        let impact = if inc.impact.short.is_empty() { "failures" } else { inc.impact.short.as_str() };
        let effect = format!("{impact} from {}", crate::time::clock(inc.onset));
        let Some(cause) = self.likely_cause() else {
            let best = self.causes.iter().find(|c| c.verdict == Verdict::Contributing);
            return match best {
                Some(b) => format!("No likely cause · {effect} · best candidate: {}", b.title),
                None => format!("No likely cause · {effect}"),
            };
        };
        let (what, hosts, at) = match &self.change {
            Some(ch) => (ch.describe(), ch.hosts.clone(), Some(ch.at)),
            None => (cause.title.clone(), cause.hosts.clone(), cause.onset),
        };
        let mut line = what;
        if !hosts.is_empty() {
            line.push_str(&format!(" on {}", crate::text::sorted_hosts(&hosts).join(", ")));
        }
        if let Some(at) = at {
            line.push_str(&format!(" at {}", crate::time::clock(at)));
        }
        line.push_str(&format!(" → {effect}"));
        // Lead time: from the change (or the cause's first error) to the cause's own first
        // error, which is what the reasons count from too.
        if let Some(at) = at {
            let effect_at = cause.onset.map_or(inc.onset, |o| o.max(inc.onset));
            line.push_str(&format!(" ({})", crate::time::later(effect_at - at)));
        }
        line
    }
}

impl ChangeFacts {
    /// `CHG-4411 token signing: key id a→b, algorithm RS256→ES256`, or the ticket and the line's words.
    pub fn describe(&self) -> String {
        let mut s = self.id.clone().unwrap_or_default();
        let mut add = |part: &str| {
            if !s.is_empty() && !part.is_empty() {
                s.push(' ');
            }
            s.push_str(part);
        };
        if self.settings.is_empty() {
            add(self.what.trim());
        } else {
            // The words before the first setting, up to a colon, name what was changed ("token signing:").
            let first = &self.settings[0].name;
            let subject = self
                .what
                .find(first.as_str())
                .map(|at| self.what[..at].trim())
                .filter(|head| head.ends_with(':'))
                .unwrap_or("");
            add(subject);
            let moved: Vec<String> = self
                .settings
                .iter()
                .map(|c| match &c.old {
                    Some(old) => format!("{} {old}→{}", c.name, c.new),
                    None => format!("{} →{}", c.name, c.new),
                })
                .collect();
            add(&moved.join(", "));
        }
        s
    }
}
