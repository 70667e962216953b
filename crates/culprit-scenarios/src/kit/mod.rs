//! The incident kit: a declarative generator of incident folders, one family per small file.
//!
//! A generated folder holds log files in real formats (see [`format::Fmt`]) and a `truth.json`
//! in the layout of the real-server incident sets: the incident window (or null), the cause's
//! file, line and accept regexes, and the red herrings (chronic errors, unrelated changes,
//! consequences) with a regex each.
//!
//! # How to add a family
//!
//! 1. Write `families/<name>.rs` with one `pub fn build(s: &mut Scene)` and register it in
//!    [`families::ALL`] as `Family { name, baseline, build }`. `baseline` says how much healthy
//!    log comes before the trigger ([`Baseline::Short`] is 3–10 minutes, like logs copied off
//!    a box; the engine draws the length per seed and sets `s.trigger`).
//! 2. In `build`: pick hosts ([`Scene::hosts`]) and files ([`Scene::file`], format per seed
//!    where the family allows), then describe the story with times relative to `s.trigger`:
//!    - baseline traffic and symptoms: [`Scene::every`] with a closure that returns the record
//!      for one tick (a healthy line before the onset, a failing one after, on the affected hosts);
//!    - chronic noise: [`Scene::every`] over the whole span plus [`Scene::herring`] `"chronic"`;
//!    - changes, the trigger, reactions and the fix: [`Scene::once`] (it returns a [`Mark`]);
//!    - the truth: [`Scene::cause`] with the trigger's mark and accept regexes,
//!      [`Scene::incident`] with the window, [`Scene::herring`] for every red herring.
//! 3. Message text is what the real program prints; regexes in the truth match those lines.
//!
//! `tests/kit.rs` checks every registered family (determinism, truth lines, herring regexes,
//! formats read by culprit); nothing else needs to change.
//!
//! Output depends only on (family, seed): all randomness comes from [`Rng`].

pub mod families;
pub mod format;

use super::rng::Rng;
use culprit::time::Millis;
pub use format::Fmt;
use serde::{Deserialize, Serialize};
use std::io::{self, Write};
use std::path::Path;

/// A record's severity, mapped to each format's own level names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Debug,
    Info,
    Notice,
    Warn,
    Error,
    Fatal,
}

impl Level {
    fn syslog_priority(self) -> u8 {
        match self {
            Level::Debug => 7,
            Level::Info => 6,
            Level::Notice => 5,
            Level::Warn => 4,
            Level::Error => 3,
            Level::Fatal => 2,
        }
    }
    fn nginx(self) -> &'static str {
        match self {
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Notice => "notice",
            Level::Warn => "warn",
            Level::Error => "error",
            Level::Fatal => "crit",
        }
    }
    fn postgres(self) -> &'static str {
        match self {
            Level::Debug => "DEBUG",
            Level::Info | Level::Notice => "LOG",
            Level::Warn => "WARNING",
            Level::Error => "ERROR",
            Level::Fatal => "FATAL",
        }
    }
    fn mariadb(self) -> &'static str {
        match self {
            Level::Debug | Level::Info | Level::Notice => "Note",
            Level::Warn => "Warning",
            Level::Error | Level::Fatal => "ERROR",
        }
    }
    fn pino(self) -> u8 {
        match self {
            Level::Debug => 20,
            Level::Info | Level::Notice => 30,
            Level::Warn => 40,
            Level::Error => 50,
            Level::Fatal => 60,
        }
    }
    fn zap(self) -> &'static str {
        match self {
            Level::Debug => "debug",
            Level::Info | Level::Notice => "info",
            Level::Warn => "warn",
            Level::Error => "error",
            Level::Fatal => "fatal",
        }
    }
    fn java(self) -> &'static str {
        match self {
            Level::Debug => "DEBUG",
            Level::Info | Level::Notice => "INFO",
            Level::Warn => "WARN",
            Level::Error => "ERROR",
            Level::Fatal => "FATAL",
        }
    }
    fn java_value(self) -> u32 {
        match self {
            Level::Debug => 10000,
            Level::Info | Level::Notice => 20000,
            Level::Warn => 30000,
            Level::Error | Level::Fatal => 40000,
        }
    }
    fn python(self) -> &'static str {
        match self {
            Level::Debug => "DEBUG",
            Level::Info | Level::Notice => "INFO",
            Level::Warn => "WARNING",
            Level::Error => "ERROR",
            Level::Fatal => "CRITICAL",
        }
    }
    fn klog(self) -> char {
        match self {
            Level::Debug | Level::Info | Level::Notice => 'I',
            Level::Warn => 'W',
            Level::Error => 'E',
            Level::Fatal => 'F',
        }
    }
}

/// One log record before it is written: the format decides which parts appear and how.
#[derive(Clone, Debug)]
pub struct Rec {
    pub ts: Millis,
    pub host: String,
    /// Program, service or logger name.
    pub app: String,
    pub pid: u32,
    pub level: Level,
    /// The message; for PostgreSQL, continuation parts (DETAIL/HINT) follow after `\n`.
    pub msg: String,
    /// Structured fields (JSON members, logfmt pairs, access-log parts).
    pub kv: Vec<(&'static str, String)>,
    /// The format of this record when it differs from its file's (a Go service's JSON logger
    /// and the runtime's plain panic text on the same container stream).
    pub own: Option<Fmt>,
}

impl Rec {
    pub fn new(ts: Millis, host: &str, app: &str, level: Level, msg: impl Into<String>) -> Rec {
        Rec {
            ts,
            host: host.to_string(),
            app: app.to_string(),
            pid: 0,
            level,
            msg: msg.into(),
            kv: Vec::new(),
            own: None,
        }
    }
    pub fn pid(mut self, pid: u32) -> Rec {
        self.pid = pid;
        self
    }
    /// Written in `fmt` instead of the file's format (inside the file's container wrapper, if any).
    pub fn own(mut self, fmt: Fmt) -> Rec {
        self.own = Some(fmt);
        self
    }
    pub fn kv(mut self, key: &'static str, value: impl ToString) -> Rec {
        self.kv.push((key, value.to_string()));
        self
    }
}

/// How much healthy log precedes the trigger; the engine draws the length per seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Baseline {
    /// 3–10 minutes: logs copied off a box over SSH.
    Short,
    /// 20–60 minutes.
    Medium,
    /// 2–4 hours.
    Long,
}

impl Baseline {
    fn minutes(self, rng: &mut Rng) -> i64 {
        match self {
            Baseline::Short => rng.range(3, 10),
            Baseline::Medium => rng.range(20, 60),
            Baseline::Long => rng.range(120, 240),
        }
    }
}

/// A family: a name, how long its baseline is, and the function that writes its story.
#[derive(Clone, Copy)]
pub struct Family {
    pub name: &'static str,
    pub baseline: Baseline,
    pub build: fn(&mut Scene),
}

/// A handle on one file of the scene.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileId(usize);

/// A handle on one record written with [`Scene::once`], resolved to a line number on output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mark(usize);

struct FileOut {
    name: String,
    fmt: Fmt,
    /// (record, sequence, mark) — the sequence keeps equal timestamps in emission order.
    recs: Vec<(Rec, usize, Option<usize>)>,
}

/// The truth file, in the layout of the real-server incident sets.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Truth {
    pub name: String,
    pub description: String,
    pub incident: Option<TruthWindow>,
    pub cause: Option<TruthCause>,
    pub red_herrings: Vec<TruthHerring>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TruthWindow {
    pub start: String,
    pub end: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TruthCause {
    pub subsystem: String,
    pub file: String,
    /// 1-based line of the trigger.
    pub line: u64,
    pub accept: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TruthHerring {
    pub file: String,
    /// chronic, unrelated-change or consequence.
    pub kind: String,
    pub regex: String,
}

/// The world one family writes into: the clock, the files, the truth.
pub struct Scene {
    pub rng: Rng,
    /// First second of the logs.
    pub start: Millis,
    /// When the trigger happens (start + the drawn baseline).
    pub trigger: Millis,
    /// Last second of the logs; families may move it.
    pub end: Millis,
    pub description: String,
    files: Vec<FileOut>,
    seq: usize,
    marks: usize,
    cause: Option<(Mark, String, Vec<String>)>,
    incident: Option<(Millis, Millis)>,
    herrings: Vec<(FileId, String, String)>,
    streams: u64,
}

pub const MINUTE: Millis = 60_000;
pub const SECOND: Millis = 1_000;

impl Scene {
    fn new(family: &Family, seed: u64) -> Scene {
        let mut rng = Rng::new(seed ^ name_hash(family.name));
        // 2026-11-02T00:00:00Z plus a few days and hours, so stamps differ between seeds.
        let start = 1_793_577_600_000 + rng.range(0, 27) * 86_400_000 + rng.range(0, 23 * 60) * MINUTE;
        // Not on a whole second: real triggers are not, and a round stamp would single them out.
        let baseline = family.baseline.minutes(&mut rng) * MINUTE + rng.range(0, 59_999);
        let trigger = start + baseline;
        let end = trigger + rng.range(6, 12) * MINUTE + rng.range(0, 59) * SECOND;
        Scene {
            rng,
            start,
            trigger,
            end,
            description: String::new(),
            files: Vec::new(),
            seq: 0,
            marks: 0,
            cause: None,
            incident: None,
            herrings: Vec::new(),
            streams: 0,
        }
    }

    /// `n` host names in one of a few naming schemes chosen per seed (`app-1`, `app03`,
    /// `ip-10-0-3-17`, `app-7f9c2`), all distinct.
    pub fn hosts(&mut self, role: &str, n: usize) -> Vec<String> {
        let scheme = self.rng.below(4);
        let subnet = self.rng.range(1, 9);
        let mut out: Vec<String> = Vec::new();
        let mut i = self.rng.range(1, 3) as usize;
        while out.len() < n {
            let name = match scheme {
                0 => format!("{role}-{i}"),
                1 => format!("{role}{i:02}"),
                2 => format!("ip-10-0-{subnet}-{}", 10 + i * 7 + self.rng.below(5) as usize),
                _ => format!("{role}-{}", self.rng.hex_string(5)),
            };
            if !out.contains(&name) {
                out.push(name);
            }
            i += 1;
        }
        out
    }

    /// Adds an output file.
    pub fn file(&mut self, name: &str, fmt: Fmt) -> FileId {
        self.files.push(FileOut { name: name.to_string(), fmt, recs: Vec::new() });
        FileId(self.files.len() - 1)
    }

    /// A file's format (for regexes that depend on it).
    pub fn format_of(&self, f: FileId) -> &Fmt {
        &self.files[f.0].fmt
    }

    /// A file's name (for herrings and descriptions).
    pub fn name(&self, f: FileId) -> &str {
        &self.files[f.0].name
    }

    /// Writes one record and returns its mark.
    pub fn once(&mut self, file: FileId, rec: Rec) -> Mark {
        let mark = self.marks;
        self.marks += 1;
        self.files[file.0].recs.push((rec, self.seq, Some(mark)));
        self.seq += 1;
        Mark(mark)
    }

    /// Writes records at about `per_min` ticks a minute from `from` to `to`: for each tick,
    /// `line` gets its own random stream and the tick's time and returns the record (or none).
    pub fn every(
        &mut self,
        file: FileId,
        from: Millis,
        to: Millis,
        per_min: f64,
        mut line: impl FnMut(&mut Rng, Millis) -> Option<Rec>,
    ) {
        self.streams += 1;
        let mut rng = self.rng.fork(self.streams);
        let per_sec = per_min / 60.0;
        let mut sec = from.div_euclid(SECOND) * SECOND;
        while sec < to {
            for _ in 0..rng.count(per_sec) {
                let t = sec + rng.below(1000) as Millis;
                if t < from || t >= to {
                    continue;
                }
                if let Some(rec) = line(&mut rng, t) {
                    self.files[file.0].recs.push((rec, self.seq, None));
                    self.seq += 1;
                }
            }
            sec += SECOND;
        }
    }

    /// Names the trigger and the regexes a headline line may match to count as naming it.
    pub fn cause(&mut self, trigger: Mark, subsystem: &str, accept: &[&str]) {
        self.cause = Some((trigger, subsystem.to_string(), accept.iter().map(|a| a.to_string()).collect()));
    }

    /// The incident window: the first failure and the recovery (or the end of the logs).
    pub fn incident(&mut self, start: Millis, end: Millis) {
        self.incident = Some((start, end));
    }

    /// A red herring: `kind` is `chronic`, `unrelated-change` or `consequence`.
    pub fn herring(&mut self, file: FileId, kind: &str, regex: &str) {
        self.herrings.push((file, kind.to_string(), regex.to_string()));
    }

    /// A time uniformly in `[a, b]`, to the millisecond.
    pub fn between(&mut self, a: Millis, b: Millis) -> Millis {
        self.rng.range(a, b.max(a))
    }

    /// One of `items`, uniformly (formats, names).
    pub fn choose<T: Clone>(&mut self, items: &[T]) -> T {
        self.rng.pick(items).clone()
    }

    pub fn pid(&mut self) -> u32 {
        self.rng.range(900, 48_000) as u32
    }
}

/// FNV-1a of a family's name, so families with the same seed draw different worlds.
fn name_hash(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3))
}

fn stamp(ms: Millis) -> String {
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Writes `out/<files>` and `out/truth.json` for one family and seed; returns the truth.
/// Refuses a non-empty folder that is not a generated incident.
pub fn generate(out: &Path, family: &Family, seed: u64) -> io::Result<Truth> {
    let mut scene = Scene::new(family, seed);
    (family.build)(&mut scene);
    if out.exists() && std::fs::read_dir(out)?.next().is_some() && !out.join("truth.json").is_file() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("{} exists and is not a generated incident (no truth.json)", out.display()),
        ));
    }
    std::fs::create_dir_all(out)?;
    let (files, truth) = render(scene, &format!("{}-{seed}", family.name))?;
    for (name, bytes) in files {
        std::fs::write(out.join(name), bytes)?;
    }
    let json = serde_json::to_string_pretty(&truth).map_err(io::Error::other)?;
    std::fs::write(out.join("truth.json"), json + "\n")?;
    Ok(truth)
}

/// Each file's name and bytes, and the truth.
pub type Rendered = (Vec<(String, Vec<u8>)>, Truth);

/// The files' bytes and the truth, in memory (what [`generate`] writes).
pub fn render_family(family: &Family, seed: u64) -> io::Result<Rendered> {
    let mut scene = Scene::new(family, seed);
    (family.build)(&mut scene);
    render(scene, &format!("{}-{seed}", family.name))
}

fn render(scene: Scene, name: &str) -> io::Result<Rendered> {
    let mut lines_of_marks = vec![0u64; scene.marks];
    let mut file_of_marks = vec![usize::MAX; scene.marks];
    let mut out = Vec::new();
    for (fi, mut f) in scene.files.into_iter().enumerate() {
        f.recs.retain(|(r, _, _)| r.ts >= scene.start && r.ts <= scene.end);
        f.recs.sort_by_key(|(r, seq, _)| (r.ts, *seq));
        let mut bytes = Vec::new();
        let mut line = 1u64;
        for (rec, _, mark) in &f.recs {
            let text = format::render(&f.fmt, rec);
            if let Some(m) = mark {
                lines_of_marks[*m] = line;
                file_of_marks[*m] = fi;
            }
            line += 1 + text.matches('\n').count() as u64;
            bytes.write_all(text.as_bytes())?;
            bytes.push(b'\n');
        }
        out.push((f.name, bytes));
    }
    let cause = match scene.cause {
        Some((Mark(m), subsystem, accept)) => {
            let fi = file_of_marks[m];
            if fi == usize::MAX {
                return Err(io::Error::other(format!("{name}: the trigger falls outside the logs")));
            }
            Some(TruthCause { subsystem, file: out[fi].0.clone(), line: lines_of_marks[m], accept })
        }
        None => None,
    };
    let red_herrings = scene
        .herrings
        .into_iter()
        .map(|(f, kind, regex)| TruthHerring { file: out[f.0].0.clone(), kind, regex })
        .collect();
    let truth = Truth {
        name: name.to_string(),
        description: scene.description,
        incident: scene.incident.map(|(a, b)| TruthWindow { start: stamp(a), end: stamp(b) }),
        cause,
        red_herrings,
    };
    Ok((out, truth))
}

/// A family by name.
pub fn family(name: &str) -> Option<&'static Family> {
    families::ALL.iter().find(|f| f.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_family_has_a_unique_name() {
        let mut names: Vec<&str> = families::ALL.iter().map(|f| f.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), families::ALL.len());
    }
}
