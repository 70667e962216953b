//! The analysis's hand-set numbers, in one table with the reason for each. A number here is a
//! judgement about incidents in general (how fast a reload acts, how long a baseline must be to
//! trust a zero), never about one incident; changing one is measured on the whole corpus
//! (`examples/rank_eval.rs`, `tests/incidents.rs`, `tests/real_servers.rs`).

use crate::time::{Millis, MS_PER_SEC};

/// A baseline at least this long (minutes) that never shows a signal makes it **new** outright.
pub const NEW_BASELINE_MIN: f64 = 30.0;
/// Below [`NEW_BASELINE_MIN`] a zero still means something when the signal is frequent enough:
/// at its incident rate the baseline would have shown it with at least this probability
/// (two crash lines in 2.5 minutes against 6 minutes of silence: 99 %). A responder who copies
/// the last minutes of logs off a box has only minutes of baseline.
pub const NEW_SEEN_PROBABILITY: f64 = 0.95;
/// …and no zero means anything over less than this many minutes of baseline.
pub const NEW_MIN_BASELINE_MIN: f64 = 3.0;

/// A change acts at once when the failures it explains begin within this span after it: a
/// reload, a restart or a `SET GLOBAL` takes effect in seconds, and files' clocks lag by a few.
pub const PROMPT_SPAN: Millis = 30 * MS_PER_SEC;
/// Beyond [`PROMPT_SPAN`], a change that would have had to wait through this many failures'
/// worth of healthy traffic (the incident's failure rate times the gap) did not act at once:
/// something else set the time the failures began.
pub const PROMPT_MISSED_FAILURES: f64 = 30.0;
/// What is left of the link of a change that did not act at once and that no scope ties to the
/// failures beyond its service (a server's start six minutes before its crash).
pub const DELAYED_LINK_FACTOR: f64 = 0.25;

/// With at least this many minutes (of logs) before the 15-minute lead-in, the baseline ends where
/// the lead-in begins.
pub const LONG_BASELINE_MIN: f64 = 10.0;
/// With less, the lead-in is this share of the logs before the failures…
pub const SHORT_LEAD_SHARE: f64 = 0.25;
/// …but at least this long: the trigger and its first errors often come seconds to a minute
/// before the users notice, and must not count as the baseline they departed from.
pub const SHORT_LEAD_MIN: Millis = 60 * MS_PER_SEC;
