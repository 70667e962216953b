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
/// A change line takes its subject from the heading lines above it in its file (an Ansible task,
/// a diff's added line) when they are at most this many lines up…
pub const HEADING_LOOKBACK_LINES: usize = 64;
/// …with no pause longer than this between consecutive lines: a play writes its task, diff and
/// results within seconds; a gap of a minute is another run.
pub const HEADING_MAX_GAP: Millis = 60 * MS_PER_SEC;

/// A change stirred its own service or one it names (a `Stir`, in the ranking's change events) when, minute after
/// minute from the change on, that service wrote at least this many times the lines per minute it
/// wrote before: DEBUG logging switched on, a retry storm, a job looping. Four times is far beyond
/// the minute-to-minute wobble of steady traffic and well below the tenfold jumps such changes make.
pub const STIR_RATIO: f64 = 4.0;
/// The before-rate is measured over this long before the change (or what the logs hold of it)…
pub const STIR_BEFORE: Millis = 5 * MS_PER_MIN;
/// …and must rest on at least this many lines: a service that was silent has no rate to beat.
pub const STIR_MIN_BASE_LINES: u64 = 10;
/// A stir is also this many lines a minute at least: the surges that fill a disk or load a host
/// are hundreds of lines a minute, while a few more lines of a quiet daemon (a link coming up,
/// journald's own notes) change nothing.
pub const STIR_MIN_LINES_PER_MIN: f64 = 100.0;
/// A stirred service must still write that much in the minute before the failures for the change
/// to count as acting on them all along: a restart's start-up burst dies down in seconds.
pub const STIR_STEP: Millis = MS_PER_MIN;
/// A value a change line names (a revision `cbefe46`, a version `v1.16.2`) is at least this long:
/// shorter words with digits (`ens5`, `v2`) name things, not one release.
pub const VALUE_MIN_LEN: usize = 5;
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

// ---- Signals against their baseline

/// A signal rose only with at least this many lines since its change point: one or two lines
/// are noise whatever their ratio.
pub const ELEVATED_MIN_LINES: u64 = 3;
/// …and, when it was seen before, a likelihood ratio (Dunning's G) of at least this against its
/// baseline (weaker than [`MIN_G`]: an error signal only has to have moved, not open a window)…
pub const ELEVATED_MIN_G: f64 = 10.0;
/// …and a rate at least this many times its baseline rate.
pub const ELEVATED_MIN_RATIO: f64 = 2.0;
/// A host carries a story (or the users' failures) when it logged at least 1/this of their lines
/// (5 %): one host's stray line does not put the incident there.
pub const HOST_SHARE_DIVISOR: u64 = 20;
/// A story is substantial (more than a stray line or two) with at least this many lines.
pub const SUBSTANTIAL_MIN_LINES: u64 = 3;

// ---- Names in lines

/// Host and service names at least this long are looked for in change lines: a change names what
/// it acts on exactly (`db-1`), and a short name there is no accident.
pub const CHANGE_NAME_MIN_LEN: usize = 2;
/// In error lines, and in endpoints, a name must be at least this long: shorter words ("api",
/// "db") are too common in messages to tie anything.
pub const ERROR_NAME_MIN_LEN: usize = 4;
/// At most this many names are looked for in a line: a log naming thousands of hosts is not worth
/// quadratic work.
pub const MAX_NAMES_SEARCHED: usize = 4096;
/// A story's first lines that are searched for names, ports and sources (one per signal, the
/// earliest signals first).
pub const CONTEXT_SIGNALS: usize = 8;
/// Words shorter than this do not make a change's identity (`a`, `=`, a stray letter).
pub const IDENTITY_MIN_WORD_LEN: usize = 2;

// ---- Changes

/// A service that logs on at least this many hosts…
pub const PER_HOST_DAEMON_MIN_HOSTS: usize = 3;
/// …and on at least 1/this of all hosts is a per-host daemon (systemd, the kernel, cron).
pub const PER_HOST_DAEMON_SHARE_DIVISOR: usize = 2;
/// A kind of change a rule names is routine with at least this many occasions in the baseline…
pub const ROUTINE_MIN_OCCASIONS: f64 = 3.0;
/// …at most this many hours apart on average: hourly, give or take the edges of the data.
pub const ROUTINE_MAX_HOURS_APART: f64 = 1.5;
/// A change-like line no rule names is routine once seen on this many occasions in the baseline.
pub const ROUTINE_PATTERN_OCCASIONS: f64 = 2.0;
/// Clocks of different files lag by a second or two: a change stamped up to this long after a
/// story's first error in another file may still precede it.
pub const FILE_CLOCK_SKEW: Millis = 2 * MS_PER_SEC;
/// A change's effects on a host (the reload its task ran) are stamped within this long of the
/// change's own line for that host, clocks of two files included.
pub const EFFECT_SPAN: Millis = 5 * MS_PER_SEC;
/// A change on the place of new errors that began before it, within this span after them, is a
/// reaction to them (systemd stopping a crashed database, an operator's restart).
pub const REACTION_SPAN: Millis = 5 * MS_PER_MIN;
/// Lines of one change are gathered this far either side of the linked line (a rollout host by host)…
pub const CHAIN_SPAN: Millis = 15 * MS_PER_MIN;
/// …other kinds of change join the chain only within this long of a line already in it.
pub const CHAIN_STEP: Millis = 3 * MS_PER_MIN;

// ---- How strongly a change is tied to a story (1 = its own service on its hosts)

/// Its own service on the story's hosts (or with no host to tell).
pub const LINK_SAME_SERVICE: f64 = 1.0;
/// Its own service, but on other hosts (and not a per-host daemon).
pub const LINK_SAME_SERVICE_ELSEWHERE: f64 = 0.5;
/// The change line names the story's service.
pub const LINK_NAMES_SERVICE: f64 = 0.9;
/// The change ran on, or names, one of the story's hosts…
pub const LINK_SHARED_HOST: f64 = 0.8;
/// …or the story's errors name a service the change touched.
pub const LINK_ERRORS_NAME_SERVICE: f64 = 0.8;
/// The story's errors name a host the change acted on (weaker: the errors may only mention it).
pub const LINK_ERRORS_NAME_HOST: f64 = 0.75;
/// The change touched the same specific subsystem as the story, and nothing names the tie.
pub const LINK_SUBSYSTEM: f64 = 0.6;

// ---- The story score

/// Stories that began this close before the failures are "near" them: full timing, and the span
/// within which a new story is what later timeouts waited on, and beyond which an off-path story
/// is detached.
pub const NEAR_ONSET: Millis = 5 * MS_PER_MIN;
/// Timing of a story that began after the failures (the files' clocks may lag).
pub const TIMING_AFTER_ONSET: f64 = 0.9;
/// Timing decays beyond [`NEAR_ONSET`]: this much earlier again weighs 1/e.
pub const TIMING_DECAY: f64 = 15.0 * MS_PER_MIN as f64;
/// Order: a story later than one tied to it (shared hosts, a named service or host) loses up to
/// this much; it is likely the echo…
pub const ORDER_TIED_PENALTY: f64 = 0.6;
/// …and later than any story, up to this much: two things broke, and the first need not be the cause.
pub const ORDER_ANY_PENALTY: f64 = 0.3;
/// The order penalty is full for a story this much later (or more).
pub const ORDER_FULL_AFTER: Millis = MS_PER_MIN;
/// Strength from the story's G: a G this large weighs 1 - 1/e.
pub const STRENGTH_G_SCALE: f64 = 40.0;
/// A new story that came with the incident is at least this strong however few its lines (an OOM
/// kill, a disk-full error).
pub const NEW_STRENGTH_FLOOR: f64 = 0.6;
/// Lines stamped later than this after the failures began are not their start (a few seconds'
/// skew between files aside).
pub const STRAY_SKEW: Millis = 5 * MS_PER_SEC;
/// Another service's new errors between a change and a story overtake the change only when the
/// change came at least this long before the story.
pub const OVERTAKEN_MIN_GAP: Millis = 2 * MS_PER_MIN;
/// Share of the change's weight left to a detached story's change, or when unrelated errors came
/// in between.
pub const PARTIAL_REACH: f64 = 0.5;
/// Factor on a story of a service that reports the users' failures, with no change of its own:
/// usually the echo of its backends.
pub const SYMPTOM_SERVICE_FACTOR: f64 = 0.8;
/// Factor on a story downstream of another (its errors name it, or it waited on it).
pub const DOWNSTREAM_FACTOR: f64 = 0.8;
/// Factor on a detached story (off the failing path, minutes ahead).
pub const DETACHED_FACTOR: f64 = 0.75;
/// Factor on a stray line or two stamped after the failures began.
pub const STRAY_FACTOR: f64 = 0.6;
/// Severity of a warning-level story (an error is 1).
pub const WARNING_SEVERITY: f64 = 0.7;
/// Severity of a rule's line: this base plus [`RULE_SEVERITY_PER_WEIGHT`] times the rule's weight…
pub const RULE_SEVERITY_BASE: f64 = 0.8;
/// …per unit of rule weight…
pub const RULE_SEVERITY_PER_WEIGHT: f64 = 0.2;
/// …at most this.
pub const RULE_SEVERITY_MAX: f64 = 1.2;
/// No story is less severe than this.
pub const SEVERITY_FLOOR: f64 = 0.5;
/// A later story's score is multiplied by this when it is ruled a consequence of the first.
pub const CONSEQUENCE_FACTOR: f64 = 0.5;
/// Two onsets within this are the same moment (files stamped to the second cannot tell them apart).
pub const SAME_MOMENT: Millis = MS_PER_SEC;

// ---- Changes no story claimed

/// Score of a change ruled unrelated (its services' errors did not move).
pub const UNRELATED_SCORE: f64 = 0.05;
/// A change this long or more before the failures, tied to nothing, is not listed.
pub const LONE_CHANGE_SPAN: Millis = 15 * MS_PER_MIN;
/// With no error story at all, the closest change scores this base plus
/// [`NO_STORY_CHANGE_PER_PROXIMITY`] times its proximity (it may be the likely cause)…
pub const NO_STORY_CHANGE_BASE: f64 = 0.25;
/// …per unit of proximity.
pub const NO_STORY_CHANGE_PER_PROXIMITY: f64 = 0.4;
/// With error stories that did not claim it, a change scores this base plus
/// [`LONE_CHANGE_PER_PROXIMITY`] times its proximity (never a likely cause)…
pub const LONE_CHANGE_BASE: f64 = 0.1;
/// …per unit of proximity.
pub const LONE_CHANGE_PER_PROXIMITY: f64 = 0.25;
/// Lines on the same host and service this soon after a listed change join it.
pub const LONE_CHANGE_JOIN: Millis = MS_PER_MIN;
/// Score of a consequence (errors that began after the users noticed).
pub const CONSEQUENCE_SCORE: f64 = 0.1;

// ---- The incident window: its edges, candidates and rare templates

/// A window's own rate must hold over the first this long of it to start there.
pub const SUSTAIN_SPAN: Millis = 2 * MS_PER_MIN;
/// The window's start may move back this far through buckets that stand out.
pub const MAX_START_BACK: Millis = 30 * MS_PER_MIN;
/// A share of the window's rate that a stretch must keep to be "sustained", and the share of the
/// window's excess an earlier stretch must reach to be called an earlier burst.
pub const SUSTAIN_SHARE: f64 = 0.5;
/// Fewer than this many records of the symptoms' services inside, or outside, the window say
/// nothing through their share.
pub const SHARE_MIN_TOTAL: f64 = 50.0;
/// Failures that are at least this share of everything their services log outside the window
/// come from a log of failures only: their share says nothing.
pub const FAILURE_ONLY_SHARE: f64 = 0.5;
/// Symptom signals tried on their own for a window, the loudest first.
pub const OWN_WINDOW_CANDIDATES: usize = 12;
/// A mined template is rare enough to be an event (a change) when seen at most once per this many
/// timed records…
pub const CHANGE_TEMPLATE_RARITY: u64 = 500;
/// …or at most this many times, whichever is more.
pub const CHANGE_TEMPLATE_MAX_MIN: u64 = 50;

// ---- Impact

/// Past this many access lines, every k-th estimates the failing shares (200k samples put a
/// share within a fraction of a percent).
pub const ENDPOINT_SAMPLES: usize = 200_000;
/// An endpoint needs at least this many failures in the window to be named.
pub const ENDPOINT_MIN_FAILURES: u64 = 5;

// ---- What a cause shows

/// Evidence lines per cause.
pub const MAX_EVIDENCE: usize = 4;
/// Lines of the linked change shown after its trigger.
pub const CHANGE_EVIDENCE_EXTRA: usize = 2;
/// A story's signals whose first line is evidence.
pub const EVIDENCE_SIGNALS: usize = 3;
/// A story's other signals listed as related.
pub const RELATED_SIGNALS: usize = 4;
/// Characters of a title.
pub const TITLE_CHARS: usize = 90;
/// Characters of an evidence line kept.
pub const EVIDENCE_TEXT_CHARS: usize = 2000;
/// Records read per file when looking for a signal's first line on given hosts.
pub const FIRST_ON_HOSTS_LOOK_AHEAD: usize = 50_000;
/// Hosts named in the impact's description, at most.
pub const IMPACT_HOSTS_NAMED: usize = 6;
/// How many chronic / consequence / unrelated entries to list.
pub const MAX_RULED_OUT: usize = 6;
/// The timeline shows changes this long before the onset…
pub const TIMELINE_BEFORE: Millis = 30 * MS_PER_MIN;
/// …and this long after the incident ended.
pub const TIMELINE_AFTER: Millis = 15 * MS_PER_MIN;

// ---- The weights of the story score

/// The weights that combine a story's evidence into its score. Each part is in 0..1; the weights
/// say how much each kind of evidence counts. An evaluation may override them
/// ([`crate::analysis::AnalysisOptions::weights`]); the product uses [`Weights::DEFAULT`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Weights {
    /// How close before the failures the story began (see [`NEAR_ONSET`], [`TIMING_DECAY`]).
    pub timing: f64,
    /// Whether it began before the stories tied to it (see [`ORDER_TIED_PENALTY`]).
    pub order: f64,
    /// How far its rate departs from its baseline, times its severity (see [`STRENGTH_G_SCALE`]).
    pub strength: f64,
    /// Never seen in the baseline.
    pub novelty: f64,
    /// A change that explains it: times the change's link and proximity.
    pub change: f64,
}

impl Weights {
    /// Change evidence counts most (a change tied by name, right before the errors, is what a
    /// responder undoes first); then strength; timing and order break ties among the rest; being
    /// new is a bonus on top. Without a change a story scores at most 0.65, so it clears
    /// [`LIKELY_THRESHOLD`] only when it is strong, near and first (no linked change is an
    /// answer too: an expired certificate, a killed process).
    pub const DEFAULT: Weights = Weights { timing: 0.15, order: 0.15, strength: 0.25, novelty: 0.10, change: 0.35 };
}

impl Default for Weights {
    fn default() -> Weights {
        Weights::DEFAULT
    }
}

/// Added to a linked change's weight when it acted on every host of the story.
pub const HOST_MATCH_BONUS: f64 = 0.05;
