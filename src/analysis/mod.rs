//! Analysis: signals (rule hits and mined templates bucketed in time, per
//! service and host) → incident window → per-signal onset, rates against
//! baseline, host split → verdicts and ranking → [`Findings`].
//!
//! Every score carries its reasons as data; views only format them.

use crate::findings::{Findings, InputSummary, SCHEMA};
use crate::index::Index;
use crate::time::{LocalZone, TimeSpec, NO_TIME};

/// What the user narrowed or fixed on the command line.
#[derive(Clone, Debug, Default)]
pub struct AnalysisOptions {
    pub since: Option<TimeSpec>,
    pub until: Option<TimeSpec>,
    /// `--incident START[..END]`.
    pub incident: Option<(TimeSpec, Option<TimeSpec>)>,
    pub zone: LocalZone,
}

/// Runs the whole analysis over an index.
pub fn analyse(index: &Index, _opts: &AnalysisOptions) -> Findings {
    Findings {
        schema: SCHEMA.to_string(),
        inputs: input_summaries(index),
        incident: None,
        causes: Vec::new(),
        timeline: Vec::new(),
        summary: "no incident found: no user-facing symptom departs from its baseline".into(),
        notices: index.notices.iter().map(|n| n.to_string()).collect(),
        charts: Vec::new(),
        patterns: Vec::new(),
    }
}

pub fn input_summaries(index: &Index) -> Vec<InputSummary> {
    index
        .inputs
        .iter()
        .map(|i| InputSummary {
            path: i.path.clone(),
            format: i.format.clone(),
            records: i.records,
            unparsed: i.unparsed,
            first: (i.first != NO_TIME).then_some(i.first),
            last: (i.last != NO_TIME).then_some(i.last),
        })
        .collect()
}
