//! Redaction: masks secrets in every string of a [`Findings`] before any view
//! formats it, so a report can be pasted into a ticket or a postmortem.
//!
//! Masked: bearer/basic credentials, JWTs, values of key-ish fields
//! (`password=`, `token: `, `"api_key":"…"`, `secret=`…), credentials in URLs,
//! AWS access key ids, long hex/base64 values after key-ish words, and email
//! addresses; with [`RedactOptions::ips`] also IPv4 and IPv6 addresses.
//! Redaction is deliberately greedy: a false positive costs a masked word,
//! a false negative leaks a credential.

use crate::findings::Findings;
use regex::{Captures, Regex};
use std::borrow::Cow;
use std::sync::LazyLock;

pub const MASK: &str = "[REDACTED]";

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RedactOptions {
    /// Also mask IPv4 and IPv6 addresses.
    pub ips: bool,
}

/// Key names whose value is a secret: `password`, `db_passwd`, `client_secret`, `refresh_token`, `apikey`, `api-key`…
const KEYISH: &str = r"[A-Za-z0-9_.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|apikey|credential|private[_-]?key|access[_-]?key|auth[_-]?key)[A-Za-z0-9_.-]*";

static JWT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*|\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}",
    )
});
/// `Authorization: Basic dXNlcjpw…`, `Bearer abc…` (a bare "basic" or "token" is an ordinary word).
static AUTH_SCHEME: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b((?:proxy-)?authorization\s*[:=]\s*(?:basic|bearer|digest|negotiate|token)?|bearer)(\s+)([A-Za-z0-9._~+/=-]{6,})",
    )
});
/// `"password": "…"`, also inside escaped JSON (`\"password\":\"…\"`).
static JSON_KV: LazyLock<Regex> =
    LazyLock::new(|| re(&format!(r#"(?i)(\\?"{KEYISH}\\?"\s*:\s*)(?:"(?:[^"\\]|\\.)*"|(\\")(?:[^"\\]|\\[^"])*\\")"#)));
/// `password=…`, `token: …`, `secret='…'` (quoted or up to a separator).
static KV: LazyLock<Regex> =
    LazyLock::new(|| re(&format!(r#"(?i)\b({KEYISH})(\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s&,;"'<>()\[\]{{}}]+)"#)));
static URL_USERINFO: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s:@]+:[^/\s@]+@"));
static AWS_KEY: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ABIA|ACCA)[A-Z0-9]{16}\b"));
/// A long hex/base64 run after a key-ish word with any separator: `api key 9f86d081884c7d659a2feaa0c55ad015`.
static KEYISH_LONG: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b((?:[a-z0-9_-]*(?:key|token|secret|auth|credential|signature|session|cookie|bearer)[a-z0-9_-]*))(\W{1,3})([A-Za-z0-9+/_-]{20,}={0,2})",
    )
});
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"[A-Za-z0-9._%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}",
    )
});
static IPV6: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)(?:[0-9a-f]{0,4}:){2,7}(?:\d{1,3}\.){3}\d{1,3}|[0-9a-f:]*:[0-9a-f:]*:[0-9a-f:]*(?:%[a-z0-9]+)?")
});
static IPV4: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}\b"));

fn re(p: &str) -> Regex {
    // The patterns are constants; a failure here is a programming error caught by the unit tests.
    Regex::new(p).expect("valid redaction pattern")
}

/// Masks secrets in one string. Returns it borrowed when nothing matched.
pub fn redact_str<'a>(s: &'a str, opts: &RedactOptions) -> Cow<'a, str> {
    let mut out = Cow::Borrowed(s);
    let apply = |out: &mut Cow<'a, str>, r: &Regex, rep: &dyn Fn(&Captures) -> String| {
        if r.is_match(out) {
            *out = Cow::Owned(r.replace_all(out, |c: &Captures| rep(c)).into_owned());
        }
    };
    apply(&mut out, &URL_USERINFO, &|c| format!("{}{MASK}@", &c[1]));
    apply(&mut out, &JWT, &|_| MASK.to_string());
    apply(&mut out, &JSON_KV, &|c| {
        // Plain JSON `"…"` (may hold `\"`), or JSON escaped inside a string `\"…\"`.
        let q = if c.get(2).is_some() { "\\\"" } else { "\"" };
        format!("{}{q}{MASK}{q}", &c[1])
    });
    apply(&mut out, &KV, &|c| {
        let v = &c[3];
        let q = if v.starts_with('"') {
            "\""
        } else if v.starts_with('\'') {
            "'"
        } else {
            ""
        };
        format!("{}{}{q}{MASK}{q}", &c[1], &c[2])
    });
    apply(&mut out, &AUTH_SCHEME, &|c| {
        // `Authorization: Bearer [REDACTED]` must not also lose the scheme name.
        if ["basic", "bearer", "digest", "negotiate", "token"].iter().any(|w| c[3].eq_ignore_ascii_case(w)) {
            return c[0].to_string();
        }
        format!("{}{}{MASK}", &c[1], &c[2])
    });
    apply(&mut out, &AWS_KEY, &|_| MASK.to_string());
    apply(&mut out, &KEYISH_LONG, &|c| {
        // Only values that look like keys: at least one digit, or long enough to be base64 of random bytes.
        let v = &c[3];
        if v.bytes().any(|b| b.is_ascii_digit()) || v.len() >= 32 {
            format!("{}{}{MASK}", &c[1], &c[2])
        } else {
            c[0].to_string()
        }
    });
    apply(&mut out, &EMAIL, &|_| "[EMAIL]".to_string());
    if opts.ips {
        if IPV6.is_match(&out) {
            let replaced = mask_ipv6(&out);
            out = Cow::Owned(replaced);
        }
        apply(&mut out, &IPV4, &|_| "[IP]".to_string());
    }
    out
}

/// IPv6 candidates that parse as addresses and stand alone: `std::io` or `d::` inside a word are not addresses.
fn mask_ipv6(s: &str) -> String {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || matches!(c, '_' | ':' | '.'));
    IPV6.replace_all(s, |c: &Captures| {
        let m = c.get(0).map_or("", |m| m.as_str());
        let (start, end) = c.get(0).map_or((0, 0), |m| (m.start(), m.end()));
        let addr = m.split('%').next().unwrap_or(m);
        let alone = !word(s[..start].chars().next_back()) && !word(s[end..].chars().next());
        if alone && addr.bytes().any(|b| b.is_ascii_hexdigit()) && addr.parse::<std::net::Ipv6Addr>().is_ok() {
            "[IP]".to_string()
        } else {
            m.to_string()
        }
    })
    .into_owned()
}

fn fix(s: &mut String, opts: &RedactOptions) {
    if let Cow::Owned(r) = redact_str(s, opts) {
        *s = r;
    }
}

/// Masks secrets in every string of `f` that a view could print.
pub fn redact_findings(f: &mut Findings, opts: &RedactOptions) {
    let o = opts;
    fix(&mut f.summary, o);
    f.notices.iter_mut().for_each(|n| fix(n, o));
    for i in &mut f.inputs {
        fix(&mut i.path, o);
        fix(&mut i.format, o);
    }
    if let Some(inc) = &mut f.incident {
        fix(&mut inc.impact.description, o);
        inc.impact.hosts.iter_mut().for_each(|h| fix(h, o));
        inc.impact.services.iter_mut().for_each(|s| fix(s, o));
    }
    for c in &mut f.causes {
        fix(&mut c.subsystem, o);
        fix(&mut c.service, o);
        fix(&mut c.title, o);
        fix(&mut c.signal.id, o);
        c.hosts.iter_mut().for_each(|h| fix(h, o));
        c.reasons.iter_mut().for_each(|r| fix(r, o));
        c.related.iter_mut().for_each(|r| fix(&mut r.id, o));
        for e in &mut c.evidence {
            fix(&mut e.path, o);
            fix(&mut e.text, o);
        }
    }
    for t in &mut f.timeline {
        fix(&mut t.path, o);
        fix(&mut t.summary, o);
    }
    for s in &mut f.charts {
        fix(&mut s.label, o);
    }
    for p in &mut f.patterns {
        fix(&mut p.id, o);
        fix(&mut p.text, o);
        p.services.iter_mut().for_each(|s| fix(s, o));
        for e in &mut p.examples {
            fix(&mut e.path, o);
            fix(&mut e.text, o);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str) -> String {
        redact_str(s, &RedactOptions::default()).into_owned()
    }
    fn rip(s: &str) -> String {
        redact_str(s, &RedactOptions { ips: true }).into_owned()
    }

    #[test]
    fn masks_key_value_secrets_and_keeps_the_key() {
        assert_eq!(r("login user=bob password=hunter2 ok"), "login user=bob password=[REDACTED] ok");
        assert_eq!(r("db_passwd: s3cr3t!"), "db_passwd: [REDACTED]");
        assert_eq!(r("client_secret='abc def'"), "client_secret='[REDACTED]'");
        assert_eq!(r("GET /cb?code=1&access_token=xyz123&x=1"), "GET /cb?code=1&access_token=[REDACTED]&x=1");
        assert_eq!(r("apikey=AbC123 api_key=q api-key=z"), "apikey=[REDACTED] api_key=[REDACTED] api-key=[REDACTED]");
        assert_eq!(r("secret=shh token=t0k"), "secret=[REDACTED] token=[REDACTED]");
    }

    #[test]
    fn masks_json_fields_also_when_escaped() {
        assert_eq!(
            r(r#"{"user":"bob","password":"p@ss \"w\"","ok":1}"#),
            r#"{"user":"bob","password":"[REDACTED]","ok":1}"#
        );
        assert_eq!(r(r#"body={\"apiKey\":\"k-123\"}"#), r#"body={\"apiKey\":\"[REDACTED]\"}"#);
        assert_eq!(r(r#""refresh_token" : "abc""#), r#""refresh_token" : "[REDACTED]""#);
    }

    #[test]
    fn masks_tokens_keys_and_emails() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
        let out = r(&format!("Authorization: Bearer {jwt}"));
        assert!(!out.contains("eyJ") && out.contains("Bearer [REDACTED]"), "{out}");
        assert!(!r(&format!("id_token {jwt} rejected")).contains("dozjg"));
        assert_eq!(r("Authorization: Basic dXNlcjpwYXNzd29yZA=="), "Authorization: Basic [REDACTED]");
        assert_eq!(r("key id AKIAIOSFODNN7EXAMPLE used"), "key id [REDACTED] used");
        assert_eq!(r("stripe key sk_live_4eC39HqLyjWDarjtT1zdp7dc"), "stripe key [REDACTED]");
        assert_eq!(r("X-Session: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b"), "X-Session: [REDACTED]");
        assert_eq!(r("mail to alice.smith+oncall@example.co.uk failed"), "mail to [EMAIL] failed");
        assert_eq!(r("fetch https://admin:pa55@db.internal/x"), "fetch https://[REDACTED]@db.internal/x");
        assert_eq!(
            r("aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY PGPASSWORD=pg"),
            "aws_secret_access_key=[REDACTED] PGPASSWORD=[REDACTED]"
        );
        assert_eq!(r("Cookie: session=0a1b2c3d4e5f6a7b8c9d0e1f2a3b"), "Cookie: session=[REDACTED]");
        assert_eq!(r("X-Api-Key: 3f2a9c1d7e8b4a6f0c5d2e9a"), "X-Api-Key: [REDACTED]");
    }

    #[test]
    fn leaves_ordinary_text_alone() {
        for s in [
            "connection refused to db-1:5432 after 3 retries",
            "token expired for session",
            "POST /login HTTP/1.1 401 0.012",
            "2024-01-22T15:30:01.123Z config set auth.oidc.issuer",
            "key rotation scheduled",
        ] {
            assert_eq!(r(s), s);
            assert!(matches!(redact_str(s, &RedactOptions::default()), Cow::Borrowed(_)));
        }
        assert_eq!(r("from 10.0.0.7 port 22"), "from 10.0.0.7 port 22");
    }

    #[test]
    fn masks_ips_when_asked() {
        assert_eq!(rip("from 10.0.0.7 port 22"), "from [IP] port 22");
        assert_eq!(rip("peer 2001:db8::1 and fe80::1%eth0 and ::ffff:192.0.2.1"), "peer [IP] and [IP] and [IP]");
        // Clock times and MAC addresses are not addresses.
        assert_eq!(rip("at 15:30:01 mac 00:1a:2b:3c:4d:5e"), "at 15:30:01 mac 00:1a:2b:3c:4d:5e");
        assert_eq!(rip("256.1.1.1"), "256.1.1.1");
        assert_eq!(rip("panic in std::io::stdout at main::run"), "panic in std::io::stdout at main::run");
        assert_eq!(rip("listen [::1]:8080 and ::"), "listen [[IP]]:8080 and ::");
    }
}
