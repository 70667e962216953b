//! JSON lines. A shallow, allocation-free scanner over the top-level object:
//! well-known keys become timestamp/level/message/service/host, every other
//! top-level key is kept as a field. Nested values are skipped by bracket
//! counting (no recursion, so hostile nesting cannot overflow the stack).

use super::{level_from_word, Level, LineKind, ParseCtx, Parsed, Span};
use crate::time::{parse_epoch_digits, parse_iso};

/// Skips a JSON string starting at the opening quote; returns the index after the closing quote.
fn skip_string(b: &[u8], mut i: usize) -> Option<usize> {
    i += 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// Skips any JSON value at `i`; returns the index after it.
fn skip_value(b: &[u8], i: usize) -> Option<usize> {
    match *b.get(i)? {
        b'"' => skip_string(b, i),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            while j < b.len() {
                match b[j] {
                    b'"' => {
                        j = skip_string(b, j)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            None
        }
        _ => {
            let mut j = i;
            while j < b.len() && !matches!(b[j], b',' | b'}' | b']' | b' ' | b'\t') {
                j += 1;
            }
            Some(j)
        }
    }
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\r') {
        i += 1;
    }
    i
}

/// Iterates the top-level `key: value` pairs; value spans exclude quotes for strings.
pub fn for_each_pair(b: &[u8], f: impl FnMut(Span, Span, bool)) -> bool {
    pairs_at(b, 0, f)
}

/// Iterates the `key: value` pairs of the object starting at `start` (spans are relative to `b`).
pub fn pairs_at(b: &[u8], start: usize, mut f: impl FnMut(Span, Span, bool)) -> bool {
    let mut i = skip_ws(b, start);
    if b.get(i) != Some(&b'{') {
        return false;
    }
    i += 1;
    loop {
        i = skip_ws(b, i);
        match b.get(i) {
            Some(b'}') => return true,
            Some(b'"') => {}
            _ => return false,
        }
        let Some(kend) = skip_string(b, i) else { return false };
        let key = Span::new(i + 1, kend - 1);
        i = skip_ws(b, kend);
        if b.get(i) != Some(&b':') {
            return false;
        }
        i = skip_ws(b, i + 1);
        let Some(vend) = skip_value(b, i) else { return false };
        let is_str = b.get(i) == Some(&b'"');
        let value = if is_str { Span::new(i + 1, vend - 1) } else { Span::new(i, vend) };
        f(key, value, is_str);
        i = skip_ws(b, vend);
        match b.get(i) {
            Some(b',') => i += 1,
            Some(b'}') => return true,
            _ => return false,
        }
    }
}

/// What a key means, for the keys culprit understands.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Time,
    Level,
    Msg,
    /// A service name; the number ranks the key's conventions (see [`service_rank`]).
    Service(u8),
    Host,
    /// An object whose members carry roles (ECS `log`, `service`, `host`).
    Nested(Nest),
    Other,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Nest {
    Log,
    Service,
    Host,
}

/// How surely a key names the service: an explicit service or application key beats the
/// process name of Node loggers (`name`), which beats a logger or component name.
fn service_rank(k: &[u8]) -> Option<u8> {
    Some(match k {
        b"service" | b"service.name" | b"service_name" | b"serviceName" | b"app" | b"application"
        | b"application_name" | b"_service" | b"_app" | b"SYSLOG_IDENTIFIER" => 3,
        b"name" => 2,
        b"logger" | b"logger_name" | b"log.logger" | b"loggerName" | b"component" | b"source" => 1,
        _ => return None,
    })
}

fn role(k: &[u8]) -> Role {
    if let Some(rank) = service_rank(k) {
        return Role::Service(rank);
    }
    match k {
        b"@timestamp"
        | b"timestamp"
        | b"time"
        | b"ts"
        | b"t"
        | b"datetime"
        | b"date"
        | b"eventTime"
        | b"@t"
        | b"time_local"
        | b"timeMillis"
        | b"epoch"
        | b"stageTimestamp"
        | b"requestReceivedTimestamp"
        | b"asctime"
        | b"Timestamp"
        | b"lastTimestamp"
        | b"firstTimestamp" => Role::Time,
        b"level" | b"log.level" | b"severity" | b"lvl" | b"loglevel" | b"levelname" | b"severity_text"
        | b"error_severity" | b"@l" | b"log_level" | b"SeverityText" => Role::Level,
        b"msg" | b"message" | b"@m" | b"@mt" | b"event" | b"error" | b"Body" | b"log" | b"short_message" => Role::Msg,
        b"host" | b"hostname" | b"instance" | b"host.name" | b"node" | b"pod" | b"HOSTNAME" | b"MachineName"
        | b"host.hostname" | b"_HOSTNAME" => Role::Host,
        _ => Role::Other,
    }
}

/// A logger (or Python's `name`) named like a code path (`com.shop.OrderService`, `app.views.auth`) names a class or
/// module, not a service: taking it would split one service into one per class.
fn names_code_path(v: &[u8]) -> bool {
    v.contains(&b'.') || v.contains(&b'\\') || v.windows(2).any(|w| w == b"::")
}

/// Syslog severities 0…7, for records that say they follow a syslog-numbered convention (GELF).
fn syslog_level(v: &[u8]) -> Option<Level> {
    Some(match v {
        b"0" | b"1" | b"2" => Level::Fatal,
        b"3" => Level::Error,
        b"4" => Level::Warn,
        b"5" => Level::Notice,
        b"6" => Level::Info,
        b"7" => Level::Debug,
        _ => return None,
    })
}

/// Numeric levels (bunyan/pino 10…60; syslog-style 0…7 is ambiguous and left alone).
fn numeric_level(v: &[u8]) -> Option<Level> {
    Some(match v {
        b"10" => Level::Trace,
        b"20" => Level::Debug,
        b"30" => Level::Info,
        b"40" => Level::Warn,
        b"50" => Level::Error,
        b"60" => Level::Fatal,
        _ => return None,
    })
}

fn parse_ts(v: &[u8], ctx: &ParseCtx) -> Option<i64> {
    parse_iso(v, 0).map(|st| st.resolve(&ctx.zone)).or_else(|| parse_epoch_digits(v))
}

/// What an unlisted key's name suggests; the value must then have the matching shape.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Guess {
    Time,
    Level,
    /// A message; the rank prefers a rendered message to a plain one to a template.
    Msg(u8),
    Other,
}

/// Keys on no list, judged by their name, case-insensitively: time (`logTime`, `event_ts`,
/// `created_at`, `Timestamp`, `instant`; not durations), level (`LogLevel`, `severity_level`, `sev`), message
/// (`Message`, `logMessage`, `RenderedMessage`, `text`, `body`). Names longer than 32 bytes are
/// not guessed at.
fn guess(key: &[u8]) -> Guess {
    let mut buf = [0u8; 32];
    let Some(lower) = buf.get_mut(..key.len()) else { return Guess::Other };
    for (d, c) in lower.iter_mut().zip(key) {
        *d = c.to_ascii_lowercase();
    }
    let lower = &*lower;
    let has = |w: &[u8]| lower.windows(w.len()).any(|x| x == w);
    // `ts` as a word of the name: `ts`, `event_ts`, `ts_ms`, `log.ts`.
    let ts_word = lower.split(|c| !c.is_ascii_alphanumeric()).any(|w| w == b"ts");
    if has(b"message") || lower.ends_with(b"msg") || matches!(lower, b"text" | b"body") {
        let rank = if has(b"template") || has(b"format") {
            1
        } else if has(b"render") {
            3
        } else {
            2
        };
        return Guess::Msg(rank);
    }
    if has(b"level") || has(b"severity") || matches!(lower, b"lvl" | b"sev") {
        return Guess::Level;
    }
    // Durations are named like times (`response_time`, `uptime`, `time_taken`) and may even hold
    // numbers in the epoch range.
    const DURATION: [&[u8]; 10] = [
        b"uptime",
        b"timeout",
        b"elapsed",
        b"duration",
        b"taken",
        b"took",
        b"spent",
        b"latency",
        b"response",
        b"interval",
    ];
    let time_name = has(b"time")
        || has(b"date")
        || ts_word
        || lower.ends_with(b"_at")
        || key.ends_with(b"At")
        || lower == b"instant";
    if time_name && !DURATION.iter().any(|w| has(w)) {
        return Guess::Time;
    }
    Guess::Other
}

/// A time written as an object of epoch seconds and nanoseconds: protobuf's Timestamp
/// (`{"seconds":…,"nanos":…}`), log4j2's `instant` (`{"epochSecond":…,"nanoOfSecond":…}`).
fn seconds_object(line: &[u8], object: Span) -> Option<i64> {
    let (mut ms, mut nanos) = (None, 0i64);
    pairs_at(line, object.start as usize, |key, value, _| {
        let (k, v) = (key.get(line), value.get(line));
        if k.eq_ignore_ascii_case(b"seconds") || k.eq_ignore_ascii_case(b"epochSecond") {
            // Whole seconds only: a fraction here would be a different convention.
            ms = (v.len() <= 10 && v.iter().all(u8::is_ascii_digit)).then(|| parse_epoch_digits(v)).flatten();
        } else if k.eq_ignore_ascii_case(b"nanos") || k.eq_ignore_ascii_case(b"nanoOfSecond") {
            nanos = std::str::from_utf8(v)
                .ok()
                .and_then(|n| n.parse::<u32>().ok())
                .filter(|&n| n < 1_000_000_000)
                .unwrap_or(0) as i64;
        }
    });
    ms.map(|ms| ms + nanos / 1_000_000)
}

/// The message inside an object that holds one (tracing's `fields`, `{"message": …}`).
fn message_inside(line: &[u8], object: Span) -> Option<Span> {
    let mut found = None;
    pairs_at(line, object.start as usize, |key, value, is_str| {
        if found.is_none() && is_str && matches!(key.get(line), b"message" | b"msg") {
            found = Some(value);
        }
    });
    found
}

pub fn parse(line: &[u8], ctx: &ParseCtx, out: &mut Parsed) -> LineKind {
    let mut ts = None;
    let mut level = None;
    let mut raw_level = Span::EMPTY;
    let mut gelf = false;
    let mut msg_prio = 0u8;
    let mut service_prio = 0u8;
    let mut nested = [(Nest::Log, Span::EMPTY); 3];
    let mut n_nested = 0;
    // What unlisted keys suggest, used only where no listed key said it.
    let (mut guessed_ts, mut guessed_level, mut guessed_msg) = (None, None, (0u8, Span::EMPTY));
    let mut objects = [Span::EMPTY; 4];
    let mut n_objects = 0;
    let ok = for_each_pair(line, |key, value, is_str| {
        let k = key.get(line);
        let v = value.get(line);
        let is_obj = v.first() == Some(&b'{');
        let mut r = role(k);
        if is_obj {
            // `service` and `host` hold names in ECS; `log` holds the level.
            r = match k {
                b"service" => Role::Nested(Nest::Service),
                b"host" => Role::Nested(Nest::Host),
                _ => Role::Other,
            };
        }
        if r == Role::Other {
            match guess(k) {
                Guess::Time if guessed_ts.is_none() => {
                    guessed_ts = if is_obj { seconds_object(line, value) } else { parse_ts(v, ctx) }
                }
                Guess::Level if guessed_level.is_none() && !is_obj => {
                    guessed_level = level_from_word(v).or_else(|| numeric_level(v));
                }
                Guess::Msg(rank) if is_str && rank > guessed_msg.0 => guessed_msg = (rank, value),
                _ if is_obj && n_objects < objects.len() => {
                    objects[n_objects] = value;
                    n_objects += 1;
                }
                _ => {}
            }
        }
        match r {
            Role::Time if ts.is_none() => ts = parse_ts(v, ctx),
            Role::Level if level.is_none() => {
                raw_level = value;
                level = if is_str { level_from_word(v).or_else(|| numeric_level(v)) } else { numeric_level(v) };
            }
            // `message` beats `msg` beats `error`/`event` when several are present.
            Role::Msg if is_str || msg_prio == 0 => {
                let prio = match k {
                    b"message" | b"msg" | b"@m" | b"Body" | b"short_message" => 3,
                    b"@mt" => 2,
                    _ => 1,
                };
                gelf |= k == b"short_message";
                if prio > msg_prio {
                    msg_prio = prio;
                    out.msg = value;
                }
            }
            Role::Service(rank)
                if rank > service_prio && is_str && !v.is_empty() && (rank > 2 || !names_code_path(v)) =>
            {
                service_prio = rank;
                out.service = value;
            }
            Role::Host if out.host.is_empty() && is_str => out.host = value,
            Role::Nested(n) if n_nested < nested.len() => {
                nested[n_nested] = (n, value);
                n_nested += 1;
            }
            _ => {}
        }
        out.push_field(key, value);
    });
    if !ok {
        return LineKind::Unparsed;
    }
    for &(nest, span) in &nested[..n_nested] {
        pairs_at(line, span.start as usize, |key, value, is_str| match (nest, key.get(line)) {
            (Nest::Log, b"level") if level.is_none() => level = level_from_word(value.get(line)),
            (Nest::Service, b"name") if service_prio < 3 && is_str => {
                service_prio = 3;
                out.service = value;
            }
            (Nest::Host, b"name" | b"hostname") if out.host.is_empty() && is_str => out.host = value,
            _ => {}
        });
    }
    if gelf && level.is_none() {
        // GELF numbers its levels as syslog does (3 = error, 6 = info).
        level = syslog_level(raw_level.get(line));
    }
    if ts.is_none() {
        ts = guessed_ts;
    }
    if level.is_none() {
        level = guessed_level;
    }
    if out.msg.is_empty() {
        out.msg = guessed_msg.1;
    }
    if out.msg.is_empty() {
        out.msg = objects[..n_objects].iter().find_map(|&o| message_inside(line, o)).unwrap_or(Span::EMPTY);
    }
    out.ts = ts.unwrap_or(crate::time::NO_TIME);
    if out.msg.is_empty() {
        out.msg = Span::new(0, line.len());
    }
    out.level = level.unwrap_or_else(|| super::level::keyword_level(out.msg.get(line)));
    if out.level == Level::Unknown {
        out.level = Level::Info;
    }
    LineKind::Record
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::civil_to_millis;

    #[test]
    fn fields_and_roles() {
        let line = br#"{"ts":"2024-01-22T15:30:01.250Z","level":"error","service":"auth","host":"auth-2","msg":"token signing failed","kid":"k2","ctx":{"a":[1,{"b":"}"}]}}"#;
        let mut p = Parsed::default();
        assert_eq!(parse(line, &ParseCtx::default(), &mut p), LineKind::Record);
        assert_eq!(p.ts, civil_to_millis(2024, 1, 22, 15, 30, 1, 250));
        assert_eq!(p.level, Level::Error);
        assert_eq!(p.service.get(line), b"auth");
        assert_eq!(p.host.get(line), b"auth-2");
        assert_eq!(p.msg.get(line), b"token signing failed");
        assert_eq!(p.field(line, b"kid"), Some(&b"k2"[..]));
    }

    #[test]
    fn ecs_nested_objects() {
        let line = br#"{"@timestamp":"2024-01-22T15:30:01.003Z","log":{"level":"error","logger":"x"},"service":{"name":"auth"},"host":{"name":"auth-2"},"message":"db timeout","trace.id":"abc"}"#;
        let mut p = Parsed::default();
        assert_eq!(parse(line, &ParseCtx::default(), &mut p), LineKind::Record);
        assert_eq!(p.ts, civil_to_millis(2024, 1, 22, 15, 30, 1, 3));
        assert_eq!(p.level, Level::Error);
        assert_eq!(p.service.get(line), b"auth");
        assert_eq!(p.host.get(line), b"auth-2");
        assert_eq!(p.msg.get(line), b"db timeout");
        assert_eq!(p.field(line, b"trace.id"), Some(&b"abc"[..]));
    }

    /// One line, its time, level, service, host and message.
    type Case = (&'static str, Option<i64>, Level, &'static str, &'static str, &'static str);

    /// One line in each ecosystem's usual JSON shape.
    const CONVENTIONS: &[Case] = &[
        // Python logging with python-json-logger: `asctime` with a comma before the millis.
        (
            r#"{"asctime": "2024-12-07 16:00:01,456", "name": "celery.worker", "levelname": "ERROR", "message": "Task failed"}"#,
            Some(1_733_587_201_456),
            Level::Error,
            "",
            "",
            "Task failed",
        ),
        // GELF: `short_message`, syslog-numbered level, `_`-prefixed custom fields.
        (
            r#"{"version":"1.1","host":"pay-1","short_message":"gateway returned 503","timestamp":1733587201.5,"level":3,"_service":"payments"}"#,
            Some(1_733_587_201_500),
            Level::Error,
            "payments",
            "pay-1",
            "gateway returned 503",
        ),
        // logstash-logback-encoder: a class logger is not a service; HOSTNAME names the host.
        (
            r#"{"@timestamp":"2024-12-07T17:00:01.123+01:00","message":"Connection is not available","logger_name":"com.zaxxer.hikari.pool.HikariPool","level":"ERROR","level_value":40000,"HOSTNAME":"ord-3"}"#,
            Some(1_733_587_201_123),
            Level::Error,
            "",
            "ord-3",
            "Connection is not available",
        ),
        // Serilog compact JSON: `@t`, `@mt`, `@l`, MachineName.
        (
            r#"{"@t":"2024-12-07T16:00:01.1234567Z","@mt":"Failed to connect to {Host}","@l":"Error","Host":"db-1","MachineName":"ord-1"}"#,
            Some(1_733_587_201_123),
            Level::Error,
            "",
            "ord-1",
            "Failed to connect to {Host}",
        ),
        // pino: numeric level, `name` is the application even after a dotted logger.
        (
            r#"{"level":50,"time":1733587201000,"logger":"db.pool","hostname":"web-1","name":"checkout","msg":"timeout"}"#,
            Some(1_733_587_201_000),
            Level::Error,
            "checkout",
            "web-1",
            "timeout",
        ),
        // A logger without a code path names the service.
        (
            r#"{"timestamp":"2024-12-07T16:00:01Z","level":"warn","logger":"login-api","message":"slow"}"#,
            Some(1_733_587_201_000),
            Level::Warn,
            "login-api",
            "",
            "slow",
        ),
        // Kubernetes events: the time is in lastTimestamp/firstTimestamp.
        (
            r#"{"kind":"Event","reason":"BackOff","message":"Back-off restarting failed container","type":"Warning","firstTimestamp":"2024-12-07T16:00:00Z","lastTimestamp":"2024-12-07T16:00:05Z"}"#,
            Some(1_733_587_200_000),
            Level::Error,
            "",
            "",
            "Back-off restarting failed container",
        ),
    ];

    /// Loggers whose keys are on no list: their time, level and message are found by key names and
    /// value shapes.
    const UNLISTED: &[Case] = &[
        // bunyan: numeric level, `name` is the application.
        (
            r#"{"name":"checkout","hostname":"web-1","pid":812,"level":50,"msg":"payment failed","time":"2024-12-07T16:00:01.000Z","v":0}"#,
            Some(1_733_587_201_000),
            Level::Error,
            "checkout",
            "web-1",
            "payment failed",
        ),
        // zap's production encoder: epoch seconds as a float.
        (
            r#"{"level":"error","ts":1733587201.123,"caller":"db/pool.go:88","msg":"connection refused","error":"dial tcp: refused"}"#,
            Some(1_733_587_201_123),
            Level::Error,
            "",
            "",
            "connection refused",
        ),
        // structlog: the message is `event`.
        (
            r#"{"event":"payment failed","level":"error","logger":"payments","timestamp":"2024-12-07T16:00:01.000000Z"}"#,
            Some(1_733_587_201_000),
            Level::Error,
            "payments",
            "",
            "payment failed",
        ),
        // Rust tracing-subscriber's JSON: the message sits in the `fields` object.
        (
            r#"{"timestamp":"2024-12-07T16:00:01.123456Z","level":"ERROR","fields":{"retries":3,"message":"connection failed"},"target":"api::db","span":{"name":"request"}}"#,
            Some(1_733_587_201_123),
            Level::Error,
            "",
            "",
            "connection failed",
        ),
        // Serilog's JsonFormatter (not the compact one): capitalised keys, the rendered message wins.
        (
            r#"{"Timestamp":"2024-12-07T16:00:01.1234567+00:00","Level":"Error","MessageTemplate":"Failed to connect to {Host}","RenderedMessage":"Failed to connect to db-1","Properties":{"Host":"db-1"}}"#,
            Some(1_733_587_201_123),
            Level::Error,
            "",
            "",
            "Failed to connect to db-1",
        ),
        // Microsoft.Extensions.Logging's JSON console formatter.
        (
            r#"{"Timestamp":"2024-12-07T16:00:01.123Z","EventId":0,"LogLevel":"Warning","Category":"Orders.Db","Message":"Retrying save","State":{"Message":"Retrying save"}}"#,
            Some(1_733_587_201_123),
            Level::Warn,
            "",
            "",
            "Retrying save",
        ),
        // log4j2's JsonLayout: the time is an object of epoch seconds and nanoseconds.
        (
            r#"{"instant":{"epochSecond":1733587201,"nanoOfSecond":123000000},"thread":"main","level":"ERROR","loggerName":"com.shop.Db","message":"Connection refused","endOfBatch":false}"#,
            Some(1_733_587_201_123),
            Level::Error,
            "",
            "",
            "Connection refused",
        ),
        // Google Cloud's structured logging: a protobuf Timestamp and `severity`.
        (
            r#"{"severity":"ERROR","message":"quota exceeded","timestamp":{"seconds":1733587201,"nanos":500000000}}"#,
            Some(1_733_587_201_500),
            Level::Error,
            "",
            "",
            "quota exceeded",
        ),
        // A home-grown logger.
        (
            r#"{"logTime":"2024-12-07 16:00:01.123","logLevel":"WARN","logMessage":"disk almost full","loggerName":"disk-monitor"}"#,
            Some(1_733_587_201_123),
            Level::Warn,
            "disk-monitor",
            "",
            "disk almost full",
        ),
        (
            r#"{"requestId":"r-1","created_at":"2024-12-07T16:00:01Z","severity_level":"critical","text":"disk failed"}"#,
            Some(1_733_587_201_000),
            Level::Fatal,
            "",
            "",
            "disk failed",
        ),
        (
            r#"{"event_ts":1733587201123,"lvl":"E","body":"upstream reset"}"#,
            Some(1_733_587_201_123),
            Level::Error,
            "",
            "",
            "upstream reset",
        ),
        // Names that hold durations, sizes and counts are not the time, whatever they are called.
        (
            r#"{"response_time":1234,"timeout":"30s","time_taken":"0.5","uptime":1733587201,"level_value":40000,"msg":"ok"}"#,
            None,
            Level::Info,
            "",
            "",
            "ok",
        ),
    ];

    #[test]
    fn unlisted_loggers_by_key_names_and_value_shapes() {
        assert_reads(UNLISTED);
    }

    #[test]
    fn ecosystem_conventions() {
        assert_reads(CONVENTIONS);
    }

    fn assert_reads(cases: &[Case]) {
        for &(line, ts, level, service, host, msg) in cases {
            let b = line.as_bytes();
            let mut p = Parsed::default();
            assert_eq!(parse(b, &ParseCtx::default(), &mut p), LineKind::Record, "{line}");
            assert_eq!(Some(p.ts).filter(|&t| t != crate::time::NO_TIME), ts, "time of {line}");
            assert_eq!(p.level, level, "level of {line}");
            assert_eq!(String::from_utf8_lossy(p.service.get(b)), service, "service of {line}");
            assert_eq!(String::from_utf8_lossy(p.host.get(b)), host, "host of {line}");
            assert_eq!(String::from_utf8_lossy(p.msg.get(b)), msg, "message of {line}");
        }
    }

    #[test]
    fn field_cap() {
        let mut line = String::from("{");
        for i in 0..10_000 {
            line.push_str(&format!("\"k{i}\":{i},"));
        }
        line.push_str("\"msg\":\"end\"}");
        let mut p = Parsed::default();
        assert_eq!(parse(line.as_bytes(), &ParseCtx::default(), &mut p), LineKind::Record);
        assert_eq!(p.fields.len(), crate::format::MAX_FIELDS);
        assert_eq!(p.msg.get(line.as_bytes()), b"end");
    }

    #[test]
    fn epoch_and_garbage() {
        let mut p = Parsed::default();
        let line = br#"{"time": 1705937401123, "message": "x"}"#;
        assert_eq!(parse(line, &ParseCtx::default(), &mut p), LineKind::Record);
        assert_eq!(p.ts, 1_705_937_401_123);
        assert_eq!(parse(b"{\"a\":", &ParseCtx::default(), &mut p), LineKind::Unparsed);
        let line = br#"{"ts":"1705937401.5","msg":"s"}"#;
        assert_eq!(parse(line, &ParseCtx::default(), &mut p), LineKind::Record);
        assert_eq!(p.ts, 1_705_937_401_500);
        let line = br#"{"ts":1705937401123456789,"level":50,"msg":"n"}"#;
        assert_eq!(parse(line, &ParseCtx::default(), &mut p), LineKind::Record);
        assert_eq!((p.ts, p.level), (1_705_937_401_123, Level::Error));
        let line = br#"{"ts":1705937401,"msg":"s"}"#;
        assert_eq!(parse(line, &ParseCtx::default(), &mut p), LineKind::Record);
        assert_eq!(p.ts, 1_705_937_401_000);
        let deep = "[".repeat(100_000);
        let line = format!("{{\"a\":{deep}");
        assert_eq!(parse(line.as_bytes(), &ParseCtx::default(), &mut p), LineKind::Unparsed);
    }
}
