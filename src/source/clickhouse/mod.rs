//! A ClickHouse table as a source: `clickhouse://[user@]host[:port]/database.table[?time=COL&…]`.
//!
//! Columns are found from `DESCRIBE TABLE` (the OpenTelemetry exporter's layout, or plain names)
//! and URL parameters override them. The servers do the counting: `--since/--until` become a
//! `WHERE` on the time column, and each shard groups its rows by analysis bucket, level, host,
//! service, file, masked text and the answers of the rule patterns that read masked text
//! ([`Layout::grouped_sql`]). Only groups travel: each becomes one or two rows (its first and its
//! last line) that stand for its count, in one source per original file (a `path` column) or per
//! service and host, in a fixed tab-separated line layout that a built-in format reads — so
//! indexing, rules, mining and analysis are the ones a local run uses, on counted records.
//!
//! The HTTP client is std's `TcpStream` speaking HTTP/1.0: one request shape, no keep-alive, a
//! body that ends when the server closes; TLS (`clickhouses://`) is not supported.

mod sql;

pub use sql::{ident, string, table};

use super::{Data, Source};
use crate::format::CustomFormat;
use crate::time::{Millis, NO_TIME};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::time::Duration;

/// Where the password comes from; never from the URL or the command line.
pub const PASSWORD_ENV: &str = "CULPRIT_CLICKHOUSE_PASSWORD";
const DEFAULT_PORT: u16 = 8123;
/// The name of the built-in format the fetched rows are written in.
pub const FORMAT_NAME: &str = "clickhouse-row";

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{url}: {message}")]
    Url { url: String, message: String },
    #[error("{url}: {message}")]
    Server { url: String, message: String },
}

/// A parsed `clickhouse://` URL. Holds no password.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Url {
    pub user: Option<String>,
    pub host: String,
    pub port: u16,
    pub database: String,
    pub table: String,
    /// Column overrides: time, ms, message, host, service, level, path, line.
    pub params: Vec<(String, String)>,
}

const PARAMS: [&str; 8] = ["time", "ms", "message", "host", "service", "level", "path", "line"];

/// Whether a command-line input names a ClickHouse table rather than a file.
pub fn is_url(s: &str) -> bool {
    s.starts_with("clickhouse://") || s.starts_with("clickhouses://")
}

impl Url {
    pub fn parse(s: &str) -> Result<Url, Error> {
        // Errors name the URL without its parameters: a value there could be a secret put in the wrong place.
        let shown = s.split('?').next().unwrap_or(s);
        let err = |message: String| Error::Url { url: crate::text::escape_str(shown).into_owned(), message };
        if s.starts_with("clickhouses://") {
            return Err(err("TLS (clickhouses://) is not supported; use clickhouse:// through a TLS tunnel".into()));
        }
        let rest = s.strip_prefix("clickhouse://").ok_or_else(|| err("expected clickhouse://".into()))?;
        let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (authority, path) = rest.split_once('/').ok_or_else(|| err("expected /database.table".into()))?;
        let (user, hostport) = match authority.rsplit_once('@') {
            // Naming the URL would print the password: say where it goes instead.
            Some((u, _)) if u.contains(':') => {
                return Err(Error::Url {
                    url: "clickhouse://…".into(),
                    message: format!("a password in the URL is refused; set {PASSWORD_ENV}"),
                });
            }
            Some((u, h)) => (Some(decode(u)), h),
            None => (None, authority),
        };
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => {
                (h, p.parse::<u16>().map_err(|_| err(format!("bad port '{p}'")))?)
            }
            _ => (hostport, DEFAULT_PORT),
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() {
            return Err(err("no host".into()));
        }
        let path = decode(path);
        let (database, table) = path
            .split_once('.')
            .filter(|(d, t)| !d.is_empty() && !t.is_empty())
            .ok_or_else(|| err("expected /database.table after the host".into()))?;
        let mut params = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            if !PARAMS.contains(&k) {
                return Err(err(format!("unknown parameter '{k}' (known: {})", PARAMS.join(", "))));
            }
            params.push((k.to_string(), decode(v)));
        }
        Ok(Url { user, host: host.to_string(), port, database: database.to_string(), table: table.to_string(), params })
    }

    fn param(&self, k: &str) -> Option<&str> {
        self.params.iter().find(|(p, _)| p == k).map(|(_, v)| v.as_str())
    }

    /// `database.table`, the prefix of every source's path.
    pub fn table_name(&self) -> String {
        format!("{}.{}", self.database, self.table)
    }

    pub fn display(&self) -> String {
        let user = self.user.as_ref().map(|u| format!("{u}@")).unwrap_or_default();
        format!("clickhouse://{user}{}:{}/{}", self.host, self.port, self.table_name())
    }
}

/// Percent-decoding of URL parts (`%60` → `` ` ``); malformed escapes stay as written.
fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok();
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// One server reached over HTTP.
pub struct Client {
    url: Url,
    password: String,
    timeout: Duration,
}

impl Client {
    pub fn new(url: Url) -> Client {
        let password = std::env::var(PASSWORD_ENV).unwrap_or_default();
        Client { url, password, timeout: Duration::from_secs(300) }
    }

    fn server_err(&self, message: String) -> Error {
        Error::Server { url: self.url.display(), message }
    }

    /// Runs one query and returns the response body. Errors carry the server's message, never the password.
    pub fn query(&self, sql: &str) -> Result<Vec<u8>, Error> {
        let mut body = Vec::new();
        self.send(sql)?.read_to_end(&mut body).map_err(|e| self.server_err(format!("cannot read the answer: {e}")))?;
        Ok(body)
    }

    /// Sends one query and reads the answer's head; the body is left to read as it arrives.
    pub fn send(&self, sql: &str) -> Result<BufReader<TcpStream>, Error> {
        let addr = (self.url.host.as_str(), self.url.port)
            .to_socket_addrs()
            .map_err(|e| self.server_err(format!("cannot resolve: {e}")))?
            .next()
            .ok_or_else(|| self.server_err("cannot resolve".into()))?;
        let mut conn = TcpStream::connect_timeout(&addr, Duration::from_secs(10))
            .map_err(|e| self.server_err(format!("cannot connect: {e}")))?;
        let _ = conn.set_read_timeout(Some(self.timeout));
        let user = self.url.user.as_deref().unwrap_or("default");
        let auth = base64(format!("{user}:{}", self.password).as_bytes());
        let head = format!(
            "POST /?database={} HTTP/1.0\r\nHost: {}\r\nAuthorization: Basic {auth}\r\nContent-Length: {}\r\n\r\n",
            percent(&self.url.database),
            self.url.host,
            sql.len()
        );
        conn.write_all(head.as_bytes())
            .and_then(|_| conn.write_all(sql.as_bytes()))
            .map_err(|e| self.server_err(format!("cannot send the query: {e}")))?;
        let mut reader = BufReader::with_capacity(256 << 10, conn);
        read_head(&mut reader).map_err(|m| self.server_err(m))?;
        Ok(reader)
    }
}

/// Reads an HTTP answer's status line and headers, leaving `reader` at the body. A status other
/// than 200 is an error carrying the start of the body (the server's message), escaped.
pub fn read_head(reader: &mut impl BufRead) -> Result<(), String> {
    let read_err = |e: std::io::Error| format!("cannot read the answer: {e}");
    let mut status = Vec::new();
    reader.read_until(b'\n', &mut status).map_err(read_err)?;
    let ok = status.split(|&c| c == b' ').nth(1) == Some(b"200");
    let mut header = Vec::new();
    loop {
        header.clear();
        if reader.read_until(b'\n', &mut header).map_err(read_err)? == 0 {
            return Err("the answer ended in its head".into());
        }
        if header == b"\r\n" || header == b"\n" {
            break;
        }
    }
    if !ok {
        let mut body = Vec::new();
        reader.take(64 << 10).read_to_end(&mut body).map_err(read_err)?;
        let text = String::from_utf8_lossy(&body);
        return Err(crate::text::escape_str(text.trim()).into_owned());
    }
    Ok(())
}

fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn base64(input: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | (b as u32) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// How a table's columns map to a record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    /// The time column and whether it is a `DateTime64` (else `DateTime`).
    pub time: String,
    pub time64: bool,
    pub ms: Option<String>,
    pub message: String,
    pub level: Option<LevelColumn>,
    pub host: Option<HostColumn>,
    pub service: Option<String>,
    pub path: Option<String>,
    pub line: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LevelColumn {
    Text(String),
    /// OpenTelemetry's SeverityNumber (1–24).
    Number(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostColumn {
    Plain(String),
    /// A Map column's `host.name` key (OpenTelemetry's ResourceAttributes).
    MapKey(String, String),
}

impl Layout {
    /// Picks columns from `DESCRIBE TABLE`'s (name, type) rows; URL parameters win.
    pub fn find(columns: &[(String, String)], url: &Url) -> Result<Layout, String> {
        let has = |n: &str| columns.iter().find(|(c, _)| c == n).map(|(c, t)| (c.clone(), t.clone()));
        let pick = |param: &str, names: &[&str]| -> Result<Option<(String, String)>, String> {
            match url.param(param) {
                Some(name) => has(name).map(Some).ok_or_else(|| format!("no column '{name}' (given as {param}=)")),
                None => Ok(names.iter().find_map(|n| has(n))),
            }
        };
        let (time, time_type) = pick("time", &["Timestamp", "ts", "time", "timestamp"])?
            .ok_or("no time column (Timestamp, ts, time or timestamp); name one with ?time=COL")?;
        let time_type = unwrap_type(&time_type);
        if !time_type.starts_with("DateTime") {
            return Err(format!("time column '{time}' is {time_type}, not DateTime or DateTime64"));
        }
        let (message, _) = pick("message", &["Body", "message", "msg", "body"])?
            .ok_or("no message column (Body, message, msg or body); name one with ?message=COL")?;
        let level = match pick("level", &["SeverityText", "level", "severity"])? {
            Some((name, _)) => Some(LevelColumn::Text(name)),
            None => has("SeverityNumber").map(|(n, _)| LevelColumn::Number(n)),
        };
        let host = match pick("host", &["host", "hostname"])? {
            Some((name, _)) => Some(HostColumn::Plain(name)),
            None => has("ResourceAttributes")
                .filter(|(_, t)| unwrap_type(t).starts_with("Map("))
                .map(|(n, _)| HostColumn::MapKey(n, "host.name".into())),
        };
        let name_only = |r: Option<(String, String)>| r.map(|(n, _)| n);
        Ok(Layout {
            time64: time_type.starts_with("DateTime64"),
            time,
            ms: name_only(pick("ms", &[])?),
            message,
            level,
            host,
            service: name_only(pick("service", &["ServiceName", "service", "app"])?),
            path: name_only(pick("path", &["path"])?),
            line: name_only(pick("line", &["line"])?),
        })
    }

    /// Milliseconds since the epoch, as an SQL expression.
    pub fn time_ms(&self) -> String {
        let t = ident(&self.time);
        let base = if self.time64 {
            format!("toInt64(toUnixTimestamp64Milli({t}))")
        } else {
            format!("toInt64(toUnixTimestamp({t})) * 1000")
        };
        match &self.ms {
            Some(ms) => format!("{base} + toInt64({})", ident(ms)),
            None => base,
        }
    }

    fn text(col: &Option<String>) -> String {
        col.as_ref().map(|c| format!("toString({})", ident(c))).unwrap_or_else(|| "''".into())
    }

    fn level_sql(&self) -> String {
        match &self.level {
            None => "''".into(),
            Some(LevelColumn::Text(c)) => format!("toString({})", ident(c)),
            Some(LevelColumn::Number(c)) => {
                let n = ident(c);
                format!("multiIf({n} >= 21, 'fatal', {n} >= 17, 'error', {n} >= 13, 'warn', {n} >= 9, 'info', {n} >= 5, 'debug', {n} >= 1, 'trace', '')")
            }
        }
    }

    fn host_sql(&self) -> String {
        match &self.host {
            None => "''".into(),
            Some(HostColumn::Plain(c)) => format!("toString({})", ident(c)),
            Some(HostColumn::MapKey(c, k)) => format!("{}[{}]", ident(c), string(k)),
        }
    }

    /// `WHERE` bounds: whole seconds on the time column (which the table's sort key can use), then
    /// to the millisecond on the full time, so that no row outside them is counted.
    pub fn where_sql(&self, from: Option<Millis>, to: Option<Millis>) -> String {
        let t = ident(&self.time);
        let ms = self.time_ms();
        let mut conds = Vec::new();
        if let Some(f) = from {
            conds.push(format!("{t} >= toDateTime({})", f.div_euclid(1000)));
            conds.push(format!("{ms} >= {f}"));
        }
        if let Some(u) = to {
            conds.push(format!("{t} <= toDateTime({})", (u + 999).div_euclid(1000)));
            conds.push(format!("{ms} <= {u}"));
        }
        if conds.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conds.join(" AND "))
        }
    }

    /// What a row is filed under: its original file (a `path` column), else its service and host.
    fn group_sql(&self) -> String {
        match &self.path {
            Some(p) => format!("toString({})", ident(p)),
            None => format!("concat({}, '@', {})", Self::text(&self.service), self.host_sql()),
        }
    }

    /// The text a row is grouped by: its message with every token of hex digits that holds a
    /// digit (numbers, addresses, ids, hashes, `db01`) masked to `0`.
    pub fn key_sql(&self) -> String {
        format!("replaceRegexpAll(toString({}), {}, '0')", ident(&self.message), string(MASK))
    }

    /// The aggregate that replaces reading rows. Rows are grouped when the index would read them
    /// alike: same time bucket (`granule_ms`, which divides the analysis's buckets), level, host,
    /// service, file, the same text once masked ([`Layout::key_sql`]), and the same answer from
    /// each rule pattern of `patterns` (those that read what the mask hides, run by the servers on
    /// every row). Each shard groups its own rows; only groups travel. A group comes back as:
    /// count, first and last time, level, host, service, file, and the first and last of its rows
    /// (message, line number).
    pub fn grouped_sql(
        &self,
        table: &str,
        from: Option<Millis>,
        to: Option<Millis>,
        granule_ms: i64,
        patterns: &[String],
    ) -> String {
        let m = format!("toString({})", ident(&self.message));
        let t = self.time_ms();
        let line = self.line.as_ref().map(|l| format!("toUInt64({})", ident(l))).unwrap_or_else(|| "0".into());
        // Ties in time go to the lower line, as a file read in order would.
        let order = format!("({t}, {line})");
        let (level, host, service, group) =
            (self.level_sql(), self.host_sql(), Self::text(&self.service), self.group_sql());
        let mut by = vec![
            format!("intDiv({t}, {granule_ms})"),
            level.clone(),
            host.clone(),
            service.clone(),
            group.clone(),
            self.key_sql(),
        ];
        let answers: Vec<String> =
            patterns.iter().map(|p| format!("if(match({m}, {}), '1', '0')", string(&for_re2(p)))).collect();
        match answers.len() {
            0 => {}
            1 => by.extend(answers),
            _ => by.push(format!("concat({})", answers.join(", "))),
        }
        format!(
            "SELECT count(), min({t}), max({t}), {level}, {host}, {service}, {group}, argMin({m}, {order}), \
             argMax({m}, {order}), argMin({line}, {order}), argMax({line}, {order}) FROM {table}{} \
             GROUP BY {} FORMAT TabSeparated",
            self.where_sql(from, to),
            by.join(", "),
        )
    }

    /// The span of the time column within bounds, and its row count: one row, three numbers.
    pub fn span_sql(&self, table: &str, from: Option<Millis>, to: Option<Millis>) -> String {
        let t = self.time_ms();
        format!("SELECT min({t}), max({t}), count() FROM {table}{} FORMAT TabSeparated", self.where_sql(from, to))
    }
}

/// Tokens of hex digits that hold a digit: masked in the group key, so that lines differing only
/// there are counted together.
const MASK: &str = "[0-9a-fA-F]*[0-9][0-9a-fA-F]*";

/// Whether a rule pattern reads what [`MASK`] hides, so that it could match one line of a group and
/// not another: it reads digits one by one (a digit, or `\d` or a class with digits that is not
/// repeated without bound) or counts characters (`{m,n}`). `\d+` reads any run of digits alike;
/// gaps of any characters (`.{0,40}`) are taken to read no digits, though a masked token's length
/// could in principle move a match past such a bound.
pub fn reads_masked_text(pattern: &str) -> bool {
    let b = pattern.as_bytes();
    let repeated = |j: usize| matches!(b.get(j), Some(b'+') | Some(b'*'));
    let counted = |j: usize| b.get(j) == Some(&b'{') && b.get(j + 1).is_some_and(|c| c.is_ascii_digit() || *c == b',');
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => {
                let c = b.get(i + 1).copied().unwrap_or(0);
                if (c == b'd' || c == b'D') && !repeated(i + 2) {
                    return true;
                }
                if counted(i + 2) && c.is_ascii_alphabetic() {
                    return true;
                }
                i += 2;
            }
            b'[' => {
                let mut j = i + 1;
                while j < b.len() && !(b[j] == b']' && j > i + 1) {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
                let class = &b[i..j.min(b.len())];
                let digits = class.iter().any(|c| c.is_ascii_digit()) || class.windows(2).any(|w| w == b"\\d");
                if (digits && !repeated(j + 1)) || counted(j + 1) {
                    return true;
                }
                i = j + 1;
            }
            // A gap of any characters: its bound counts no digits of its own.
            b'.' if counted(i + 1) => {
                i += 1;
                while i < b.len() && b[i] != b'}' {
                    i += 1;
                }
                i += 1;
            }
            b'{' if counted(i) => return true,
            c if c.is_ascii_digit() => return true,
            _ => i += 1,
        }
    }
    false
}

/// A rule pattern as ClickHouse's re2 takes it for a yes/no match: named groups (`(?P<n>…)`,
/// `(?<n>…)`) become plain groups, since captures are not wanted and re2 refuses `(?<n>…)`.
pub fn for_re2(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut rest = pattern;
    while let Some(at) = rest.find("(?") {
        let (before, tail) = rest.split_at(at);
        out.push_str(before);
        let escaped = before.bytes().rev().take_while(|&c| c == b'\\').count() % 2 == 1;
        let named =
            tail.strip_prefix("(?P<").or_else(|| tail.strip_prefix("(?<")).filter(|t| !t.starts_with(['=', '!']));
        match named.and_then(|t| t.find('>').map(|end| &t[end + 1..])) {
            Some(after) if !escaped => {
                out.push_str("(?:");
                rest = after;
            }
            _ => {
                out.push_str("(?");
                rest = &tail[2..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The rule patterns the servers are asked, and those they cannot run. Only patterns that read
/// what the mask hides are asked (see [`reads_masked_text`]); every other pattern gives all lines
/// of a group the answer it gives the group's first line. One query tries them all; when it fails,
/// each is tried alone to find those ClickHouse's re2 refuses (look-around, …).
fn server_patterns(client: &Client, rules: &crate::rules::RuleSet) -> Result<(Vec<String>, Vec<String>), Error> {
    let mut wanted: Vec<String> = Vec::new();
    for rule in &rules.rules {
        let on_text = rule.fields.iter().filter(|f| f.key == "message" || f.key == "line").map(|f| &f.pattern);
        for p in rule.patterns.iter().chain(on_text) {
            if reads_masked_text(p) && !wanted.contains(p) {
                wanted.push(p.clone());
            }
        }
    }
    let probe = |ps: &[String]| {
        let calls: Vec<String> = ps.iter().map(|p| format!("match('', {})", string(&for_re2(p)))).collect();
        client.query(&format!("SELECT {} FORMAT TabSeparated", calls.join(", ")))
    };
    if wanted.is_empty() || probe(&wanted).is_ok() {
        return Ok((wanted, Vec::new()));
    }
    // A server that cannot be reached fails the same way for a single pattern: that is an error.
    client.query("SELECT 1 FORMAT TabSeparated")?;
    Ok(wanted.into_iter().partition(|p| probe(std::slice::from_ref(p)).is_ok()))
}

/// `Nullable(X)` / `LowCardinality(X)` → `X`.
fn unwrap_type(t: &str) -> String {
    let mut t = t.trim();
    for wrapper in ["Nullable(", "LowCardinality("] {
        if let Some(inner) = t.strip_prefix(wrapper).and_then(|x| x.strip_suffix(')')) {
            t = inner;
        }
    }
    t.to_string()
}

/// The built-in format of fetched rows: `TIME\tLEVEL\tHOST\tSERVICE\tMESSAGE`.
pub fn row_format() -> CustomFormat {
    CustomFormat::new(
        FORMAT_NAME,
        r"^(?P<ts>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)?\t(?P<level>[^\t]*)\t(?P<host>[^\t]*)\t(?P<service>[^\t]*)\t(?P<msg>.*)$",
        None,
        "built in (clickhouse)",
    )
    .expect("the row format's regex is valid")
}

/// What a fetch gave: sources in the row format, the time span of the table, and what was asked.
pub struct Fetched {
    pub sources: Vec<Source>,
    pub span: Option<(Millis, Millis)>,
    /// Rows within the time bounds, as the servers counted them.
    pub rows: u64,
    /// Groups the servers returned in their place.
    pub groups: u64,
    /// What the user should know about how the rows were read.
    pub notes: Vec<String>,
}

/// Bucket grain when the table is not the only input: it divides every bucket size the analysis
/// picks (10 s, 15 s, 20 s, … whole hours), whatever span the other inputs give it.
const FINE_GRANULE_MS: i64 = 5_000;

/// Resolves the table's layout, then time bounds (via `bounds`, given the table's time span), and
/// fetches the rows in them, grouped by the servers (see [`Layout::grouped_sql`]), as sources
/// numbered from `first_id`. `alone`: the table is the only input, so the analysis's time axis is
/// known here and groups can be as wide as its buckets.
pub fn fetch(
    url: &Url,
    rules: &crate::rules::RuleSet,
    bounds: impl FnOnce(Option<(Millis, Millis)>) -> (Option<Millis>, Option<Millis>),
    first_id: u32,
    alone: bool,
) -> Result<Fetched, Error> {
    let client = Client::new(url.clone());
    let table = table(&url.database, &url.table);
    let describe = client.query(&format!("DESCRIBE TABLE {table} FORMAT TabSeparated"))?;
    let columns = describe_columns(&describe);
    let layout = Layout::find(&columns, url).map_err(|m| client.server_err(m))?;
    let span_of = |from, to| -> Result<(Option<(Millis, Millis)>, u64), Error> {
        let body = client.query(&layout.span_sql(&table, from, to))?;
        Ok(span_row(&body))
    };
    let (span, all) = span_of(None, None)?;
    let (from, to) = bounds(span);
    let (inside, rows) = if from.is_some() || to.is_some() { span_of(from, to)? } else { (span, all) };
    // The analysis's buckets come from the span it will see; a group never straddles one of them.
    let granule = match inside {
        Some((lo, hi)) if alone => {
            let (lo, hi) = (from.map_or(lo, |f| lo.max(f)), to.map_or(hi, |u| hi.min(u)));
            crate::time::bucket_size(lo, hi)
        }
        _ => FINE_GRANULE_MS,
    };
    let (patterns, refused) = server_patterns(&client, rules)?;
    let mut notes = Vec::new();
    if !refused.is_empty() {
        notes.push(format!(
            "{} rule pattern(s) that ClickHouse's regular expressions cannot run were matched on the first line of \
             each group of lines alike (digits and hex ids masked), not on every row: {}",
            refused.len(),
            refused.iter().map(|p| crate::text::escape_str(p).into_owned()).collect::<Vec<_>>().join(", ")
        ));
    }
    let body = client.send(&layout.grouped_sql(&table, from, to, granule, &patterns))?;
    let (sources, returned) =
        read_groups(body, layout.line.is_some(), &url.table_name(), first_id).map_err(|m| client.server_err(m))?;
    Ok(Fetched { sources, span, rows, groups: returned, notes })
}

/// `DESCRIBE TABLE`'s answer as (name, type) pairs.
pub fn describe_columns(body: &[u8]) -> Vec<(String, String)> {
    tsv_rows(body).filter_map(|r| Some((text(r.first()?), text(r.get(1)?)))).collect()
}

/// The answer to [`Layout::span_sql`]: the first and last time, if any rows, and how many rows.
pub fn span_row(body: &[u8]) -> (Option<(Millis, Millis)>, u64) {
    let row = tsv_rows(body).next().unwrap_or_default();
    let num = |k: usize| row.get(k).and_then(|f| text(f).parse::<i64>().ok());
    let rows = num(2).unwrap_or(0).max(0) as u64;
    let span = match (num(0), num(1)) {
        (Some(lo), Some(hi)) if rows > 0 => Some((lo, hi)),
        _ => None,
    };
    (span, rows)
}

/// Reads the rows [`Layout::grouped_sql`] returns as they arrive, into one source per group key
/// (named `PREFIX:KEY`, in key order, numbered from `first_id`), and counts the rows. `by_line`:
/// the rows carry line numbers. An error names what was wrong with the answer.
pub fn read_groups(
    mut body: impl BufRead,
    by_line: bool,
    prefix: &str,
    first_id: u32,
) -> Result<(Vec<Source>, u64), String> {
    let mut row = Vec::with_capacity(1024);
    let mut groups: Vec<Group> = Vec::new();
    let mut by_key: HashMap<Vec<u8>, usize> = HashMap::new();
    let mut returned = 0u64;
    loop {
        row.clear();
        let n = body.read_until(b'\n', &mut row).map_err(|e| format!("cannot read rows: {e}"))?;
        if n == 0 {
            break;
        }
        let Some(r) = tsv_rows(&row).next() else { continue };
        if r.len() != 11 {
            return Err(format!("unexpected row: {}", crate::text::escape(&r.join(&b"\t"[..]))));
        }
        returned += 1;
        let g = match by_key.get(r[6]) {
            Some(&g) => g,
            None => {
                by_key.insert(r[6].to_vec(), groups.len());
                groups.push(Group { key: text(r[6]), text: Vec::new(), rows: Vec::new() });
                groups.len() - 1
            }
        };
        let num = |k: usize| text(r[k]).parse::<i64>().unwrap_or(0);
        let count = num(0).clamp(1, u32::MAX as i64) as u32;
        let (first, last) = (num(1), num(2));
        let fields = &r[3..6];
        // The first row stands for all but the last; the last keeps the group's true end in the index.
        // Line numbers come from the table: one below 1 is no line number.
        let line = |k: usize| num(k).max(0) as u64;
        if count == 1 {
            groups[g].push(first, fields, r[7], line(9), 1, by_line);
        } else {
            groups[g].push(first, fields, r[7], line(9), count - 1, by_line);
            groups[g].push(last, fields, r[8], line(10), 1, by_line);
        }
    }
    // Sources in name order, whatever order the shards answered in: the same table gives the same index.
    groups.sort_by(|a, b| a.key.cmp(&b.key));
    let sources = groups
        .into_iter()
        .enumerate()
        .map(|(i, g)| {
            let key = g.key.clone();
            let (bytes, counts) = g.into_file(by_line);
            Source {
                id: first_id + i as u32,
                path: PathBuf::from(format!("{prefix}:{key}")),
                stream: format!("{prefix}:{key}"),
                data: Data::Counted { bytes, counts },
                mtime: None,
                warnings: Vec::new(),
            }
        })
        .collect();
    Ok((sources, returned))
}

/// The rows of one original file (or one service on one host), as they arrived.
struct Group {
    key: String,
    text: Vec<u8>,
    /// (line number or time, start, length, lines it stands for) of each row in `text`.
    rows: Vec<(u64, usize, usize, u32)>,
}

impl Group {
    /// Appends one row in the row format: time, then level, host, service (`fields`) and the
    /// message's first line.
    fn push(&mut self, ms: Millis, fields: &[&[u8]], message: &[u8], line: u64, count: u32, by_line: bool) {
        let start = self.text.len();
        let bytes = &mut self.text;
        if ms != NO_TIME && ms != 0 {
            bytes.extend_from_slice(crate::time::rfc3339(ms).as_bytes());
        }
        for col in fields {
            bytes.push(b'\t');
            bytes.extend(sql::tsv_field(col).into_iter().map(|c| if c == b'\t' || c == b'\n' { b' ' } else { c }));
        }
        bytes.push(b'\t');
        let message = sql::tsv_field(message);
        // The record's first line is its message, as in a file; a trailing `\r` is dropped.
        let first = message.split(|&c| c == b'\n').next().unwrap_or(b"");
        bytes.extend_from_slice(first.strip_suffix(b"\r").unwrap_or(first));
        bytes.push(b'\n');
        let order = if by_line { line } else { ms as u64 };
        self.rows.push((order, start, bytes.len() - start, count));
    }

    /// The rows in line (else time) order, one a line, and the count of each. With line numbers,
    /// blank lines (which belong to no record) put each row on its original line, so evidence
    /// points where the file did.
    fn into_file(mut self, by_line: bool) -> (Vec<u8>, Vec<u32>) {
        self.rows.sort_by_key(|r| r.0);
        let mut out = Vec::with_capacity(self.text.len() + self.rows.len());
        let mut counts = Vec::with_capacity(self.rows.len());
        let mut last = 0u64;
        let mut padding_left = MAX_LINE_GAP;
        for &(order, start, len, count) in &self.rows {
            let gap = order.saturating_sub(last.saturating_add(1));
            if by_line && gap > 0 && gap <= padding_left {
                out.resize(out.len() + gap as usize, b'\n');
                padding_left -= gap;
            }
            last = if by_line && order > last { order } else { last.saturating_add(1) };
            out.extend_from_slice(&self.text[start..start + len]);
            counts.push(count);
        }
        (out, counts)
    }
}

/// Most blank lines put between the rows of one group, in all, to keep line numbers: the table's
/// line numbers are its own data, and one far off (or many) must not fill memory with blank lines.
/// Past it, rows follow one another and their line numbers are off.
const MAX_LINE_GAP: u64 = 1 << 26;

fn text(raw: &[u8]) -> String {
    String::from_utf8_lossy(&sql::tsv_field(raw)).into_owned()
}

/// TabSeparated rows, fields still escaped.
fn tsv_rows(body: &[u8]) -> impl Iterator<Item = Vec<&[u8]>> {
    body.split(|&c| c == b'\n').filter(|l| !l.is_empty()).map(|l| l.split(|&c| c == b'\t').collect())
}

#[cfg(test)]
mod tests;
