//! Formats: detect each input's log format by sniffing its first lines, and turn
//! one physical line into a [`Parsed`] view (timestamp, level, host, service,
//! message span, fields) without copying it.
//!
//! One parser per format family lives in its own file. Parsers are pure
//! functions of (line, context): no state crosses lines, so chunks of a file can
//! be parsed in parallel and still equal a sequential parse. The one thing that
//! needs order — yearless syslog rolling over New Year — is fixed up afterwards
//! by the index (see `index::fix_year_rollover`).

mod detect;
mod generic;
mod json;
mod level;
mod syslog;

pub use detect::detect;
pub use level::{level_from_word, Level};

use crate::time::{LocalZone, Millis, NO_TIME};
use serde::Serialize;

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

/// What a parser saw in one physical line. Reused across lines to avoid allocation.
#[derive(Clone, Debug, Default)]
pub struct Parsed {
    pub ts: Millis,
    pub level: Level,
    pub host: Span,
    pub service: Span,
    pub msg: Span,
    pub fields: Vec<Field>,
}

impl Parsed {
    pub fn clear(&mut self) {
        self.ts = NO_TIME;
        self.level = Level::Unknown;
        self.host = Span::EMPTY;
        self.service = Span::EMPTY;
        self.msg = Span::EMPTY;
        self.fields.clear();
    }

    /// The value of the first field whose key equals `key`.
    pub fn field<'a>(&self, line: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
        self.fields.iter().find(|f| f.key.get(line) == key).map(|f| f.value.get(line))
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
    /// nginx/Apache combined or common access log.
    Access,
    NginxError,
    ApacheError,
    Klog,
    /// A user-defined TOML format; the index says which.
    Custom(u16),
    /// Any line that starts (or nearly starts) with a recognisable timestamp.
    Generic,
    /// Nothing recognisable: every line is kept as an untimed record.
    Unknown,
}

impl FormatKind {
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
            FormatKind::Access => "access".into(),
            FormatKind::NginxError => "nginx-error".into(),
            FormatKind::ApacheError => "apache-error".into(),
            FormatKind::Klog => "klog".into(),
            FormatKind::Custom(i) => format!("custom#{i}"),
            FormatKind::Generic => "generic".into(),
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
            "access" | "nginx" | "apache" | "combined" => FormatKind::Access,
            "nginx-error" => FormatKind::NginxError,
            "apache-error" => FormatKind::ApacheError,
            "klog" => FormatKind::Klog,
            "generic" => FormatKind::Generic,
            _ => return None,
        })
    }

    /// The service name a record gets when its line names none.
    pub fn default_service(&self) -> Option<&'static str> {
        match self {
            FormatKind::Postgres | FormatKind::PostgresCsv | FormatKind::PostgresJson => Some("postgres"),
            FormatKind::Mysql => Some("mysql"),
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
}

impl Parser {
    pub fn new(kind: FormatKind) -> Parser {
        Parser { kind, generic: generic::Layout::default() }
    }

    pub fn with_generic_layout(kind: FormatKind, layout: generic::Layout) -> Parser {
        Parser { kind, generic: layout }
    }

    /// Parses one physical line (no line terminator) into `out`.
    pub fn parse(&self, line: &[u8], ctx: &ParseCtx, out: &mut Parsed) -> LineKind {
        out.clear();
        let kind = match self.kind {
            FormatKind::Syslog => syslog::parse_3164(line, ctx, out),
            FormatKind::JsonLines => json::parse(line, ctx, out),
            FormatKind::Unknown => LineKind::Unparsed,
            // Families without a dedicated parser yet fall back to the generic timestamp parser.
            _ => generic::parse(&self.generic, line, ctx, out),
        };
        if kind == LineKind::Unparsed && looks_like_continuation(line) {
            return LineKind::Continuation;
        }
        kind
    }
}

/// Lines that continue the record above when no parser claims them:
/// indented text, Java/Python stack frames, `Caused by:`.
pub fn looks_like_continuation(line: &[u8]) -> bool {
    match line.first() {
        None => false,
        Some(b' ') | Some(b'\t') => true,
        _ => {
            line.starts_with(b"Caused by:")
                || line.starts_with(b"Traceback (")
                || line.starts_with(b"...")
                || line.starts_with(b"}")
                || line.starts_with(b"]")
        }
    }
}

/// Display name of a user-defined format.
pub fn custom_name(_index: u16) -> Option<String> {
    None
}
