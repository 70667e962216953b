//! Per-template summary over the index columns: how often, when, where, and a
//! few example records — what the CLI lists and the analysis weighs.

use crate::index::Index;
use crate::time::{Millis, NO_TIME};
use serde::Serialize;
use std::collections::HashSet;

/// Example records kept per template.
pub const EXAMPLES: usize = 3;
/// Service and host names listed per template (the counts cover all of them).
pub const NAMES: usize = 10;

/// One example record of a template.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Example {
    /// Record id in the index.
    pub record: u32,
    pub path: String,
    /// 1-based line of the record's first line.
    pub line: u32,
}

#[derive(Clone, Debug, Serialize)]
pub struct TemplateSummary {
    /// Index into `index.templates`.
    #[serde(skip)]
    pub template: u32,
    pub id: String,
    pub text: String,
    pub count: u64,
    /// Earliest and latest timestamps of the template's records (None when untimed).
    #[serde(serialize_with = "ser_opt_time")]
    pub first: Option<Millis>,
    #[serde(serialize_with = "ser_opt_time")]
    pub last: Option<Millis>,
    /// Up to [`NAMES`] services, in order of first appearance; `service_count` counts them all.
    pub services: Vec<String>,
    pub service_count: usize,
    pub hosts: Vec<String>,
    pub host_count: usize,
    pub examples: Vec<Example>,
    pub overflow: bool,
}

fn ser_opt_time<S: serde::Serializer>(ms: &Option<Millis>, s: S) -> Result<S::Ok, S::Error> {
    match ms {
        Some(ms) => s.serialize_str(&crate::time::rfc3339(*ms)),
        None => s.serialize_none(),
    }
}

/// Summaries of every template with at least one record, most frequent first
/// (ties: earliest first seen, then id).
pub fn summarise(index: &Index) -> Vec<TemplateSummary> {
    let r = &index.records;
    let n = index.templates.templates.len();
    let mut out: Vec<TemplateSummary> = index
        .templates
        .templates
        .iter()
        .enumerate()
        .map(|(i, t)| TemplateSummary {
            template: i as u32,
            id: t.id.clone(),
            text: t.text.clone(),
            count: 0,
            first: None,
            last: None,
            services: Vec::new(),
            service_count: 0,
            hosts: Vec::new(),
            host_count: 0,
            examples: Vec::new(),
            overflow: t.overflow,
        })
        .collect();
    let mut services: HashSet<(u32, u32)> = HashSet::new();
    let mut hosts: HashSet<(u32, u32)> = HashSet::new();
    for i in 0..r.len() {
        let t = r.template(i);
        if t as usize >= n {
            continue;
        }
        let s = &mut out[t as usize];
        s.count += 1;
        let ts = r.ts(i);
        if ts != NO_TIME {
            s.first = Some(s.first.map_or(ts, |f| f.min(ts)));
            s.last = Some(s.last.map_or(ts, |l| l.max(ts)));
        }
        if services.insert((t, r.service(i))) {
            s.service_count += 1;
            if s.services.len() < NAMES {
                s.services.push(index.services.get(r.service(i)).to_string());
            }
        }
        let h = r.host(i);
        if !index.hosts.get(h).is_empty() && hosts.insert((t, h)) {
            s.host_count += 1;
            if s.hosts.len() < NAMES {
                s.hosts.push(index.hosts.get(h).to_string());
            }
        }
        if s.examples.len() < EXAMPLES {
            s.examples.push(Example { record: i as u32, path: index.path_of(i), line: index.line_of(i) });
        }
    }
    out.retain(|s| s.count > 0);
    out.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| a.first.unwrap_or(Millis::MAX).cmp(&b.first.unwrap_or(Millis::MAX)))
            .then_with(|| a.id.cmp(&b.id))
    });
    out
}
