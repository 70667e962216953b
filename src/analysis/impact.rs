//! The impact users saw: the failing share of requests or logins, the hosts and services that
//! report the failures, and the endpoint that fails most.

use super::tuning;
use super::window::Window;
use super::{rank, signals};
use crate::findings::Impact;
use crate::index::Index;
use crate::time::{clock, human_duration, MS_PER_MIN, NO_TIME};
use rank::Periods;
use rayon::prelude::*;
use signals::{Role, SignalId, SignalTable};
use std::collections::HashMap;
fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

pub(super) fn impact(
    index: &Index,
    t: &SignalTable,
    w: &Window,
    p: &Periods,
    symptom_name: &str,
) -> (Impact, rank::FailingPath) {
    let src = &w.series;
    let sym_in = src.sum(w.s, w.e) as f64;
    let sym_base = src.sum(0, p.base_end) as f64;
    // Compare like with like: failures and successes of the subsystem that carries most failures
    // (failed vs successful logins); without such successes, failures over all records of the
    // services that report them (5xx over all requests).
    let dominant = dominant_symptom_subsystem(index, t, w);
    let in_subsystem = |role: Role| {
        let (mut inside, mut base) = (0.0, 0.0);
        for s in t.signals.iter().filter(|s| s.role == role) {
            if signal_subsystem(index, s) == dominant {
                inside += s.series.sum(w.s, w.e) as f64;
                base += s.series.sum(0, p.base_end) as f64;
            }
        }
        (inside, base)
    };
    let (ok_in, ok_base) = in_subsystem(Role::Success);
    let by_endpoint = if w.from_symptoms { endpoint_impact(index, t, w, p) } else { None };
    let failing_endpoint = by_endpoint.as_ref().map(|e| e.endpoint.clone());
    let (ratio_in, ratio_base, noun) = if let Some(e) = by_endpoint {
        (Some(e.ratio_in), e.ratio_base, format!("{} requests", e.endpoint))
    } else if w.from_symptoms && ok_in + ok_base > 0.0 {
        let (bad_in, bad_base) = in_subsystem(Role::Symptom);
        let noun = if dominant == "auth" { "logins" } else { "requests" };
        (
            (bad_in + ok_in > 0.0).then(|| bad_in / (bad_in + ok_in)),
            (bad_base + ok_base > 0.0).then(|| bad_base / (bad_base + ok_base)),
            noun.to_string(),
        )
    } else if w.from_symptoms {
        let mut tot_in = 0.0;
        let mut tot_base = 0.0;
        for svc in t.symptoms_by_service.keys() {
            if let Some(c) = t.service_totals.get(svc) {
                tot_in += c[w.s..w.e.min(c.len())].iter().map(|&x| x as f64).sum::<f64>();
                tot_base += c[..p.base_end.min(c.len())].iter().map(|&x| x as f64).sum::<f64>();
            }
        }
        ((tot_in > 0.0).then(|| sym_in / tot_in), (tot_base > 0.0).then(|| sym_base / tot_base), "requests".to_string())
    } else {
        (None, None, String::new())
    };
    let mut hosts: Vec<(u32, u64)> = t
        .symptoms_by_host
        .iter()
        .map(|(&h, c)| (h, c[w.s..w.e.min(c.len())].iter().map(|&x| x as u64).sum::<u64>()))
        .filter(|&(h, c)| h != 0 && c as f64 * tuning::HOST_SHARE_DIVISOR as f64 >= sym_in)
        .collect();
    hosts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut services: Vec<(u32, u64)> = t
        .symptoms_by_service
        .iter()
        .map(|(&s, c)| (s, c[w.s..w.e.min(c.len())].iter().map(|&x| x as u64).sum::<u64>()))
        .filter(|&(_, c)| c > 0)
        .collect();
    services.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let host_names = rank::host_names(index, hosts.iter().map(|h| h.0));
    let service_names: Vec<String> = services.iter().map(|s| index.services.get(s.0).to_string()).collect();
    let minutes = t.buckets.minutes(w.e - w.s).max(1.0);
    let mut description = match (ratio_in, ratio_base) {
        (Some(i), Some(b)) => format!("{} of {noun} failed since {} (baseline {})", pct(i), clock(w.onset), pct(b)),
        (Some(i), None) => format!("{} of {noun} failed since {}", pct(i), clock(w.onset)),
        _ => format!(
            "{} {symptom_name}s in {} since {} ({} vs {} before)",
            sym_in,
            human_duration((minutes * MS_PER_MIN as f64) as i64),
            clock(w.onset),
            rank::rate(sym_in / minutes),
            rank::rate(sym_base / t.buckets.minutes(p.base_end).max(1.0))
        ),
    };
    let short = match ratio_in {
        Some(i) => format!("{} of {noun} failing", pct(i)),
        None if w.from_symptoms => format!("{} {symptom_name}s", sym_in),
        None => String::new(),
    };
    if let Some(end) = w.end {
        description.push_str(&format!(", until {}", clock(end)));
    }
    if !host_names.is_empty() && host_names.len() <= tuning::IMPACT_HOSTS_NAMED {
        description.push_str(&format!(", on {}", crate::text::sorted_hosts(&host_names).join(", ")));
    }
    let path = rank::FailingPath {
        hosts: hosts.iter().map(|h| h.0).collect(),
        services: services.iter().map(|s| s.0).collect(),
        endpoint: failing_endpoint,
    };
    let impact = Impact {
        description,
        baseline_ratio: ratio_base.map(|x| rank::round2(x * 100.0) / 100.0),
        incident_ratio: ratio_in.map(|x| rank::round2(x * 100.0) / 100.0),
        hosts: host_names,
        services: service_names,
        short,
    };
    (impact, path)
}

fn signal_subsystem(index: &Index, s: &signals::Signal) -> String {
    match s.key.id {
        SignalId::Rule(r) => index.rules.get(r).map(|r| r.subsystem.clone()).unwrap_or_default(),
        SignalId::Pattern(_) => "web".into(),
    }
}

/// The subsystem whose symptom rules fired most inside the window.
fn dominant_symptom_subsystem(index: &Index, t: &SignalTable, w: &Window) -> String {
    let mut votes: HashMap<String, u64> = HashMap::new();
    for s in t.signals.iter().filter(|s| s.role == Role::Symptom) {
        *votes.entry(signal_subsystem(index, s)).or_default() += s.series.sum(w.s, w.e);
    }
    votes.into_iter().max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0))).map(|v| v.0).unwrap_or_default()
}

/// The failing share of the endpoint that fails most, from the access logs.
struct EndpointImpact {
    endpoint: String,
    ratio_in: f64,
    ratio_base: Option<f64>,
}

/// `/api/v1/items/9312?x=1` → `/api/v1/items/{id}`: requests to one endpoint group together.
/// `GET /api/v1/orders/{id}`: the method and the path without its query, segments holding
/// ids (a digit, three bytes or more) masked. Written into `out`, which is cleared first.
pub(super) fn endpoint_key(method: &[u8], path: &[u8], out: &mut Vec<u8>) {
    out.clear();
    let path = path.split(|&c| c == b'?').next().unwrap_or(path);
    out.extend_from_slice(method);
    out.push(b' ');
    for (i, seg) in path.split(|&c| c == b'/').enumerate() {
        if i > 0 {
            out.push(b'/');
        }
        if seg.iter().any(|c| c.is_ascii_digit()) && seg.len() > 2 {
            out.extend_from_slice(b"{id}");
        } else {
            out.extend_from_slice(seg);
        }
    }
}

fn endpoint_impact(index: &Index, t: &SignalTable, w: &Window, p: &Periods) -> Option<EndpointImpact> {
    use crate::format::FormatKind;
    let access: Vec<bool> = index.parsers.iter().map(|p| p.kind == FormatKind::Access).collect();
    if !access.iter().any(|&a| a) {
        return None;
    }
    let r = &index.records;
    let base_end = t.buckets.time(p.base_end);
    let (win_lo, win_hi) = (t.buckets.time(w.s), t.buckets.time(w.e));
    // A bounded read on all cores: past 200k access lines, every k-th record estimates the shares
    // (200k samples put a failing share within a fraction of a percent).
    let access_runs: Vec<std::ops::Range<usize>> =
        (0..r.runs().len()).filter(|&k| access[r.runs()[k].source as usize]).map(|k| r.run_range(k)).collect();
    let candidates: usize = access_runs.iter().map(|run| run.len()).sum();
    let stride = (candidates / tuning::ENDPOINT_SAMPLES).max(1);
    let sampled: Vec<usize> =
        access_runs.into_iter().flat_map(|run| (run.start.next_multiple_of(stride)..run.end).step_by(stride)).collect();
    // Keys are built in a reused buffer; only a new endpoint allocates.
    type PerEndpoint = HashMap<Vec<u8>, [u64; 4]>;
    let per: PerEndpoint = sampled
        .into_par_iter()
        .with_min_len(1 << 12)
        .fold(
            || (PerEndpoint::new(), Vec::new()),
            |(mut per, mut key): (PerEndpoint, Vec<u8>), i| {
                let ts = r.ts(i);
                let slot = if ts >= win_lo && ts < win_hi {
                    0
                } else if ts != NO_TIME && ts >= t.buckets.start && ts < base_end {
                    2
                } else {
                    return (per, key);
                };
                let Some((method, path)) = crate::format::access::method_and_path(index.first_line(i)) else {
                    return (per, key);
                };
                endpoint_key(method, path, &mut key);
                let e = match per.get_mut(key.as_slice()) {
                    Some(e) => e,
                    None => per.entry(key.clone()).or_default(),
                };
                let lines = r.weight(i) as u64;
                e[slot + 1] += lines;
                if signals::is_symptom(index, i) {
                    e[slot] += lines;
                }
                (per, key)
            },
        )
        .map(|(per, _)| per)
        .reduce(PerEndpoint::new, |mut a, b| {
            for (k, v) in b {
                let e = a.entry(k).or_default();
                for (x, y) in e.iter_mut().zip(v) {
                    *x += y;
                }
            }
            a
        });
    let (endpoint, c) = per.into_iter().max_by(|a, b| a.1[0].cmp(&b.1[0]).then(b.0.cmp(&a.0)))?;
    if c[0] < tuning::ENDPOINT_MIN_FAILURES || c[1] == 0 {
        return None;
    }
    Some(EndpointImpact {
        endpoint: String::from_utf8_lossy(&endpoint).into_owned(),
        ratio_in: c[0] as f64 / c[1] as f64,
        ratio_base: (c[3] > 0).then(|| c[2] as f64 / c[3] as f64),
    })
}
