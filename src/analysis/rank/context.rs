//! What a story is about besides its service: its subsystem, topics, the names and ports its errors
//! mention, whether it waits on something, and whether it lies on the failing path.

use super::{mentions, name_table, Story, Topics};
use crate::analysis::signals::{SignalId, SignalTable};
use crate::analysis::tuning;
use crate::index::Index;
use crate::rules::Vocabulary;
use std::collections::HashMap;

/// Subsystem of a signal: the rule's, or a guess from the service name for mined templates.
pub fn subsystem_of(index: &Index, id: SignalId, service: u32) -> String {
    if let SignalId::Rule(r) = id {
        if let Some(rule) = index.rules.get(r) {
            return rule.subsystem.clone();
        }
    }
    guess_subsystem(index, index.services.get(service))
}

pub fn guess_subsystem(index: &Index, service: &str) -> String {
    index.rules.vocabulary.subsystem_of_service(service)
}

pub fn story_subsystem(index: &Index, t: &SignalTable, st: &Story) -> String {
    let mut votes: HashMap<String, u64> = HashMap::new();
    for s in &st.stats {
        let sig = &t.signals[s.sig];
        if let SignalId::Rule(_) = sig.key.id {
            *votes.entry(subsystem_of(index, sig.key.id, sig.key.service)).or_default() += s.inc_count + 1;
        }
    }
    votes
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|v| v.0)
        .unwrap_or_else(|| guess_subsystem(index, index.services.get(st.service)))
}

/// Where the incident shows: the hosts that fail, the services that report the failures, and
/// the endpoint that fails most.
#[derive(Debug, Default)]
pub struct FailingPath {
    pub hosts: Vec<u32>,
    pub services: Vec<u32>,
    pub endpoint: Option<String>,
}

impl FailingPath {
    pub fn is_known(&self) -> bool {
        !self.hosts.is_empty() || !self.services.is_empty() || self.endpoint.is_some()
    }

    /// A service serves the failing endpoint when a word of its name of 4 letters or more
    /// names a path segment, or its plural: `orders-api` and `GET /v1/orders/{id}`, `payout`
    /// and `POST /v1/payouts`.
    pub(super) fn serves_endpoint(&self, vocabulary: &Vocabulary, service: &str) -> bool {
        let Some(endpoint) = &self.endpoint else { return false };
        service
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| w.len() >= tuning::ERROR_NAME_MIN_LEN && !vocabulary.is_generic_service_word(w))
            .any(|w| mentions(endpoint.as_bytes(), w) || mentions(endpoint.as_bytes(), &format!("{w}s")))
    }
}

/// Marks the stories on the failing path: on a failing host, of a service that reports the
/// failures or serves the failing endpoint, or named by such a story (a dependency its errors
/// mention: "connection to db-1 refused").
pub fn mark_failing_path(stories: &mut [Story], index: &Index, path: &FailingPath) {
    for st in stories.iter_mut() {
        st.on_failing_path = st.hosts.iter().any(|h| path.hosts.contains(h))
            || path.services.contains(&st.service)
            || path.serves_endpoint(&index.rules.vocabulary, index.services.get(st.service));
    }
    let direct: Vec<(Vec<u32>, Vec<u32>)> = stories
        .iter()
        .filter(|s| s.on_failing_path)
        .map(|s| (s.named_services.clone(), s.named_hosts.clone()))
        .collect();
    for st in stories.iter_mut().filter(|s| !s.on_failing_path) {
        st.on_failing_path = direct
            .iter()
            .any(|(services, hosts)| services.contains(&st.service) || st.hosts.iter().any(|h| hosts.contains(h)));
    }
}

/// What ties a story to changes besides its service and hosts: its topics, the services and hosts
/// its first error lines name, and the files they come from.
pub fn set_context(stories: &mut [Story], t: &SignalTable, index: &Index, topics: &Topics) {
    // Names shorter than 4 characters ("api", "db") are too common in messages to tie anything.
    let services = name_table(index.services.names(), tuning::ERROR_NAME_MIN_LEN);
    let hosts = name_table(index.hosts.names(), tuning::ERROR_NAME_MIN_LEN);
    for st in stories.iter_mut() {
        st.topics = st.stats.iter().fold(0, |acc, s| acc | topics.of_signal(index, t.signals[s.sig].key.id));
        st.waits = st.stats.first().is_some_and(|s| waits(index, t.signals[s.sig].key.id));
        st.sources.clear();
        st.first_in_source.clear();
        st.named_services.clear();
        st.named_hosts.clear();
        st.named_ports.clear();
        for s in st.stats.iter().take(tuning::CONTEXT_SIGNALS) {
            let i = s.onset_rec as usize;
            let source = index.records.source(i);
            match st.sources.iter().position(|&x| x == source) {
                Some(k) => st.first_in_source[k] = st.first_in_source[k].min(s.onset_rec),
                None => {
                    st.sources.push(source);
                    st.first_in_source.push(s.onset_rec);
                }
            }
            let text = index.record_bytes(i);
            for &(id, name) in &services {
                if id != st.service && !st.named_services.contains(&id) && mentions(text, name) {
                    st.named_services.push(id);
                }
            }
            // A client's error names its server by port as often as by name ("connection to server
            // at 10.90.1.10, port 5432 failed").
            for &(id, name) in &services {
                if id != st.service
                    && !st.named_services.contains(&id)
                    && index.rules.vocabulary.port_names_service(text, name)
                {
                    st.named_services.push(id);
                }
            }
            for &(id, name) in &hosts {
                if id != index.records.host(i) && !st.named_hosts.contains(&id) && mentions(text, name) {
                    st.named_hosts.push(id);
                }
            }
            for port in ports_named(text) {
                if !st.named_ports.contains(&port) {
                    st.named_ports.push(port);
                }
            }
        }
    }
}

/// Ports a line names as ports: the number after the word "port" (`port 5432`, `port=5432`,
/// `'destination_port': '5432'`) or after a host and a colon (`10.0.1.22:5432`, `db-1:6379`).
pub fn ports_named(text: &[u8]) -> Vec<u16> {
    let mut out = Vec::new();
    let number_at = |mut j: usize| {
        let start = j;
        while j < text.len() && text[j].is_ascii_digit() {
            j += 1;
        }
        let ends = text.get(j).is_none_or(|c| !c.is_ascii_alphanumeric());
        (j > start && j - start <= 5 && ends)
            .then(|| std::str::from_utf8(&text[start..j]).ok()?.parse::<u16>().ok())
            .flatten()
    };
    for (i, &c) in text.iter().enumerate() {
        let port = if c == b':' && i > 0 && text[i - 1].is_ascii_alphanumeric() {
            // A host or address before the colon, not the hours of a clock.
            let start = text[..i]
                .iter()
                .rposition(|c| !(c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-')))
                .map_or(0, |k| k + 1);
            let host_like = text[start..i].iter().any(|c| !c.is_ascii_digit());
            let clock = text.get(i + 3) == Some(&b':');
            if host_like && !clock {
                number_at(i + 1)
            } else {
                None
            }
        } else if text[i..].len() >= 4 && text[i..i + 4].eq_ignore_ascii_case(b"port") {
            let mut j = i + 4;
            while j < text.len() && matches!(text[j], b' ' | b'=' | b':' | b'\'' | b'"') && j - i < 10 {
                j += 1;
            }
            number_at(j)
        } else {
            None
        };
        if let Some(p) = port.filter(|&p| p > 0 && !out.contains(&p)) {
            out.push(p);
            if out.len() >= 8 {
                break;
            }
        }
    }
    out
}

/// Does a signal say its service waited on something else and gave up? A rule says so
/// (`waits = true`); a mined template, by naming a timeout ("WORKER TIMEOUT", "deadline exceeded").
pub fn waits(index: &Index, id: SignalId) -> bool {
    match id {
        SignalId::Rule(r) => index.rules.get(r).is_some_and(|r| r.waits),
        SignalId::Pattern(p) => index
            .templates
            .templates
            .get(p as usize)
            .is_some_and(|t| index.rules.vocabulary.says_it_waited(t.text.as_bytes())),
    }
}
