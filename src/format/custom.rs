//! User-defined formats, in TOML:
//!
//! ```toml
//! [[format]]
//! name = "redis"
//! regex = '''^(?P<pid>\d+):(?P<service>[XCSM]) (?P<ts>\d{1,2} \w{3} \d{4} [\d:.]+) (?P<level>[.*#-]) (?P<msg>.*)$'''
//! timestamp = "%d %b %Y %H:%M:%S%.3f"   # chrono strftime; omit to recognise the stamp automatically
//! samples = ["1:M 22 Jan 2024 15:30:01.123 # Server initialized"]
//! ```
//!
//! Named groups `ts`, `level`, `host`, `service` and `msg` take those roles. Every sample must parse
//! (with a timestamp when `ts` is given) or loading fails with the file, line and format named.
//! Definitions come from `rules/formats/*.toml` (built in), `~/.config/culprit/formats/` and each
//! `--rules DIR`'s `formats/` folder; a later definition with the same name replaces an earlier one.

use super::{level_from_word, Level, LineKind, ParseCtx, Parsed, Span};
use chrono::format::{Item, Parsed as ChronoParsed, StrftimeItems};
use regex::bytes::{CaptureLocations, Regex};
use serde::Deserialize;
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// The definitions shipped in the binary: (path shown in errors, text).
const BUILTIN: &[(&str, &str)] = &[
    ("rules/formats/redis.toml", include_str!("../../rules/formats/redis.toml")),
    ("rules/formats/elasticsearch.toml", include_str!("../../rules/formats/elasticsearch.toml")),
    ("rules/formats/spring-boot.toml", include_str!("../../rules/formats/spring-boot.toml")),
];

/// A format definition that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}: {}{message}", format.as_ref().map(|f| format!("format '{f}': ")).unwrap_or_default())]
pub struct FormatError {
    pub file: String,
    pub line: usize,
    pub format: Option<String>,
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDef {
    #[serde(default)]
    format: Vec<toml::Spanned<Def>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Def {
    name: String,
    #[serde(default)]
    description: Option<String>,
    regex: toml::Spanned<String>,
    #[serde(default)]
    timestamp: Option<toml::Spanned<String>>,
    #[serde(default)]
    samples: Vec<toml::Spanned<String>>,
}

/// How the `ts` group is read.
#[derive(Debug)]
enum Stamp {
    /// A chrono strftime layout; `has_year` false means the provisional year is supplied.
    Strftime { items: Vec<Item<'static>>, has_year: bool },
    /// Any layout the generic parser knows.
    Auto,
}

/// One loaded user-defined format.
#[derive(Debug)]
pub struct CustomFormat {
    pub name: String,
    pub description: String,
    /// Where it was defined (file path), for messages.
    pub origin: String,
    regex: Regex,
    /// Capture group indices for ts, level, host, service, msg.
    groups: [Option<usize>; 5],
    stamp: Stamp,
    /// Distinguishes formats in the per-thread capture-slot cache.
    id: u64,
}

static NEXT_ID: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// Capture slots per format, reused across lines so that matching does not allocate.
    static SLOTS: RefCell<Vec<(u64, CaptureLocations)>> = const { RefCell::new(Vec::new()) };
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|&&c| c == b'\n').count() + 1
}

impl CustomFormat {
    /// Builds a format from its parts (no samples checked).
    pub fn new(name: &str, regex: &str, timestamp: Option<&str>, origin: &str) -> Result<CustomFormat, String> {
        // regex's messages draw a caret under the pattern over several lines; keep the last, which says what.
        let regex = Regex::new(regex).map_err(|e| {
            let msg = e.to_string();
            let last = msg.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("invalid").trim();
            format!("bad regex: {}", last.strip_prefix("error: ").unwrap_or(last))
        })?;
        let group = |n: &str| regex.capture_names().position(|g| g == Some(n));
        let groups = [group("ts"), group("level"), group("host"), group("service"), group("msg")];
        let stamp = match timestamp {
            None | Some("auto") => Stamp::Auto,
            Some(layout) => {
                let items = StrftimeItems::new(layout)
                    .parse_to_owned()
                    .map_err(|e| format!("bad timestamp layout '{layout}': {e}"))?;
                let has_year = ["%Y", "%y", "%G", "%g", "%C", "%s", "%+", "%c", "%D", "%F", "%x"]
                    .iter()
                    .any(|spec| layout.contains(spec));
                Stamp::Strftime { items, has_year }
            }
        };
        if matches!(stamp, Stamp::Strftime { .. }) && groups[0].is_none() {
            return Err("a timestamp layout is given but the regex has no (?P<ts>…) group".into());
        }
        Ok(CustomFormat {
            name: name.to_string(),
            description: String::new(),
            origin: origin.to_string(),
            regex,
            groups,
            stamp,
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
        })
    }

    fn timestamp(&self, text: &[u8], ctx: &ParseCtx) -> Option<i64> {
        match &self.stamp {
            Stamp::Auto => {
                let layout = super::generic::Layout::default();
                super::generic::find_timestamp(text, ctx, &layout).map(|(ts, _, _)| ts)
            }
            Stamp::Strftime { items, has_year } => {
                let s = std::str::from_utf8(text).ok()?;
                let mut p = ChronoParsed::new();
                chrono::format::parse(&mut p, s, items.iter()).ok()?;
                if !has_year {
                    p.set_year(ctx.year).ok()?;
                }
                if p.timestamp().is_some() || p.offset().is_some() {
                    return p.to_datetime().ok().map(|d| d.timestamp_millis());
                }
                // A date-only layout means midnight.
                let naive = match p.to_naive_datetime_with_offset(0) {
                    Ok(dt) => dt,
                    Err(_) if p.hour_div_12().is_none() => p.to_naive_date().ok()?.and_time(chrono::NaiveTime::MIN),
                    Err(_) => return None,
                };
                let naive = naive.and_utc().timestamp_millis();
                Some(ctx.zone.to_utc(naive))
            }
        }
    }

    pub fn parse(&self, line: &[u8], ctx: &ParseCtx, out: &mut Parsed) -> LineKind {
        SLOTS.with(|slots| {
            let mut slots = slots.borrow_mut();
            let idx = match slots.iter().position(|(id, _)| *id == self.id) {
                Some(i) => i,
                None => {
                    slots.push((self.id, self.regex.capture_locations()));
                    slots.len() - 1
                }
            };
            let locs = &mut slots[idx].1;
            if self.regex.captures_read(locs, line).is_none() {
                return LineKind::Unparsed;
            }
            let span = |g: Option<usize>| g.and_then(|g| locs.get(g)).map(|(s, e)| Span::new(s, e));
            let [ts, level, host, service, msg] = self.groups.map(span);
            if let Some(ts) = ts {
                match self.timestamp(ts.get(line), ctx) {
                    Some(t) => out.ts = t,
                    None => return LineKind::Unparsed,
                }
            }
            out.host = host.unwrap_or(Span::EMPTY);
            out.service = service.unwrap_or(Span::EMPTY);
            out.msg = msg.unwrap_or_else(|| Span::new(0, line.len()));
            out.level = level
                .and_then(|l| level_word(l.get(line)))
                .unwrap_or_else(|| super::level::keyword_level(out.msg.get(line)));
            LineKind::Record
        })
    }
}

/// Level words, plus the one-character markers some servers use (Redis: `.` debug, `-` verbose,
/// `*` notice, `#` warning).
fn level_word(w: &[u8]) -> Option<Level> {
    match w {
        b"." => Some(Level::Debug),
        b"-" => Some(Level::Trace),
        b"*" => Some(Level::Notice),
        b"#" => Some(Level::Warn),
        _ => level_from_word(w.trim_ascii()),
    }
}

/// Parses one TOML file's definitions and checks their samples.
pub fn parse_file(origin: &str, text: &str) -> Result<Vec<CustomFormat>, FormatError> {
    let err = |line: usize, format: Option<&str>, message: String| FormatError {
        file: origin.to_string(),
        line,
        format: format.map(str::to_string),
        message,
    };
    let file: FileDef = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(1);
        err(line, None, e.message().to_string())
    })?;
    let mut out = Vec::new();
    for def in file.format {
        let def_line = line_of(text, def.span().start);
        let def = def.into_inner();
        let name = def.name.as_str();
        if name.is_empty() || FormatKindName::taken(name) {
            return Err(err(def_line, Some(name), "the name is empty or taken by a built-in format".into()));
        }
        let ts_layout = def.timestamp.as_ref().map(|t| t.get_ref().as_str());
        let mut f = CustomFormat::new(name, def.regex.get_ref(), ts_layout, origin).map_err(|m| {
            let at = match &def.timestamp {
                Some(t) if m.starts_with("bad timestamp") => t.span().start,
                _ => def.regex.span().start,
            };
            err(line_of(text, at), Some(name), m)
        })?;
        f.description = def.description.unwrap_or_default();
        if def.samples.is_empty() {
            return Err(err(def_line, Some(name), "give at least one sample line in `samples`".into()));
        }
        let ctx = ParseCtx { year: 2024, ..Default::default() };
        let mut p = Parsed::default();
        for s in &def.samples {
            let line = s.get_ref().as_bytes();
            let at = line_of(text, s.span().start);
            match f.parse(line, &ctx, &mut p) {
                LineKind::Record if f.groups[0].is_some() && p.ts == crate::time::NO_TIME => {
                    return Err(err(at, Some(name), format!("sample's timestamp does not parse: {}", s.get_ref())));
                }
                LineKind::Record => {}
                _ => {
                    let why = if f.regex.is_match(line) {
                        "its timestamp does not parse"
                    } else {
                        "the regex does not match"
                    };
                    return Err(err(at, Some(name), format!("sample does not parse ({why}): {}", s.get_ref())));
                }
            }
        }
        out.push(f);
    }
    Ok(out)
}

/// Names of built-in formats, which custom formats may not take.
struct FormatKindName;
impl FormatKindName {
    fn taken(name: &str) -> bool {
        super::FormatKind::from_name(name).is_some()
    }
}

/// The user's own format folder: `$XDG_CONFIG_HOME/culprit/formats` or `~/.config/culprit/formats`.
pub fn user_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("culprit").join("formats"))
}

fn load_dir(dir: &Path, into: &mut Vec<CustomFormat>) -> Result<(), FormatError> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(()) };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    for path in files {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(&path).map_err(|e| FormatError {
            file: origin.clone(),
            line: 1,
            format: None,
            message: format!("cannot read: {e}"),
        })?;
        for f in parse_file(&origin, &text)? {
            add(into, f);
        }
    }
    Ok(())
}

fn add(into: &mut Vec<CustomFormat>, f: CustomFormat) {
    match into.iter_mut().find(|g| g.name == f.name) {
        Some(slot) => *slot = f,
        None => into.push(f),
    }
}

/// The built-in definitions only.
pub fn builtin() -> Result<Vec<Arc<CustomFormat>>, FormatError> {
    let mut all = Vec::new();
    for (origin, text) in BUILTIN {
        for f in parse_file(origin, text)? {
            add(&mut all, f);
        }
    }
    Ok(all.into_iter().map(Arc::new).collect())
}

/// Built-in, user and `--rules DIR/formats` definitions, in that order of precedence (later wins).
pub fn load_all(rule_dirs: &[PathBuf]) -> Result<Vec<Arc<CustomFormat>>, FormatError> {
    let mut all = Vec::new();
    for (origin, text) in BUILTIN {
        for f in parse_file(origin, text)? {
            add(&mut all, f);
        }
    }
    if let Some(dir) = user_dir() {
        load_dir(&dir, &mut all)?;
    }
    for dir in rule_dirs {
        load_dir(&dir.join("formats"), &mut all)?;
    }
    Ok(all.into_iter().map(Arc::new).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::civil_to_millis;

    #[test]
    fn builtin_definitions_load() {
        let all = builtin().expect("shipped formats are valid");
        assert!(all.iter().any(|f| f.name == "redis"));
        let redis = all.iter().find(|f| f.name == "redis").unwrap();
        let line = b"1:M 22 Jan 2024 15:30:01.123 # WARNING overcommit_memory is set to 0!";
        let mut p = Parsed::default();
        let ctx = ParseCtx::default();
        assert_eq!(redis.parse(line, &ctx, &mut p), LineKind::Record);
        assert_eq!(p.ts, civil_to_millis(2024, 1, 22, 15, 30, 1, 123));
        assert_eq!(p.level, Level::Warn);
        assert_eq!(p.msg.get(line), b"WARNING overcommit_memory is set to 0!");
    }

    #[test]
    fn every_shipped_file_is_built_in() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/formats");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| format!("rules/formats/{}", e.file_name().to_string_lossy()))
            .filter(|n| n.ends_with(".toml"))
            .collect();
        on_disk.sort();
        let mut built_in: Vec<String> = BUILTIN.iter().map(|(n, _)| n.to_string()).collect();
        built_in.sort();
        assert_eq!(on_disk, built_in, "add new rules/formats files to BUILTIN");
    }

    #[test]
    fn yearless_layout_takes_context_year() {
        let f = CustomFormat::new("t", r"^(?P<ts>\S+ \S+) (?P<msg>.*)$", Some("%m/%d %H:%M:%S"), "x").unwrap();
        let mut p = Parsed::default();
        let ctx = ParseCtx { year: 2023, ..Default::default() };
        assert_eq!(f.parse(b"12/31 23:59:59 bye", &ctx, &mut p), LineKind::Record);
        assert_eq!(p.ts, civil_to_millis(2023, 12, 31, 23, 59, 59, 0));
        assert_eq!(f.parse(b"13/31 23:59:59 bye", &ctx, &mut p), LineKind::Unparsed);
        assert_eq!(f.parse("\u{0}\u{ff}".as_bytes(), &ctx, &mut p), LineKind::Unparsed);
    }

    #[test]
    fn errors_name_file_line_and_format() {
        let text = "[[format]]\nname = \"x\"\nregex = '^(?P<ts>\\S+) (?P<msg>.*)$'\ntimestamp = \"%Y-%m-%d\"\nsamples = [\n  \"2024-01-22 ok\",\n  \"nope\",\n]\n";
        let e = parse_file("my.toml", text).unwrap_err();
        assert_eq!((e.file.as_str(), e.line, e.format.as_deref()), ("my.toml", 7, Some("x")));
        assert!(e.to_string().starts_with("my.toml:7: format 'x': sample does not parse"), "{e}");
        let e =
            parse_file("bad.toml", "[[format]]\nname = \"y\"\nregex = '(unclosed'\nsamples = [\"a\"]\n").unwrap_err();
        assert_eq!((e.line, e.format.as_deref()), (3, Some("y")));
        assert_eq!(e.message, "bad regex: unclosed group");
        let e =
            parse_file("k.toml", "[[format]]\nname = \"z\"\nregex = '.'\nsamples = [\"a\"]\nbogus = 1\n").unwrap_err();
        assert_eq!(e.file, "k.toml");
        let e = parse_file("n.toml", "[[format]]\nname = \"syslog\"\nregex = '.'\nsamples = [\"a\"]\n").unwrap_err();
        assert_eq!(e.format.as_deref(), Some("syslog"));
    }

    #[test]
    fn folders_override_by_name() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("formats")).unwrap();
        std::fs::write(
            dir.path().join("formats/redis.toml"),
            "[[format]]\nname = \"redis\"\nregex = '^R (?P<msg>.*)$'\nsamples = [\"R hi\"]\n",
        )
        .unwrap();
        let all = load_all(&[dir.path().to_path_buf()]).unwrap();
        let redis: Vec<_> = all.iter().filter(|f| f.name == "redis").collect();
        assert_eq!(redis.len(), 1);
        assert!(redis[0].origin.ends_with("redis.toml") && redis[0].origin.contains("formats"));
        assert!(redis[0].regex.is_match(b"R hi"));
        std::fs::write(dir.path().join("formats/broken.toml"), "[[format]]\nname = 3\n").unwrap();
        let e = load_all(&[dir.path().to_path_buf()]).unwrap_err();
        assert!(e.file.ends_with("broken.toml"));
        assert_eq!(e.line, 2);
    }
}
