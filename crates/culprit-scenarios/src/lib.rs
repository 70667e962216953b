//! Scenario generator: writes realistic incident log sets with ground truth,
//! for tests, benchmarks and the bundled `sample-logs/`. Test machinery, kept
//! out of the product library (this crate is never published): culprit's tests,
//! examples and benches use it as a dev-dependency. [`eval`] runs culprit on
//! the generated sets and grades the findings; [`example`] is a hand-built set
//! of findings the report views are tested against.
//!
//! A scenario is a small simulated shop: an nginx edge, an auth service, an
//! orders service, payments, a notifier, PostgreSQL (and sometimes a MariaDB/MySQL
//! billing database), hosts writing syslog, a deploy/config audit log and a
//! health-check log. Time advances one second at a time; each second's lines
//! (requests, background noise, scheduled changes) are sorted and streamed to
//! buffered files, so any volume can be written in constant memory.
//!
//! Every family tells one incident story (a change on some hosts → errors →
//! user-facing failures) and always carries red herrings: a loud chronic error
//! source, an unrelated routine change shortly before, and consequence errors
//! elsewhere after the onset. `truth.json` records what really happened.
//!
//! Output depends only on (family, seed, size): the PRNG is seeded splitmix64
//! and no platform maths (exp, ln, sin) is used.

pub mod eval;
pub mod example;
pub mod grade;
pub mod kit;
mod render;
pub mod rng;
mod world;

use serde::Serialize;
use std::io;
use std::path::Path;

pub use world::Family;

/// What to generate.
#[derive(Clone, Debug)]
pub struct Options {
    pub family: Family,
    pub seed: u64,
    /// Target total size of the log files in bytes (approximate); `None` for the family's natural size.
    pub size: Option<u64>,
    /// The fixed 2024-01-22 auth outage bundled as `sample-logs/`.
    pub sample: bool,
}

impl Options {
    pub fn new(family: Family, seed: u64) -> Options {
        Options { family, seed, size: None, sample: false }
    }

    /// The preset behind `sample-logs/`.
    pub fn sample() -> Options {
        Options { family: Family::AuthConfig, seed: SAMPLE_SEED, size: None, sample: true }
    }
}

/// Seed of the bundled sample.
pub const SAMPLE_SEED: u64 = 20240122;

/// Ground truth written to `truth.json`.
#[derive(Clone, Debug, Serialize)]
pub struct Truth {
    pub family: String,
    pub seed: u64,
    /// First and last second the logs cover.
    pub span: Window,
    pub incident: Option<Window>,
    pub cause: Option<CauseTruth>,
    pub red_herrings: Vec<Herring>,
    pub symptom: Symptom,
    /// Every log file written, with the format its writer used.
    pub files: Vec<FileTruth>,
    pub counts: Counts,
}

#[derive(Clone, Debug, Serialize)]
pub struct Window {
    pub start: String,
    pub end: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct CauseTruth {
    pub subsystem: String,
    pub kind: String,
    /// Relative to `logs/`.
    pub path: String,
    /// 1-based.
    pub line: u64,
    pub text: String,
    pub hosts: Vec<String>,
    /// When the change was applied (RFC 3339).
    pub at: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Herring {
    pub subsystem: String,
    pub kind: String,
    pub path: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Symptom {
    pub description: String,
    /// Share of symptom-endpoint requests that failed before the change.
    pub baseline_ratio: f64,
    /// The same share inside the incident window.
    pub incident_ratio: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct FileTruth {
    pub path: String,
    pub format: String,
    pub lines: u64,
    pub bytes: u64,
}

/// Line counts that make the red herrings checkable.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Counts {
    /// Error lines written by the cause's chain (failing service and mechanism) in the incident.
    pub incident_errors: u64,
    /// Error lines written by the chronic source over the whole scenario.
    pub chronic_errors: u64,
    pub requests: u64,
}

/// Writes `out/logs/...` and `out/truth.json`; returns the truth.
pub fn generate(out: &Path, opts: &Options) -> io::Result<Truth> {
    let mut scale = world::Scale::default();
    if let Some(target) = opts.size {
        // Pilot run into a counting sink, then scale traffic and baseline length to the target.
        let bytes = |t: &Truth| t.files.iter().map(|f| f.bytes).sum::<u64>().max(1);
        let pilot = world::run(opts, scale, None)?;
        scale = world::Scale::for_target(bytes(&pilot), target);
        // A longer baseline reaches into quieter night hours, and some lines do not scale with
        // traffic: measure the scaled scenario at a modest rate and correct the rate from that.
        let probe = world::Scale { rps_mul: scale.rps_mul.min(1.0), ..scale };
        let measured = world::run(opts, probe, None)?;
        scale.rps_mul = (probe.rps_mul * target as f64 / bytes(&measured) as f64).max(0.01);
    }
    let logs = out.join("logs");
    if logs.exists() {
        // Only ever replace a scenario written before, never someone's real logs.
        if !out.join("truth.json").is_file() {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!("{} exists and is not a generated scenario (no truth.json beside it)", logs.display()),
            ));
        }
        std::fs::remove_dir_all(&logs)?;
    }
    std::fs::create_dir_all(&logs)?;
    let truth = world::run(opts, scale, Some(&logs))?;
    let json = serde_json::to_string_pretty(&truth).map_err(io::Error::other)?;
    std::fs::write(out.join("truth.json"), json + "\n")?;
    Ok(truth)
}

/// Seeds used by `--all`.
pub const ALL_SEEDS: [u64; 3] = [1, 2, 3];

/// Every family × [`ALL_SEEDS`], each in `out/<family>-<seed>/`.
pub fn generate_all(out: &Path, size: Option<u64>) -> io::Result<Vec<Truth>> {
    let mut all = Vec::new();
    for fam in Family::ALL {
        for seed in ALL_SEEDS {
            let opts = Options { family: fam, seed, size, sample: false };
            all.push(generate(&out.join(format!("{}-{seed}", fam.name())), &opts)?);
        }
    }
    Ok(all)
}

/// Parses `64M`, `1G`, `500k` or plain bytes.
pub fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let (num, mul) = match s.char_indices().last()? {
        (i, 'k' | 'K') => (&s[..i], 1u64 << 10),
        (i, 'm' | 'M') => (&s[..i], 1 << 20),
        (i, 'g' | 'G') => (&s[..i], 1 << 30),
        _ => (s, 1),
    };
    num.trim().parse::<u64>().ok().map(|n| n * mul)
}
