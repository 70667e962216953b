//! Unit tests of the ranking passes: linking, scoring, identity, names and ports.

use super::*;
use crate::analysis::signals::SignalId;
use crate::analysis::tuning::{self, TIME_LINK};
use crate::time::{Millis, MS_PER_MIN, MS_PER_SEC};
use std::collections::BTreeSet;

#[test]
fn mentions_respects_word_boundaries() {
    assert!(mentions(b"applied to auth-2, auth-3", "auth-2"));
    assert!(mentions(b"service=auth-service", "auth"));
    assert!(!mentions(b"oauth token", "auth"));
    assert!(!mentions(b"host db-10 ready", "db-1"));
    assert!(mentions(b"host DB-1 ready", "db-1"));
    assert!(!mentions(b"authz", "auth"));
    // A journal field's key is no name: every journald line carries `_SYSTEMD_UNIT`.
    assert!(!mentions(br#"{"_SYSTEMD_UNIT":"inventory-api.service"}"#, "systemd"));
    assert!(mentions(b"auth_2 failed", "auth"));
}

#[test]
fn a_service_serves_the_endpoint_its_name_spells() {
    let rules = crate::rules::RuleSet::builtin().unwrap();
    let words = &rules.vocabulary;
    let path = |e: &str| FailingPath { endpoint: Some(e.into()), ..Default::default() };
    assert!(path("GET /v1/orders/{id}").serves_endpoint(words, "orders-api"));
    assert!(path("POST /v1/payouts").serves_endpoint(words, "payout"));
    assert!(path("POST /api/checkout").serves_endpoint(words, "checkout"));
    // Generic and short words tie nothing; nor does a word inside another.
    assert!(!path("GET /api/worker/status").serves_endpoint(words, "search-worker"));
    assert!(!path("GET /api/v1/items").serves_endpoint(words, "api"));
    assert!(!path("GET /v1/reportsummary").serves_endpoint(words, "reports"));
    assert!(!FailingPath::default().serves_endpoint(words, "orders"));
    assert!(!FailingPath::default().is_known());
}

fn change_on(service: u32, host: u32) -> ChangeEvent {
    ChangeEvent {
        rec: 0,
        ts: 0,
        key: (SignalId::Rule(0), service),
        template: 0,
        host,
        mentioned_hosts: Vec::new(),
        mentioned_services: Vec::new(),
        subsystem: None,
        topics: 0,
        source: 0,
        touched_subsystems: Vec::new(),
        per_host_daemon: false,
        identity: 0,
        at_once: false,
        ports: Vec::new(),
        names_what: false,
        heading: None,
        values: Vec::new(),
        stir: None,
    }
}

/// Two settings changed under one rule are two changes; one setting applied on several hosts,
/// or with another value, is one; a ticket names its change whatever else the line says.
#[test]
fn a_changes_identity_is_what_it_changed() {
    let hosts = [(1, "db-1"), (2, "db-2")];
    let id = |t: &str| change_identity(t.as_bytes(), &hosts);
    assert_ne!(id("SET GLOBAL long_query_time = 0.5"), id("SET GLOBAL max_connections = 10"));
    assert_eq!(id("SET GLOBAL max_connections = 10"), id("SET GLOBAL max_connections = 500"));
    assert_eq!(id("parameter work_mem changed on db-1"), id("parameter work_mem changed on db-2"));
    assert_eq!(id("CHG-4411 started by mlopez"), id("CHG-4411 finished on db-2"));
    assert_ne!(id("flag checkout.new_pricing on"), id("flag search.fuzzy on"));
}

/// A reload acts at once: within the prompt span, or before the healthy traffic in between
/// would have carried many failures, it explains them; six minutes of healthy traffic at 100
/// failures a minute does not.
#[test]
fn a_change_acts_at_once_or_not_at_all() {
    let pace = Pace { excess_per_min: 100.0 };
    let onset = 60 * MS_PER_MIN;
    assert!(pace.prompt(onset - 2 * MS_PER_SEC, onset));
    assert!(pace.prompt(onset - tuning::PROMPT_SPAN, onset));
    assert!(!pace.prompt(onset - 6 * MS_PER_MIN, onset));
    // A trickle of failures: minutes between the change and the first one are no evidence.
    assert!(Pace { excess_per_min: 2.0 }.prompt(onset - 5 * MS_PER_MIN, onset));
}

#[test]
fn link_skips_an_at_once_change_followed_by_minutes_of_healthy_traffic() {
    let onset = 60 * MS_PER_MIN;
    let stat = SignalStat { inc_count: 50, new: true, ..Default::default() };
    let story = Story { service: 4, onset, new: true, stats: vec![stat], ..Default::default() };
    let start = ChangeEvent { rec: 3, ts: onset - 6 * MS_PER_MIN, at_once: true, ..change_on(4, 0) };
    let deploy = ChangeEvent { rec: 4, ts: onset - 6 * MS_PER_MIN, identity: 1, ..change_on(4, 0) };
    let pace = Pace { excess_per_min: 100.0 };
    let mut stories = vec![story.clone()];
    link_changes(&mut stories, std::slice::from_ref(&start), pace);
    assert!(stories[0].change.is_none(), "a start six minutes before did not start the failures");
    // A deploy of the same service may act later (a pool drained, a cache expired).
    let mut stories = vec![story];
    link_changes(&mut stories, &[start, deploy], pace);
    assert_eq!(stories[0].change.as_ref().map(|c| c.rec), Some(4));
}

/// A zero in a short baseline means something only when the signal is frequent enough that the
/// baseline would have shown it.
#[test]
fn a_short_baselines_zero_counts_when_the_rate_would_have_shown() {
    assert!(zero_means_new(45.0, 0.01));
    assert!(zero_means_new(6.0, 0.8), "two crash lines in 2.5 minutes against 6 silent minutes");
    assert!(!zero_means_new(6.0, 0.1), "one line in ten minutes could hide in six");
    assert!(zero_means_new(2.5, 97.0), "a hundred refused connections a minute would have shown");
    assert!(!zero_means_new(0.5, 50.0), "half a minute of baseline says nothing");
}

/// Change line 1 of `service` on host 5, linked fully to a story on that host.
fn change_of(service: u32, ts: Millis, proximity: f64) -> LinkedChange {
    LinkedChange {
        rec: 1,
        ts,
        key: (SignalId::Rule(0), service),
        hosts: BTreeSet::from([5]),
        link: 1.0,
        proximity,
        host_match: true,
        recs: vec![1],
        via_topics: 0,
        by_time_only: false,
        stir: None,
    }
}

#[test]
fn the_same_service_on_other_hosts_is_a_weaker_link() {
    let story = Story { service: 7, hosts: vec![3], ..Default::default() };
    assert_eq!(change_on(7, 3).link_to(&story), 1.0);
    assert_eq!(change_on(7, 0).link_to(&story), 1.0);
    assert_eq!(change_on(7, 4).link_to(&story), 0.5);
    let mut naming = change_on(7, 4);
    naming.mentioned_hosts.push(3);
    assert_eq!(naming.link_to(&story), 1.0);
}

/// Timeouts that began 20 s after another service's new errors are their echo, however loud;
/// without the earlier story (or with a change of their own) they keep their score.
#[test]
fn timeouts_after_another_new_story_wait_on_it() {
    let stat = |count: u64| SignalStat { inc_count: count, new: true, ..Default::default() };
    let story = |service: u32, onset: Millis, g: f64, waits: bool, count: u64| Story {
        service,
        onset,
        g,
        new: true,
        waits,
        severity: 1.0,
        stats: vec![stat(count)],
        ..Default::default()
    };
    let onset = 10 * MS_PER_MIN;
    let disk = story(1, onset - 40 * MS_PER_SEC, 5.0, false, 4);
    let timeouts = story(2, onset - 20 * MS_PER_SEC, 400.0, true, 300);
    let mut both = vec![disk.clone(), timeouts.clone()];
    score_stories(&mut both, &[], onset, false, &tuning::Weights::DEFAULT);
    assert_eq!(both[1].waited_on, Some(1));
    assert!(both[0].score > both[1].score, "{} vs {}", both[0].score, both[1].score);

    let mut plain = vec![disk.clone(), Story { waits: false, ..timeouts.clone() }];
    score_stories(&mut plain, &[], onset, false, &tuning::Weights::DEFAULT);
    assert_eq!(plain[1].waited_on, None);
    assert!(plain[1].score > both[1].score);

    let mut first = vec![Story { onset: onset - 50 * MS_PER_SEC, ..timeouts }, disk];
    score_stories(&mut first, &[], onset, false, &tuning::Weights::DEFAULT);
    assert_eq!(first[0].waited_on, None, "the timeouts began first");
}

#[test]
fn a_per_host_daemon_on_another_host_is_no_link() {
    let story = Story { service: 7, hosts: vec![3], ..Default::default() };
    let daemon = ChangeEvent { per_host_daemon: true, ..change_on(7, 4) };
    assert_eq!(daemon.link_to(&story), 0.0);
    assert_eq!(ChangeEvent { per_host_daemon: true, ..change_on(7, 3) }.link_to(&story), 1.0);
}

/// A deploy 9 minutes before an app's errors, with the database's new errors 3 s before them:
/// the deploy keeps half its credit, and the story says what came in between.
#[test]
fn errors_elsewhere_between_a_change_and_a_story_halve_the_change() {
    let onset = 30 * MS_PER_MIN;
    let stat = SignalStat { inc_count: 50, new: true, ..Default::default() };
    let change = |ts: Millis| change_of(2, ts, 0.6);
    let db =
        Story { service: 1, onset: onset - 3 * MS_PER_SEC, new: true, stats: vec![stat.clone()], ..Default::default() };
    let app = Story {
        service: 2,
        onset,
        new: true,
        stats: vec![stat],
        change: Some(change(onset - 9 * MS_PER_MIN)),
        ..Default::default()
    };
    let mut with_db = vec![db.clone(), app.clone()];
    score_stories(&mut with_db, &[], onset, false, &tuning::Weights::DEFAULT);
    assert_eq!(with_db[1].overtaken_by, Some(1));
    let mut alone = vec![app.clone()];
    score_stories(&mut alone, &[], onset, false, &tuning::Weights::DEFAULT);
    assert_eq!(alone[0].overtaken_by, None);
    assert!(alone[0].score > with_db[1].score);
    // A change just before the story is not overtaken by errors in between.
    let mut recent = vec![db, Story { change: Some(change(onset - 30 * MS_PER_SEC)), ..app }];
    score_stories(&mut recent, &[], onset, false, &tuning::Weights::DEFAULT);
    assert_eq!(recent[1].overtaken_by, None);
}

/// One old pod's error 10 s after the failures began, right after its own restart, does not
/// outrank the story that began with the failures; stamped within the skew, it still could.
#[test]
fn a_stray_line_after_the_onset_did_not_start_the_failures() {
    let onset = 30 * MS_PER_MIN;
    let restart = change_of(2, onset - 50 * MS_PER_SEC, 0.9);
    let stat = |count: u64| SignalStat { inc_count: count, new: true, ..Default::default() };
    let stray = |at: Millis| Story {
        service: 2,
        hosts: vec![5],
        onset: at,
        g: 2.0,
        new: true,
        severity: 1.0,
        stats: vec![stat(1)],
        change: Some(restart.clone()),
        ..Default::default()
    };
    let main = Story {
        service: 1,
        hosts: vec![6],
        onset,
        g: 300.0,
        new: true,
        severity: 1.0,
        stats: vec![stat(400)],
        ..Default::default()
    };
    let mut late = vec![main.clone(), stray(onset + 10 * MS_PER_SEC)];
    score_stories(&mut late, &[], onset, false, &tuning::Weights::DEFAULT);
    assert!(late[0].score > late[1].score, "{} vs {}", late[0].score, late[1].score);
    let mut skewed = vec![main, stray(onset + 2 * MS_PER_SEC)];
    score_stories(&mut skewed, &[], onset, false, &tuning::Weights::DEFAULT);
    assert!(skewed[1].score > late[1].score);
}

/// A rollout is one change: its start, each host's restart minutes apart and its "finished",
/// chained a few minutes at a time; the start is the trigger even when the finish is nearest.
#[test]
fn a_rollouts_lines_chain_into_one_change() {
    let at = |rec: u32, min: i64, rule: u32, service: u32, host: u32| ChangeEvent {
        rec,
        ts: min * MS_PER_MIN,
        key: (SignalId::Rule(rule), service),
        mentioned_services: vec![9],
        ..change_on(service, host)
    };
    let story = Story { service: 9, hosts: vec![1, 2, 3], onset: 40 * MS_PER_MIN, ..Default::default() };
    let started = at(1, 20, 10, 4, 0);
    let restarts = [at(2, 20, 11, 5, 1), at(3, 23, 11, 5, 2), at(4, 25, 11, 5, 3)];
    let finished = at(5, 26, 12, 4, 0);
    // Another kind of change an hour earlier is not part of it.
    let earlier = at(6, -40, 10, 4, 0);
    let mut all = vec![earlier, started];
    all.extend(restarts);
    all.push(finished.clone());
    let linked = linked(&finished, &all, &story, 0.9, 0.5, Pace::default());
    assert_eq!(linked.rec, 1, "the rollout's start");
    assert_eq!(linked.recs, vec![1, 2, 3, 4, 5]);
    // Without the restarts in between, a start 6 minutes before the finish is another change.
    let gap = vec![at(1, 20, 10, 4, 0), finished.clone()];
    assert_eq!(super::linked(&finished, &gap, &story, 0.9, 0.5, Pace::default()).recs, vec![5]);
    // A change tied by time alone is still its own line.
    let unnamed = ChangeEvent { mentioned_services: Vec::new(), ..at(7, 38, 13, 8, 9) };
    let by_time = super::linked(&unnamed, std::slice::from_ref(&unnamed), &story, TIME_LINK, 0.9, Pace::default());
    assert_eq!((by_time.rec, by_time.recs, by_time.hosts), (7, vec![7], BTreeSet::from([9])));
}

/// A database's shutdown seconds after its own PANIC is a reaction, even when its lines carry
/// no host: it links to no story, so the app's errors do not take it as their change.
#[test]
fn a_servers_change_after_its_own_errors_is_a_reaction() {
    let onset = 30 * MS_PER_MIN;
    let stat = SignalStat { inc_count: 5, new: true, ..Default::default() };
    let db = Story { service: 4, onset, new: true, stats: vec![stat.clone()], ..Default::default() };
    let app = Story {
        service: 7,
        hosts: vec![2],
        onset: onset + 3 * MS_PER_SEC,
        new: true,
        stats: vec![stat],
        named_services: vec![4],
        ..Default::default()
    };
    let shutdown = |ts: Millis| ChangeEvent { rec: 9, ts, ..change_on(4, 0) };
    let mut stories = vec![db.clone(), app.clone()];
    link_changes(&mut stories, &[shutdown(onset + 4 * MS_PER_SEC)], Pace::default());
    assert!(stories[1].change.is_none(), "the shutdown came after the database's own errors");
    // The same change before the database failed is a cause candidate.
    let mut before = vec![db, app];
    link_changes(&mut before, &[shutdown(onset - 30 * MS_PER_SEC)], Pace::default());
    assert_eq!(before[0].change.as_ref().map(|c| c.rec), Some(9));
}

/// An audit log stamps whole seconds: a `SET GLOBAL` and the first query it breaks share a stamp,
/// and the file's order says which came first.
#[test]
fn a_change_in_the_same_second_and_file_precedes_the_errors_written_after_it() {
    let onset = 30 * MS_PER_MIN;
    let stat = SignalStat { inc_count: 40, new: true, ..Default::default() };
    let story = Story {
        service: 4,
        onset,
        new: true,
        stats: vec![stat],
        sources: vec![2],
        first_in_source: vec![50],
        ..Default::default()
    };
    let set = |rec: u32| ChangeEvent { rec, ts: onset, source: 2, at_once: true, ..change_on(4, 0) };
    let mut stories = vec![story.clone()];
    link_changes(&mut stories, &[set(49)], Pace::default());
    assert_eq!(stories[0].change.as_ref().map(|c| c.rec), Some(49), "written before the first error");
    let mut stories = vec![story];
    link_changes(&mut stories, &[set(51)], Pace::default());
    assert!(stories[0].change.is_none(), "written after the first error: a reaction");
}

#[test]
fn ticket_ids() {
    assert_eq!(change_id(b"applied CHG-4411 to auth").as_deref(), Some("CHG-4411"));
    assert_eq!(change_id(b"no ticket here"), None);
}

#[test]
fn ports_named_by_lines() {
    use super::context::ports_named;
    let error = br#"connection to server at "db-3" (10.0.1.14), port 5432 failed: Connection timed out"#;
    assert_eq!(ports_named(error), vec![5432]);
    let task = br#"changed: [db-3] => (item={'chain': 'INPUT', 'protocol': 'tcp', 'destination_port': '5432'})"#;
    assert_eq!(ports_named(task), vec![5432]);
    assert_eq!(ports_named(b"dial tcp 10.0.0.5:6379: i/o timeout"), vec![6379]);
    // A time of day is no port; nor is a number that merely follows a colon and a space.
    assert!(ports_named(b"at 15:30:01 the job took: 5432 ms").is_empty());
}

/// Two subjects under one rule are rival changes unless a revision or version ties them: a sync's
/// start and its success name one revision; two runs of a play set two different things.
#[test]
fn subjects_under_one_rule_are_rivals_unless_a_value_ties_them() {
    let hosts = [(1, "lb-3")];
    let line = |rec: u32, text: &str| ChangeEvent {
        rec,
        names_what: true,
        identity: change_identity(text.as_bytes(), &hosts),
        values: value_tokens(text.as_bytes(), &hosts),
        ..change_on(4, 0)
    };
    let initiated = line(1, "Initiated automated sync to 'cbefe46'");
    let succeeded = line(2, "Sync operation to cbefe46 succeeded");
    assert!(!initiated.same_change(&succeeded));
    assert!(!initiated.rival_of(&succeeded));
    let maxconn = line(3, "+    maxconn 6000");
    let healthz = line(4, "+    option httpchk GET /healthz");
    assert!(maxconn.rival_of(&healthz) && healthz.rival_of(&maxconn));
    // Bare numbers, short words with digits and host names are no values.
    assert!(value_tokens(b"maxconn 6000 on lb-3 via ens5", &hosts).is_empty());
    assert_eq!(value_tokens(b"image cart:v1.16.2 rev cbefe46", &hosts).len(), 2);
    // Another rule's line is never a rival.
    let other = ChangeEvent { key: (SignalId::Rule(9), 4), ..line(5, "+    option httpchk GET /ping") };
    assert!(!other.rival_of(&healthz));
}

/// A line that only says something happened is no rival: it is a step of the change it follows.
#[test]
fn a_line_that_names_nothing_is_never_a_rival() {
    let set = ChangeEvent { rec: 1, identity: 1, names_what: true, ..change_on(4, 0) };
    let reload = ChangeEvent { rec: 2, identity: 2, names_what: false, ..change_on(4, 0) };
    let other_set = ChangeEvent { rec: 3, identity: 3, names_what: true, ..change_on(4, 0) };
    assert!(!set.rival_of(&reload) && !reload.rival_of(&set));
    assert!(set.rival_of(&other_set));
}

/// Errors about a topic (an expired certificate is about time) take no change tied by time alone:
/// a sync that merely came a minute before explains nothing; errors about nothing in particular
/// still may.
#[test]
fn errors_about_a_topic_take_no_change_by_time_alone() {
    let onset = 60 * MS_PER_MIN;
    let stat = SignalStat { inc_count: 50, new: true, ..Default::default() };
    let story = Story { service: 4, onset, new: true, stats: vec![stat], ..Default::default() };
    let sync = ChangeEvent { rec: 3, ts: onset - MS_PER_MIN, ..change_on(9, 0) };
    let mut plain = vec![story.clone()];
    link_changes(&mut plain, std::slice::from_ref(&sync), Pace::default());
    assert!(plain[0].change.as_ref().is_some_and(|c| c.by_time_only));
    let mut expired = vec![Story { topics: 1, ..story }];
    link_changes(&mut expired, std::slice::from_ref(&sync), Pace::default());
    assert!(expired[0].change.is_none(), "a certificate expires by the clock");
}

/// A change whose effect lasted until the failures (a stir) is tied by time ahead of one that
/// merely came later, however many minutes before it came.
#[test]
fn a_change_that_stirred_until_the_failures_is_nearer_than_the_last_one() {
    let onset = 60 * MS_PER_MIN;
    let stat = SignalStat { inc_count: 50, new: true, ..Default::default() };
    let story = Story { service: 4, onset, new: true, stats: vec![stat], ..Default::default() };
    let stir = Stir { service: 7, ratio: 12.0, until: onset };
    let debug = ChangeEvent { rec: 3, ts: onset - 7 * MS_PER_MIN, stir: Some(stir), ..change_on(9, 0) };
    let motd = ChangeEvent { rec: 4, ts: onset - MS_PER_MIN, identity: 1, ..change_on(8, 0) };
    let mut stories = vec![story.clone()];
    link_changes(&mut stories, &[debug.clone(), motd.clone()], Pace::default());
    let linked = stories[0].change.as_ref().expect("a change by time");
    assert_eq!((linked.rec, linked.stir, linked.proximity), (3, Some(stir), 1.0));
    // Its effect ended minutes before the failures: the last change is the nearer.
    let faded = ChangeEvent { stir: Some(Stir { until: onset - 4 * MS_PER_MIN, ..stir }), ..debug };
    let mut stories = vec![story];
    link_changes(&mut stories, &[faded, motd], Pace::default());
    assert_eq!(stories[0].change.as_ref().map(|c| c.rec), Some(4));
}

/// Errors stamped in whole seconds that name a service whose crash came in the same second are
/// downstream of it, though their stamp reads earlier.
#[test]
fn errors_in_the_same_second_as_the_crash_they_name_are_downstream() {
    let onset = 10 * MS_PER_MIN;
    let stat = SignalStat { inc_count: 40, new: true, ..Default::default() };
    let crash = Story { service: 1, onset: onset + 407, new: true, stats: vec![stat.clone()], ..Default::default() };
    let refused =
        Story { service: 2, onset, new: true, named_services: vec![1], stats: vec![stat], ..Default::default() };
    let mut stories = vec![refused.clone(), crash.clone()];
    score_stories(&mut stories, &[], onset, false, &tuning::Weights::DEFAULT);
    assert_eq!(stories[0].downstream_of, Some(1));
    // A whole second later, the named service began after them.
    let mut later = vec![refused, Story { onset: onset + 1_407, ..crash }];
    score_stories(&mut later, &[], onset, false, &tuning::Weights::DEFAULT);
    assert_eq!(later[0].downstream_of, None);
}
