//! The analysis's hand-set numbers, in one table with the reason for each. A number here is a
//! judgement about incidents in general (how fast a reload acts, how long a baseline must be to
//! trust a zero), never about one incident; changing one is measured on the whole corpus
//! (`examples/rank_eval.rs`, `tests/incidents.rs`, `tests/real_servers.rs`).

use crate::time::{Millis, MS_PER_MIN, MS_PER_SEC};

/// A baseline at least this long (minutes) that never shows a signal makes it **new** outright.
pub const NEW_BASELINE_MIN: f64 = 30.0;
/// Below [`NEW_BASELINE_MIN`] a zero still means something when the signal is frequent enough:
/// at its incident rate the baseline would have shown it with at least this probability
/// (two crash lines in 2.5 minutes against 6 minutes of silence: 99 %). A responder who copies
/// the last minutes of logs off a box has only minutes of baseline.
pub const NEW_SEEN_PROBABILITY: f64 = 0.95;
/// …and no zero means anything over less than this many minutes of baseline: the shortest
/// lead-in ([`SHORT_LEAD_MIN`]) again, so that a minute of silence still has to be explained by
/// the rate (a hundred refused connections a minute would have shown; two crash lines need not).
pub const NEW_MIN_BASELINE_MIN: f64 = 1.0;

/// A change acts at once when the failures it explains begin within this span after it: a
/// reload, a restart or a `SET GLOBAL` takes effect in seconds, and files' clocks lag by a few.
pub const PROMPT_SPAN: Millis = 30 * MS_PER_SEC;
/// Beyond [`PROMPT_SPAN`], a change that would have had to wait through this many failures'
/// worth of healthy traffic (the incident's failure rate times the gap) did not act at once:
/// something else set the time the failures began.
pub const PROMPT_MISSED_FAILURES: f64 = 30.0;

/// With at least this many minutes (of logs) before the 15-minute lead-in, the baseline ends where
/// the lead-in begins.
pub const LONG_BASELINE_MIN: f64 = 10.0;
/// With less, the lead-in is this share of the logs before the failures…
pub const SHORT_LEAD_SHARE: f64 = 0.25;
/// …but at least this long: the trigger and its first errors often come seconds to a minute
/// before the users notice, and must not count as the baseline they departed from.
pub const SHORT_LEAD_MIN: Millis = 60 * MS_PER_SEC;

// ---- Stories and changes

/// Errors may lead the symptoms by this much and still be "before" them; anything later is a consequence.
pub const CAUSE_TOLERANCE: i64 = 30 * MS_PER_SEC;
/// When no error began before the users noticed, the errors that began within this long after
/// are the best explanation there is (a stray failure from the baseline may open the window).
pub const LATE_TOLERANCE: i64 = 5 * MS_PER_MIN;
/// How far back before an onset a change can be its trigger.
pub const CHANGE_HORIZON: i64 = 60 * MS_PER_MIN;
/// Causes often start before users notice: this stretch before the window is neither baseline nor incident.
pub const LEAD: i64 = 15 * MS_PER_MIN;
/// Proximity decay for changes: a change this long before the onset weighs 1/e.
pub const CHANGE_DECAY: f64 = 20.0 * MS_PER_MIN as f64;
/// Link of a change to a story through a shared topic alone (between a host match and a subsystem match).
pub const TOPIC_LINK: f64 = 0.7;
/// Link of a change on a host and port the errors name: between a change of another service that
/// names the failing service (0.9) and a change that ran on a failing host (0.8).
pub const NAMED_PORT_LINK: f64 = 0.85;
/// The link of a change that nothing but time ties to a new story: never seen before, it came at
/// most [`TIME_ONLY_SPAN`] before, and no other change is linked (a batch job's first run, a
/// minute before the database slows down).
pub const TIME_LINK: f64 = 0.3;
/// How far before a new story a change tied to it by nothing but time may come.
pub const TIME_ONLY_SPAN: Millis = 2 * MS_PER_MIN;
/// Another kind of change joins a change's chain of lines only when tied to the story more
/// strongly than this: by its service or hosts (links 0.8 and up), not by a named host of the
/// errors, a topic or a subsystem alone (a database tweak a minute before a deploy is a rival).
pub const CHAIN_LINK_MIN: f64 = 0.75;
/// Lines of one kind of change less than this apart are one occasion of it.
pub const OCCASION_GAP: Millis = 5 * MS_PER_MIN;
/// A top score below this is "no likely cause".
pub const LIKELY_THRESHOLD: f64 = 0.5;

// ---- The incident window

/// Below this likelihood ratio (Dunning's G) a burst of symptoms is ordinary noise: the incident
/// window must reach it…
pub const MIN_G: f64 = 25.0;
/// …its rate must be at least this many times the rate outside it…
pub const MIN_RATIO: f64 = 2.0;
/// …and hold at least this many failures.
pub const MIN_EVENTS: u64 = 8;
