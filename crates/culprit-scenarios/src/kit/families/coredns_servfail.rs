//! An edit of the CoreDNS ConfigMap points the stub zone of the company's internal domain at a
//! wrong forwarder; both CoreDNS replicas reload it ("[INFO] Reloading") and from then on every
//! lookup of an internal name answers SERVFAIL after an i/o timeout, so the applications cannot
//! resolve their database and partner hosts. A second edit puts it right. Red herrings: a chronic
//! NXDOMAIN stream for a misspelt service name, one application's own deploy minutes before, and
//! the applications' lookup errors that outnumber the reload lines.

use crate::kit::{Fmt, Level, Rec, Scene, MINUTE, SECOND};

const DOMAINS: [&str; 3] = ["corp.internal", "example.internal", "int.acme.net"];

pub fn build(s: &mut Scene) {
    let domain = *s.rng.pick(&DOMAINS);
    let names: Vec<String> = ["db", "ledger", "ldap", "vault"].iter().map(|n| format!("{n}.{domain}")).collect();
    let good_fwd = format!("10.{}.0.53", s.rng.range(16, 40));
    let bad_fwd = format!("10.{}.0.35", s.rng.range(41, 60));
    let cluster_dns = "10.96.0.10";
    let pods: Vec<String> =
        (0..2).map(|_| format!("coredns-{}-{}", s.rng.hex_string(10), s.rng.hex_string(5))).collect();
    let wrap = |s: &mut Scene, inner: Fmt| {
        if s.rng.chance(0.5) {
            Fmt::Cri(Box::new(inner))
        } else {
            Fmt::Docker(Box::new(inner))
        }
    };
    let dns_files: Vec<_> = pods
        .iter()
        .map(|p| {
            let f = wrap(s, Fmt::CoreDns);
            s.file(&format!("kube-system_{p}.log"), f)
        })
        .collect();
    let go_fmt = wrap(s, Fmt::Zap);
    let java_fmt = wrap(s, Fmt::Logstash);
    let go_app = s.file("ledger-sync.log", go_fmt);
    let java_app = s.file("orders.log", java_fmt);
    let (start, trigger, end) = (s.start, s.trigger, s.end);
    let pod_ips: Vec<String> = (0..2).map(|i| format!("10.244.{}.{}", i + 1, s.rng.range(2, 60))).collect();

    // The edit reaches the replicas' mounted Corefile at different times; each reloads on its own.
    let reloads: [i64; 2] = [trigger, trigger + s.between(3 * SECOND, 45 * SECOND)];
    let fixed = trigger + s.between(4 * MINUTE, 8 * MINUTE);
    let fix_reloads: [i64; 2] = [fixed, fixed + s.between(3 * SECOND, 45 * SECOND)];
    let mut cause = None;
    for i in 0..2 {
        for (at, _) in [(reloads[i], true), (fix_reloads[i], false)] {
            let m = s.once(dns_files[i], Rec::new(at, "", "coredns", Level::Info, "Reloading"));
            if at == trigger {
                cause = Some(m);
            }
            s.once(
                dns_files[i],
                Rec::new(at + 3, "", "coredns", Level::Info, "plugin/health: Going into lameduck mode for 5s"),
            );
            let sha = s.rng.hex_string(128);
            s.once(
                dns_files[i],
                Rec::new(
                    at + 40,
                    "",
                    "coredns",
                    Level::Info,
                    format!("plugin/reload: Running configuration SHA512 = {sha}"),
                ),
            );
            s.once(dns_files[i], Rec::new(at + 5 * SECOND + 20, "", "coredns", Level::Info, "Reloading complete"));
        }
    }
    let broken = move |i: usize, t: i64| t >= reloads[i] + 5 * SECOND && t < fix_reloads[i] + 5 * SECOND;
    let onset = reloads[0] + 5 * SECOND + s.between(SECOND, 25 * SECOND);
    let any_broken = move |t: i64| t >= onset && (broken(0, t) || broken(1, t));

    // The `log . { class denial error }` stream: a misspelt service name all along, and while the
    // stub zone is broken, SERVFAIL answers with the errors plugin's cause beside them.
    let typo = *s.rng.pick(&["paymnets", "invetory", "notifcations"]);
    for i in 0..2 {
        let (pod_ip, nm, bad) = (pod_ips[i].clone(), names.clone(), bad_fwd.clone());
        let per_min = s.rng.range(8, 30) as f64 / 2.0;
        s.every(dns_files[i], start, end, per_min, move |rng, t| {
            let client = format!("10.244.{}.{}:{}", rng.range(1, 6), rng.range(2, 250), rng.range(32768, 60999));
            let id = rng.range(1, 65535);
            if broken(i, t) && t >= onset && rng.chance(0.6) {
                let name = rng.pick(&nm).clone();
                if rng.chance(0.5) {
                    let size = name.len() + 18;
                    let took = format!("2.00{}s", rng.range(1000, 9999));
                    let line = query_line(&client, id, &format!("{name}."), size, "SERVFAIL qr,rd", size, &took);
                    return Some(Rec::new(t, "", "coredns", Level::Info, line));
                }
                return Some(Rec::new(
                    t,
                    "",
                    "coredns",
                    Level::Error,
                    format!(
                        "plugin/errors: 2 {name}. A: read udp {pod_ip}:{}->{bad}:53: i/o timeout",
                        rng.range(32768, 60999)
                    ),
                ));
            }
            let ns = *rng.pick(&["default", "shop", "default"]);
            let q = format!("{typo}.{ns}.svc.cluster.local.");
            let took = format!("0.000{}s", rng.range(100, 999));
            let line = query_line(&client, id, &q, q.len() + 12, "NXDOMAIN qr,aa,rd", q.len() + 105, &took);
            Some(Rec::new(t, "", "coredns", Level::Info, line))
        });
    }
    s.herring(dns_files[0], "chronic", &format!(r#"{typo}\.\S+ udp \d+ false 512\\?" NXDOMAIN"#));
    s.herring(dns_files[1], "chronic", &format!(r#"{typo}\.\S+ udp \d+ false 512\\?" NXDOMAIN"#));

    // A Go worker that syncs the ledger: its dials fail with Go's resolver error.
    let (ledger, db) = (names[1].clone(), names[0].clone());
    s.every(go_app, start, end, 12.0, move |rng, t| {
        if any_broken(t) && rng.chance(0.8) {
            let (host, port) = if rng.chance(0.5) { (&ledger, 443) } else { (&db, 5432) };
            return Some(
                Rec::new(t, "", "ledger-sync", Level::Error, "sync batch failed")
                    .kv("error", format!("dial tcp: lookup {host} on {cluster_dns}:53: server misbehaving"))
                    .kv("port", port),
            );
        }
        Some(
            Rec::new(t, "", "ledger-sync", Level::Info, "sync batch done")
                .kv("rows", rng.range(10, 900))
                .kv("took", format!("{}ms", rng.range(30, 800))),
        )
    });
    s.herring(go_app, "consequence", "server misbehaving");

    // The Java orders service: redeployed minutes before (harmless), then cannot reach its database.
    let redeployed = s.rng.chance(0.7);
    if redeployed {
        let at = trigger - s.between(MINUTE, (trigger - start - 30 * SECOND).min(7 * MINUTE));
        s.once(java_app, Rec::new(at, "orders-7d9f8c6b5-x2k4q", "orders", Level::Info, "Starting OrdersApplication v2.14.3 using Java 21.0.5 with PID 1 (/app/orders.jar started by app in /app)"));
        let (secs, ms, run, frac) = (7 + s.rng.below(3), s.rng.below(1000), 10 + s.rng.below(3), s.rng.below(100));
        let started =
            format!("Started OrdersApplication in {secs}.{ms:03} seconds (process running for {run}.{frac:02})");
        s.once(java_app, Rec::new(at + 8 * SECOND, "orders-7d9f8c6b5-x2k4q", "orders", Level::Info, started));
        s.herring(java_app, "unrelated-change", r"Start(ing|ed) OrdersApplication");
    }
    let db = names[0].clone();
    s.every(java_app, start, end, 30.0, move |rng, t| {
        if any_broken(t) && rng.chance(0.5) {
            return Some(Rec::new(
                t,
                "orders-7d9f8c6b5-x2k4q",
                "orders",
                Level::Error,
                format!(
                "Order processing failed: java.net.UnknownHostException: {db}: Temporary failure in name resolution"
            ),
            ));
        }
        Some(Rec::new(
            t,
            "orders-7d9f8c6b5-x2k4q",
            "orders",
            Level::Info,
            format!("Order ord-{} accepted", rng.hex_string(10)),
        ))
    });
    s.herring(java_app, "consequence", "UnknownHostException");

    let cause = cause.expect("the first reload is the trigger");
    // The reload's lines all name it ("Reloading complete" is the moment the new Corefile serves).
    // The fix's reload prints the same text; only its time tells it apart.
    let accept = [r#"\[INFO\] Reloading(\\n|"|$| complete)"#, r"plugin/reload: Running configuration"];
    s.cause(cause, "network", &accept);
    s.incident(onset, fix_reloads[1] + 5 * SECOND);
    s.description = format!(
        "The CoreDNS ConfigMap's stub zone for {domain} was pointed at {bad_fwd} instead of {good_fwd}; both replicas \
         reloaded it ('[INFO] Reloading'), lookups of internal names then got SERVFAIL (i/o timeout to the wrong \
         forwarder) and ledger-sync and orders failed to resolve {domain} hosts until a second edit put it right. \
         Red herrings: a steady NXDOMAIN stream for '{typo}'; {}the applications' lookup errors.",
        if redeployed { "the orders service's own restart minutes before; " } else { "" },
    );
}

/// One line of CoreDNS's `log` plugin in its default format (`{remote}:{port} - {>id} "{type}
/// {class} {name} {proto} {size} {>do} {>bufsize}" {rcode} {>rflags} {rsize} {duration}`).
fn query_line(client: &str, id: i64, qname: &str, size: usize, rcode_flags: &str, rsize: usize, took: &str) -> String {
    format!("{client} - {id} \"A IN {qname} udp {size} false 512\" {rcode_flags} {rsize} {took}")
}
