//! Two feature flags toggled minutes apart in the flag service's JSON log; only the second, just
//! before the failures, breaks checkout. The first is an unrelated change.

use super::common::{edge_traffic, request_id, ssh_scanner};
use crate::kit::{Fmt, Level, Rec, Scene, MINUTE, SECOND};

/// (flag, what checkout throws once it is on)
const BREAKING: [(&str, &str); 3] = [
    (
        "checkout.tax-engine-v2",
        "java.lang.IllegalStateException: no tax rate configured for region DE (tax engine v2)",
    ),
    (
        "checkout.split-shipments",
        "java.lang.NullPointerException: Cannot invoke \"com.example.shipping.Parcel.getWeight()\" because \"parcel\" is null",
    ),
    (
        "payments.3ds-v2-flow",
        "org.springframework.web.client.HttpClientErrorException$BadRequest: 400 Bad Request: \"{\"error\":\"unsupported_challenge_version\"}\"",
    ),
];
const HARMLESS: [&str; 4] =
    ["search.typo-tolerance", "ui.dark-mode-default", "catalog.lazy-images", "reviews.show-photos"];

pub fn build(s: &mut Scene) {
    let (bad_flag, exception) = *s.rng.pick(&BREAKING);
    let good_flag = *s.rng.pick(&HARMLESS);
    let checkout_hosts = {
        let n = s.rng.range(2, 4) as usize;
        s.hosts("checkout", n)
    };
    let flag_host = s.hosts("flags", 1).remove(0);
    let edge = s.hosts("edge", 1).remove(0);
    let flag_fmt = if s.rng.chance(0.5) { Fmt::Zap } else { Fmt::Pino };
    let checkout_fmt = if s.rng.chance(0.5) { Fmt::Logstash } else { Fmt::Docker(Box::new(Fmt::Logstash)) };
    let flags = s.file("flag-service.log", flag_fmt);
    let checkout = s.file("checkout.log", checkout_fmt);
    let access_log = s.file("access.log", Fmt::NginxAccess);
    let recs = s.file("recommendations.log", Fmt::Pino);
    let auth = s.file("auth.log", Fmt::SyslogBsd);

    let (start, trigger, end) = (s.start, s.trigger, s.end);
    let first_flag = trigger - s.between(2 * MINUTE, (trigger - start - 30 * SECOND).min(13 * MINUTE));
    let onset = trigger + s.between(2 * SECOND, 20 * SECOND);
    let fixed = trigger + s.between(3 * MINUTE, 6 * MINUTE);
    let share = 0.3 + 0.5 * s.rng.unit();
    let fpid = s.pid();
    let operators = ["mkowalski", "sokafor", "dgarcia"];
    let who = *s.rng.pick(&operators);

    // Flag service: SDK polls and periodic syncs, then the two toggles and the rollback.
    let fh = flag_host.clone();
    s.every(flags, start, end, 20.0, move |rng, t| {
        let sdk = rng.pick(&["checkout", "search", "web-frontend", "recommendations"]);
        Some(
            Rec::new(t, &fh, "flag-service", Level::Info, "client features fetched")
                .pid(fpid)
                .kv("sdk_app", sdk)
                .kv("etag", format!("\"{}\"", rng.hex_string(8)))
                .kv("duration_ms", rng.range(1, 9)),
        )
    });
    let toggle = |s: &mut Scene, t, flag: &str, on: bool| {
        let rec = Rec::new(t, &flag_host, "flag-service", Level::Info, "flag updated")
            .pid(fpid)
            .kv("flag", flag)
            .kv("enabled", on)
            .kv("environment", "production")
            .kv("user", who);
        s.once(flags, rec)
    };
    toggle(s, first_flag, good_flag, true);
    let cause = toggle(s, trigger, bad_flag, true);
    toggle(s, fixed, bad_flag, false);

    // Checkout: healthy requests, failing after the onset until the rollback.
    for host in checkout_hosts.clone() {
        s.every(checkout, start, end, 40.0, move |rng, t| {
            let failing = t >= onset && t < fixed && rng.chance(share);
            let order = format!("ord-{}", rng.hex_string(10));
            let rec = if failing {
                Rec::new(t, &host, "checkout", Level::Error, format!("Checkout failed for order {order}: {exception}"))
                    .kv("request_id", request_id(rng))
            } else {
                Rec::new(t, &host, "checkout", Level::Info, format!("Checkout completed for order {order}"))
                    .kv("request_id", request_id(rng))
                    .kv("duration_ms", rng.range(40, 400))
            };
            Some(rec)
        });
    }
    // The edge's view: checkout 500s while it fails.
    edge_traffic(s, access_log, &edge, 150.0, ("POST", "/api/checkout"), 0.3, move |rng, t| {
        if t >= onset && t < fixed && rng.chance(share) {
            500
        } else {
            200
        }
    });
    s.herring(access_log, "consequence", r#""POST /api/checkout HTTP/1.1" 500 "#);

    // Recommendations times out on a partner API all day long: loud, chronic, irrelevant.
    let rh = s.hosts("recs", 1).remove(0);
    let rpid = s.pid();
    s.every(recs, start, end, 12.0, move |rng, t| {
        let rec = if rng.chance(0.55) {
            Rec::new(t, &rh, "recommendations", Level::Error, "failed to fetch recommendations: ETIMEDOUT")
                .kv("upstream", "partner-recs.example.net:443")
                .kv("attempt", rng.range(1, 3))
        } else {
            Rec::new(t, &rh, "recommendations", Level::Info, "recommendations served").kv("items", rng.range(4, 24))
        };
        Some(rec.pid(rpid))
    });
    s.herring(recs, "chronic", "failed to fetch recommendations: ETIMEDOUT");
    let mut all = checkout_hosts.clone();
    all.push(edge.clone());
    ssh_scanner(s, auth, &all, 6.0);

    s.herring(flags, "unrelated-change", &format!(r#""flag":"{}""#, regex::escape(good_flag)));
    s.cause(cause, "deploy", &[&format!(r#""flag":"{}","enabled":true"#, regex::escape(bad_flag))]);
    s.incident(onset, fixed);
    s.description = format!(
        "The flag service (flag-service.log) toggled two flags in production: '{good_flag}' (harmless) and, minutes \
         later, '{bad_flag}'. Seconds after the second, checkout ({} hosts, checkout.log) started failing about {:.0}% \
         of orders ({}), the edge answered 500 for POST /api/checkout, until '{bad_flag}' was switched off again. \
         Red herrings: the first flag (unrelated change); recommendations timing out on a partner API all the time; \
         an ssh scanner; 404s from probes.",
        checkout_hosts.len(),
        share * 100.0,
        exception.split(':').next().unwrap_or(exception),
    );
}
