//! Formats: detect each input's log format by sniffing its first lines, and turn
//! one physical line into a [`Parsed`] view (timestamp, level, host, service,
//! message span, fields) without copying it.
//!
//! One parser per format family lives in its own file. Parsers are pure
//! functions of (line, context): no state crosses lines, so chunks of a file can
//! be parsed in parallel and still equal a sequential parse. The one thing that
//! needs order — yearless syslog rolling over New Year — is fixed up afterwards
//! by the index (see `index::fix_year_rollover`).

pub(crate) mod access;
mod apache;
mod columns;
pub mod custom;
mod detect;
mod envelope;
mod generic;
mod haproxy;
mod json;
mod klog;
mod level;
mod logfmt;
mod mariadb_audit;
mod mysql;
mod nginx;
mod postgres;
mod scan;
mod syslog;

pub use custom::{CustomFormat, FormatError};
pub use detect::{detect, forced};
pub use generic::{Layout, StampKind};
pub use level::{level_from_word, Level};

use crate::time::{LocalZone, Millis, NO_TIME};
use serde::Serialize;
use std::sync::Arc;

/// Fields kept per line at most: a hostile line with a million `k=v` pairs must not cost a million pushes.
pub const MAX_FIELDS: usize = 64;

/// A byte range inside the line being parsed. Empty means absent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub const EMPTY: Span = Span { start: 0, end: 0 };
    pub fn new(start: usize, end: usize) -> Span {
        Span { start: start as u32, end: end.max(start) as u32 }
    }
    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }
    pub fn get<'a>(&self, line: &'a [u8]) -> &'a [u8] {
        line.get(self.start as usize..self.end as usize).unwrap_or(&[])
    }
}

/// A `key = value` pair found in a structured line (JSON, logfmt, access log columns).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field {
    pub key: Span,
    pub value: Span,
}

impl Field {
    /// The key's bytes: its text in the line, or the name implied by the column it came from.
    pub fn key_bytes<'a>(&self, line: &'a [u8]) -> &'a [u8] {
        keys::implied_name(self.key).map(str::as_bytes).unwrap_or_else(|| self.key.get(line))
    }
}

/// Keys for values whose name is implied by their place in the line (an access log's status column,
/// a syslog tag's pid) rather than written in it. They are spans past any real line (lines are capped
/// far below `u32::MAX - 64`), so they cannot collide with a key taken from the text.
pub mod keys {
    use super::Span;

    const BASE: u32 = u32::MAX - 64;
    const NAMES: [&str; 27] = [
        "pid",
        "msgid",
        "status",
        "method",
        "path",
        "protocol",
        "bytes",
        "client",
        "referer",
        "agent",
        "request_time",
        "upstream_response_time",
        "user",
        "db",
        "app",
        "code",
        "subsystem",
        "thread",
        "file",
        "tid",
        "connection",
        "module",
        "query_id",
        "operation",
        "retcode",
        "stream",
        "unit",
    ];

    const fn k(i: u32) -> Span {
        Span { start: BASE + i, end: BASE + i }
    }
    pub const PID: Span = k(0);
    pub const MSGID: Span = k(1);
    pub const STATUS: Span = k(2);
    pub const METHOD: Span = k(3);
    pub const PATH: Span = k(4);
    pub const PROTOCOL: Span = k(5);
    pub const BYTES: Span = k(6);
    pub const CLIENT: Span = k(7);
    pub const REFERER: Span = k(8);
    pub const AGENT: Span = k(9);
    pub const REQUEST_TIME: Span = k(10);
    pub const UPSTREAM_RESPONSE_TIME: Span = k(11);
    pub const USER: Span = k(12);
    pub const DB: Span = k(13);
    pub const APP: Span = k(14);
    pub const CODE: Span = k(15);
    pub const SUBSYSTEM: Span = k(16);
    pub const THREAD: Span = k(17);
    pub const FILE: Span = k(18);
    pub const TID: Span = k(19);
    pub const CONNECTION: Span = k(20);
    pub const MODULE: Span = k(21);
    pub const QUERY_ID: Span = k(22);
    pub const OPERATION: Span = k(23);
    pub const RETCODE: Span = k(24);
    pub const STREAM: Span = k(25);
    pub const UNIT: Span = k(26);

    /// Which constant above `key` is, by position.
    #[inline]
    pub fn implied_index(key: Span) -> Option<usize> {
        if key.start < BASE || key.start != key.end {
            return None;
        }
        Some((key.start - BASE) as usize).filter(|&i| i < NAMES.len())
    }

    /// Every implied name, by position.
    pub fn implied_names() -> &'static [&'static str] {
        &NAMES
    }

    /// The implied name of `key`, when it is one of the constants above.
    pub fn implied_name(key: Span) -> Option<&'static str> {
        if key.start < BASE || key.start != key.end {
            return None;
        }
        NAMES.get((key.start - BASE) as usize).copied()
    }
}

/// What a parser saw in one physical line. Reused across lines to avoid allocation.
#[derive(Clone, Debug, Default)]
pub struct Parsed {
    pub ts: Millis,
    pub level: Level,
    pub host: Span,
    pub service: Span,
    pub msg: Span,
    pub fields: Vec<Field>,
    /// The message was assembled from columns (an access log's request, status and size) rather
    /// than written as text: its meaning is in the fields, so message patterns do not run on it.
    pub message_from_fields: bool,
    /// A piece of a longer line (a CRI `P` line): the next physical line continues this record.
    pub partial: bool,
    /// The message's text when the line spells it in another form (journald writes a message that
    /// is not clean UTF-8 as an array of byte values); `msg` then spans that spelling.
    pub decoded: Option<Vec<u8>>,
}

impl Parsed {
    pub fn clear(&mut self) {
        self.ts = NO_TIME;
        self.level = Level::Unknown;
        self.host = Span::EMPTY;
        self.service = Span::EMPTY;
        self.msg = Span::EMPTY;
        self.fields.clear();
        self.message_from_fields = false;
        self.partial = false;
        self.decoded = None;
    }

    /// The message text: decoded when the line spells it otherwise, else the `msg` span, else the
    /// whole line.
    pub fn message<'a>(&'a self, line: &'a [u8]) -> &'a [u8] {
        match &self.decoded {
            Some(text) => text,
            None if self.msg.is_empty() => line,
            None => self.msg.get(line),
        }
    }

    /// The value of the first field whose key equals `key`.
    pub fn field<'a>(&self, line: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
        self.fields.iter().find(|f| f.key_bytes(line) == key).map(|f| f.value.get(line))
    }

    /// Adds a field unless the per-line cap is reached.
    #[inline]
    pub fn push_field(&mut self, key: Span, value: Span) {
        if self.fields.len() < MAX_FIELDS {
            self.fields.push(Field { key, value });
        }
    }
}

/// How one physical line relates to the records of its input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineKind {
    /// Starts a new record.
    Record,
    /// Belongs to the record above (stack trace, PostgreSQL DETAIL, indented text).
    Continuation,
    /// No parser understood it: kept as its own untimed record and counted as unparsed.
    Unparsed,
}

/// The format families culprit reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FormatKind {
    /// RFC 3164 BSD syslog (`Jan 22 15:30:01 host app[pid]: msg`), also with an RFC 3339 stamp as rsyslog writes it.
    Syslog,
    /// RFC 5424 (`<34>1 2024-01-22T15:30:01Z host app pid msgid [sd] msg`).
    Syslog5424,
    JsonLines,
    Logfmt,
    /// PostgreSQL stderr with the default `%m [%p] ` prefix.
    Postgres,
    PostgresCsv,
    PostgresJson,
    /// MySQL 8 / MariaDB error log.
    Mysql,
    /// MariaDB's audit plugin log (`server_audit.log`, CSV).
    MariadbAudit,
    /// nginx/Apache combined or common access log.
    Access,
    NginxError,
    ApacheError,
    Klog,
    /// A user-defined TOML format; the index says which.
    Custom(u16),
    /// Any line that starts (or nearly starts) with a recognisable timestamp.
    Generic,
    /// Container runtime (CRI) lines: `2024-06-03T10:15:02.123Z stderr F text`.
    Cri,
    /// Docker's json-file driver: `{"log":"text\n","stream":"stderr","time":"…"}`.
    DockerJson,
    /// systemd's journal as `journalctl -o json` writes it.
    Journald,
    /// Nothing recognisable: every line is kept as an untimed record.
    Unknown,
}

impl FormatKind {
    /// Every built-in family (custom formats excluded), for tests and fuzzers that try them all.
    pub const BUILTIN: [FormatKind; 18] = [
        FormatKind::Syslog,
        FormatKind::Syslog5424,
        FormatKind::JsonLines,
        FormatKind::Logfmt,
        FormatKind::Postgres,
        FormatKind::PostgresCsv,
        FormatKind::PostgresJson,
        FormatKind::Mysql,
        FormatKind::MariadbAudit,
        FormatKind::Access,
        FormatKind::NginxError,
        FormatKind::ApacheError,
        FormatKind::Klog,
        FormatKind::Generic,
        FormatKind::Cri,
        FormatKind::DockerJson,
        FormatKind::Journald,
        FormatKind::Unknown,
    ];

    pub fn name(&self) -> String {
        match self {
            FormatKind::Syslog => "syslog".into(),
            FormatKind::Syslog5424 => "syslog5424".into(),
            FormatKind::JsonLines => "json".into(),
            FormatKind::Logfmt => "logfmt".into(),
            FormatKind::Postgres => "postgres".into(),
            FormatKind::PostgresCsv => "postgres-csv".into(),
            FormatKind::PostgresJson => "postgres-json".into(),
            FormatKind::Mysql => "mysql".into(),
            FormatKind::MariadbAudit => "mariadb-audit".into(),
            FormatKind::Access => "access".into(),
            FormatKind::NginxError => "nginx-error".into(),
            FormatKind::ApacheError => "apache-error".into(),
            FormatKind::Klog => "klog".into(),
            FormatKind::Custom(i) => format!("custom#{i}"),
            FormatKind::Generic => "generic".into(),
            FormatKind::Cri => "cri".into(),
            FormatKind::DockerJson => "docker-json".into(),
            FormatKind::Journald => "journald".into(),
            FormatKind::Unknown => "unknown".into(),
        }
    }

    /// Parses a name as given to `--format path=NAME`.
    pub fn from_name(name: &str) -> Option<FormatKind> {
        Some(match name {
            "syslog" | "rfc3164" => FormatKind::Syslog,
            "syslog5424" | "rfc5424" => FormatKind::Syslog5424,
            "json" | "jsonl" | "ndjson" => FormatKind::JsonLines,
            "logfmt" => FormatKind::Logfmt,
            "postgres" | "postgresql" => FormatKind::Postgres,
            "postgres-csv" => FormatKind::PostgresCsv,
            "postgres-json" => FormatKind::PostgresJson,
            "mysql" | "mariadb" => FormatKind::Mysql,
            "mariadb-audit" | "server_audit" => FormatKind::MariadbAudit,
            "access" | "nginx" | "apache" | "combined" => FormatKind::Access,
            "nginx-error" => FormatKind::NginxError,
            "apache-error" => FormatKind::ApacheError,
            "klog" => FormatKind::Klog,
            "generic" => FormatKind::Generic,
            "cri" | "containerd" => FormatKind::Cri,
            "docker-json" | "docker" => FormatKind::DockerJson,
            "journald" | "journal" => FormatKind::Journald,
            _ => return None,
        })
    }

    /// The service name a record gets when its line names none.
    pub fn default_service(&self) -> Option<&'static str> {
        match self {
            FormatKind::Postgres | FormatKind::PostgresCsv | FormatKind::PostgresJson => Some("postgres"),
            // The audit log and the error log are one server.
            FormatKind::Mysql | FormatKind::MariadbAudit => Some("mysql"),
            FormatKind::Access | FormatKind::NginxError => Some("proxy"),
            FormatKind::ApacheError => Some("httpd"),
            _ => None,
        }
    }
}

/// Settings that apply to every line of an input.
#[derive(Clone, Debug)]
pub struct ParseCtx {
    /// Zone for timestamps that carry none (`--tz`).
    pub zone: LocalZone,
    /// Year assumed for yearless timestamps before rollover fix-up.
    pub year: i64,
}

impl Default for ParseCtx {
    fn default() -> Self {
        ParseCtx { zone: LocalZone::Utc, year: 1970 }
    }
}

/// A parser chosen for one input.
#[derive(Clone, Debug)]
pub struct Parser {
    pub kind: FormatKind,
    generic: generic::Layout,
    custom: Option<Arc<CustomFormat>>,
    /// Formats of later stretches of the input (files concatenated into one stream), tried in
    /// turn on a line this one does not read.
    others: Vec<Parser>,
}

impl Parser {
    pub fn new(kind: FormatKind) -> Parser {
        Parser { kind, generic: generic::Layout::default(), custom: None, others: Vec::new() }
    }

    pub fn with_generic_layout(kind: FormatKind, layout: generic::Layout) -> Parser {
        Parser { kind, generic: layout, custom: None, others: Vec::new() }
    }

    /// A parser for a user-defined format; `index` is its place in the loaded list.
    pub fn custom(index: u16, format: Arc<CustomFormat>) -> Parser {
        Parser {
            kind: FormatKind::Custom(index),
            generic: generic::Layout::default(),
            custom: Some(format),
            others: Vec::new(),
        }
    }

    /// The name shown to users (`culprit inputs`): the family, or a custom format's own name.
    pub fn name(&self) -> String {
        let mut name = match &self.custom {
            Some(c) => c.name.clone(),
            None => self.kind.name(),
        };
        for other in &self.others {
            name.push('+');
            name.push_str(&other.name());
        }
        name
    }

    /// The formats of later stretches of the input, besides this one.
    pub fn others(&self) -> &[Parser] {
        &self.others
    }

    /// The generic timestamp layout found at detection (meaningful for [`FormatKind::Generic`]).
    pub fn layout(&self) -> &generic::Layout {
        &self.generic
    }

    /// Parses one physical line (no line terminator) into `out`; a line this format does not
    /// explain may still be another program's stamped line (see [`parse_stray`]).
    pub fn parse(&self, line: &[u8], ctx: &ParseCtx, out: &mut Parsed) -> LineKind {
        match self.parse_known(line, ctx, out) {
            LineKind::Unparsed => parse_stray(self.kind, line, ctx, out),
            kind => kind,
        }
    }

    /// This format, then the formats of the input's later stretches: a line one of those makes a
    /// record of is theirs even where this format would call it a continuation (MySQL calls
    /// any line without a stamp one).
    pub(crate) fn parse_known(&self, line: &[u8], ctx: &ParseCtx, out: &mut Parsed) -> LineKind {
        let kind = self.parse_own(line, ctx, out);
        if kind == LineKind::Record || self.others.is_empty() {
            return kind;
        }
        for other in &self.others {
            if other.parse_own(line, ctx, out) == LineKind::Record {
                return LineKind::Record;
            }
        }
        out.clear();
        kind
    }

    /// [`Parser::parse`] by this format alone: what format detection scores.
    pub fn parse_own(&self, line: &[u8], ctx: &ParseCtx, out: &mut Parsed) -> LineKind {
        out.clear();
        let kind = match self.kind {
            FormatKind::Syslog => syslog::parse_3164(line, ctx, out),
            FormatKind::Syslog5424 => syslog::parse_5424(line, ctx, out),
            FormatKind::JsonLines => json::parse(line, ctx, out),
            FormatKind::Logfmt => logfmt::parse(line, ctx, out),
            FormatKind::Postgres => postgres::parse_stderr(line, ctx, out),
            FormatKind::PostgresCsv => postgres::parse_csv(line, ctx, out),
            FormatKind::PostgresJson => postgres::parse_json(line, ctx, out),
            FormatKind::Mysql => mysql::parse(line, ctx, out),
            FormatKind::MariadbAudit => mariadb_audit::parse(line, ctx, out),
            FormatKind::Access => access::parse(line, ctx, out),
            FormatKind::NginxError => nginx::parse_error(line, ctx, out),
            FormatKind::ApacheError => apache::parse_error(line, ctx, out),
            FormatKind::Klog => klog::parse(line, ctx, out),
            FormatKind::Custom(_) => match &self.custom {
                Some(c) => c.parse(line, ctx, out),
                None => LineKind::Unparsed,
            },
            FormatKind::Generic => generic::parse(&self.generic, line, ctx, out),
            FormatKind::Cri => envelope::parse_cri(line, ctx, out),
            FormatKind::DockerJson => envelope::parse_docker(line, ctx, out),
            FormatKind::Journald => envelope::parse_journald(line, ctx, out),
            FormatKind::Unknown => LineKind::Unparsed,
        };
        if kind == LineKind::Unparsed && looks_like_continuation(line) {
            out.clear();
            return LineKind::Continuation;
        }
        kind
    }
}

/// Lines that continue the record above when no parser claims them:
/// indented text (Java `\tat ...`, Python `  File "..."`), `Caused by:`, `... 12 more`,
/// a Python traceback header, an exception line (`ValueError: bad`,
/// `psycopg.errors.AdminShutdown: …`), closing brackets of pretty-printed structures, a
/// tagged logger's request-id lines (Rails: `[1bca990d-153b-…] ActiveRecord::…`), Netty's leak
/// report (`Recent access records:`, `#1:`, `Created at:`) and a unified diff's lines (Ansible's
/// `--diff`: `+++ after: …`, `@@ -19,9 +19,9 @@`, `-      size: 60`).
pub fn looks_like_continuation(line: &[u8]) -> bool {
    match line.first() {
        None => false,
        Some(b' ') | Some(b'\t') => true,
        _ => {
            line.starts_with(b"Caused by:")
                || line.starts_with(b"Suppressed:")
                || line.starts_with(b"Traceback (")
                || line.starts_with(b"During handling of the above exception")
                || line.starts_with(b"The above exception was the direct cause")
                || line.starts_with(b"...")
                || line.starts_with(b"}")
                || line.starts_with(b"]")
                || line.starts_with(b")")
                || line.starts_with(b"Recent access records:")
                || line.starts_with(b"Created at:")
                || is_exception_line(line)
                || is_request_tag_line(line)
                || is_numbered_entry(line)
                || is_diff_line(line)
                || is_header_line(line)
        }
    }
}

/// `Commandline: apt-get -y upgrade`, `Requested-By: deploy (1001)`: a header block's `Name: value`
/// lines (capitalised words joined by dashes) under a stamped record, as apt's history.log and
/// mail-style reports write them.
fn is_header_line(line: &[u8]) -> bool {
    let name = line.iter().take_while(|c| c.is_ascii_alphabetic() || **c == b'-').count();
    name >= 3
        && line[0].is_ascii_uppercase()
        && line[1].is_ascii_lowercase()
        && line[name - 1] != b'-'
        && line[name..].starts_with(b": ")
        && line[..name].split(|&c| c == b'-').all(|w| w.first().is_some_and(u8::is_ascii_uppercase))
}

/// A line of another program mixed into a file (an ingress controller's klog status lines among
/// its access log, wal-g's `ERROR: 2025/01/28 19:12:44.092000 failed to upload …` in PostgreSQL's
/// log): a record of its own when it has a stamp and a level, else unparsed.
fn parse_stray(kind: FormatKind, line: &[u8], ctx: &ParseCtx, out: &mut Parsed) -> LineKind {
    out.clear();
    if kind != FormatKind::Klog && klog::parse(line, ctx, out) == LineKind::Record {
        // In an access log an error level means a failed request, which this line is not.
        if kind == FormatKind::Access {
            out.level = out.level.min(Level::Warn);
        }
        return LineKind::Record;
    }
    out.clear();
    // `LEVEL: <stamp> message`
    let word = line.iter().take(9).position(|&c| c == b':').filter(|&n| n >= 3);
    if let Some(level) = word.and_then(|n| level::level_from_word(&line[..n]).map(|l| (n, l))) {
        let (n, level) = level;
        let mut pos = n + 1;
        while line.get(pos) == Some(&b' ') {
            pos += 1;
        }
        if let Some(stamp) = crate::time::parse_iso(line, pos) {
            let mut msg = pos + stamp.len;
            while line.get(msg) == Some(&b' ') {
                msg += 1;
            }
            out.ts = stamp.resolve(&ctx.zone);
            out.level = level;
            out.msg = Span::new(msg, line.len());
            return LineKind::Record;
        }
    }
    out.clear();
    // A stamp among the first two tokens (Go's `log` under a prefix: `[mysql] 2024/01/22 13:02:07
    // packets.go:122: closing bad idle connection: EOF`). A bare number is no stamp here: it is
    // more likely a count or an id.
    let mut early = [0usize; 2];
    let n = generic::token_starts_upto(line, &mut early, 2);
    let stamped = early[..n].iter().any(|&s| {
        s < 40
            && generic::StampKind::ALL
                .iter()
                .any(|k| *k != generic::StampKind::Epoch && k.parse(&line[s..], ctx).is_some())
    });
    if stamped && generic::parse(&generic::Layout::default(), line, ctx, out) == LineKind::Record {
        if kind == FormatKind::Access {
            out.level = out.level.min(Level::Warn);
        }
        return LineKind::Record;
    }
    out.clear();
    LineKind::Unparsed
}

/// `[1bca990d-153b-4cb4-b65f-d592add53696] text`: a request id of hex digits and dashes in brackets.
fn is_request_tag_line(line: &[u8]) -> bool {
    let Some(rest) = line.strip_prefix(b"[") else { return false };
    let Some(close) = rest.iter().position(|&c| c == b']') else { return false };
    close >= 8
        && rest[..close].iter().all(|c| c.is_ascii_hexdigit() || *c == b'-')
        && matches!(rest.get(close + 1), None | Some(b' '))
}

/// `#1:`: an entry number heading a block of indented lines.
fn is_numbered_entry(line: &[u8]) -> bool {
    let Some(rest) = line.strip_prefix(b"#") else { return false };
    let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
    digits > 0 && rest[digits..].starts_with(b":")
}

/// A unified diff's file headers, hunk headers and changed lines.
fn is_diff_line(line: &[u8]) -> bool {
    line.starts_with(b"+++ ")
        || line.starts_with(b"--- ")
        || line.starts_with(b"@@ -")
        || (matches!(line[0], b'+' | b'-') && matches!(line.get(1), Some(b' ') | Some(b'\t')))
}

/// `java.lang.IllegalStateException: msg`, `ValueError: bad`, `psycopg2.OperationalError`: a dotted
/// identifier ending in Error/Exception/Warning/Exit/Interrupt, then `:` or the end of the line.
fn is_exception_line(line: &[u8]) -> bool {
    let end = line
        .iter()
        .position(|&c| !(c.is_ascii_alphanumeric() || c == b'.' || c == b'_' || c == b'$'))
        .unwrap_or(line.len());
    if end == 0 || !matches!(line.get(end), None | Some(b':')) {
        return false;
    }
    let name = &line[..end];
    // A package path names an exception whatever its class is called (`psycopg.errors.AdminShutdown`).
    let dotted_class = name.iter().filter(|&&c| c == b'.').count() >= 2
        && name.rsplit(|&c| c == b'.').next().is_some_and(|last| last.first().is_some_and(u8::is_ascii_uppercase));
    dotted_class
        || [&b"Error"[..], b"Exception", b"Warning", b"Exit", b"Interrupt", b"Throwable"]
            .iter()
            .any(|s| name.ends_with(s))
}

/// Display name of a user-defined format, when the caller has only its kind
/// (the parser itself knows the name: [`Parser::name`]).
pub fn custom_name(_index: u16) -> Option<String> {
    None
}

/// Runs one parser function on one line with the default context: what parser tests check.
#[cfg(test)]
pub(crate) fn run_parser(parse: fn(&[u8], &ParseCtx, &mut Parsed) -> LineKind, line: &[u8]) -> (LineKind, Parsed) {
    let mut p = Parsed::default();
    let k = parse(line, &ParseCtx::default(), &mut p);
    (k, p)
}

#[cfg(test)]
mod tests;
