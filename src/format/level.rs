//! Severity levels, normalised across formats.

use serde::Serialize;

/// Severity, ordered from least to most severe. `Unknown` sorts lowest.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[repr(u8)]
pub enum Level {
    #[default]
    Unknown = 0,
    Trace = 1,
    Debug = 2,
    Info = 3,
    Notice = 4,
    Warn = 5,
    Error = 6,
    Fatal = 7,
}

impl Level {
    pub const ALL: [Level; 8] = [
        Level::Unknown,
        Level::Trace,
        Level::Debug,
        Level::Info,
        Level::Notice,
        Level::Warn,
        Level::Error,
        Level::Fatal,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Level::Unknown => "-",
            Level::Trace => "trace",
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Notice => "notice",
            Level::Warn => "warn",
            Level::Error => "error",
            Level::Fatal => "fatal",
        }
    }

    pub fn from_u8(v: u8) -> Level {
        Level::ALL.get(v as usize).copied().unwrap_or(Level::Unknown)
    }

    pub fn is_problem(&self) -> bool {
        *self >= Level::Warn
    }

    /// Syslog severity number (0 emerg … 7 debug).
    pub fn from_syslog_severity(sev: u8) -> Level {
        match sev {
            0..=2 => Level::Fatal,
            3 => Level::Error,
            4 => Level::Warn,
            5 => Level::Notice,
            6 => Level::Info,
            _ => Level::Debug,
        }
    }
}

/// Recognises a level word in any common spelling and case:
/// `ERROR`, `err`, `E`, `WARNING`, `warn`, `FATAL`, `PANIC`, `crit`, `notice`, `LOG` (PostgreSQL), …
pub fn level_from_word(w: &[u8]) -> Option<Level> {
    if w.is_empty() || w.len() > 11 {
        return None;
    }
    let mut buf = [0u8; 11];
    for (i, c) in w.iter().enumerate() {
        buf[i] = c.to_ascii_lowercase();
    }
    let lw = &buf[..w.len()];
    Some(match lw {
        b"trace" | b"trc" | b"finest" | b"finer" | b"verbose" | b"v" => Level::Trace,
        b"debug" | b"dbg" | b"d" | b"debug1" | b"debug2" | b"debug3" | b"debug4" | b"debug5" | b"fine" => Level::Debug,
        b"info" | b"inf" | b"i" | b"information" | b"informational" | b"log" | b"config" => Level::Info,
        b"notice" | b"note" | b"n" => Level::Notice,
        b"warn" | b"warning" | b"wrn" | b"w" => Level::Warn,
        b"error" | b"err" | b"e" | b"severe" => Level::Error,
        b"fatal" | b"crit" | b"critical" | b"emerg" | b"emergency" | b"alert" | b"panic" | b"f" | b"c" => Level::Fatal,
        _ => return None,
    })
}

/// Level from tell-tale words when a line has no level field.
pub fn keyword_level(msg: &[u8]) -> Level {
    use std::sync::OnceLock;
    static AC: OnceLock<aho_corasick::AhoCorasick> = OnceLock::new();
    let ac = AC.get_or_init(|| {
        aho_corasick::AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .build([
                "panic",
                "fatal",
                "out of memory",
                "segfault",
                "error",
                "failed",
                "failure",
                "refused",
                "timed out",
                "timeout",
                "denied",
                "unable to",
                "cannot",
                "exception",
                "warning",
            ])
            .expect("static keyword automaton")
    });
    let mut best = Level::Unknown;
    for m in ac.find_iter(msg) {
        let l = match m.pattern().as_usize() {
            0..=3 => Level::Fatal,
            4..=13 => Level::Error,
            _ => Level::Warn,
        };
        best = best.max(l);
        if best == Level::Fatal {
            break;
        }
    }
    if best == Level::Unknown {
        Level::Info
    } else {
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words() {
        assert_eq!(level_from_word(b"ERROR"), Some(Level::Error));
        assert_eq!(level_from_word(b"Warning"), Some(Level::Warn));
        assert_eq!(level_from_word(b"PANIC"), Some(Level::Fatal));
        assert_eq!(level_from_word(b"LOG"), Some(Level::Info));
        assert_eq!(level_from_word(b"hello"), None);
        assert_eq!(level_from_word(b"averyveryverylongword"), None);
        assert!(Level::Error > Level::Warn && Level::Warn.is_problem() && !Level::Info.is_problem());
    }
}
