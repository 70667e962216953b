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
}
