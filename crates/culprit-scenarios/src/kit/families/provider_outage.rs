//! An external payment provider fails (503s and timeouts naming its host); an unrelated config
//! change about ten minutes before is not the cause: nothing the team changed is.

use super::common::{edge_traffic, request_id, ssh_scanner};
use crate::kit::{Fmt, Level, Rec, Scene, MINUTE};

const PROVIDERS: [&str; 3] = ["api.paygate-eu.net", "secure.cardvault.io", "api.acquirer-one.com"];

pub fn build(s: &mut Scene) {
    let provider = *s.rng.pick(&PROVIDERS);
    let pays = {
        let n = s.rng.range(2, 3) as usize;
        s.hosts("payments", n)
    };
    let web = s.hosts("web", 1).remove(0);
    let go = s.rng.chance(0.5);
    let payments = s.file("payments.log", if go { Fmt::Zap } else { Fmt::Cri(Box::new(Fmt::Zap)) });
    let chef = s.file("chef-client.log", Fmt::Chef);
    let nginx_err = s.file("error.log", Fmt::NginxError);
    let access_log = s.file("access.log", Fmt::NginxAccess);
    let auth = s.file("auth.log", Fmt::SyslogBsd);

    let (start, trigger, end) = (s.start, s.trigger, s.end);
    let change = trigger - s.between(8 * MINUTE, 12 * MINUTE);
    let recovered = trigger + s.between(4 * MINUTE, 8 * MINUTE);
    let share = 0.5 + 0.45 * s.rng.unit();
    let npid = s.pid();

    // The unrelated change: a Chef run rewriting the nginx gzip settings and reloading nginx.
    let msgs = [
        "Starting Chef Infra Client, version 18.5.0".to_string(),
        "Run List is [role[web]]".to_string(),
        "Processing template[/etc/nginx/conf.d/gzip.conf] action create (nginx::default line 42)".to_string(),
        "template[/etc/nginx/conf.d/gzip.conf] backed up to /var/chef/backup/etc/nginx/conf.d/gzip.conf.chef-20261102"
            .to_string(),
        "template[/etc/nginx/conf.d/gzip.conf] updated file contents /etc/nginx/conf.d/gzip.conf".to_string(),
        "template[/etc/nginx/conf.d/gzip.conf] sending reload action to service[nginx] (delayed)".to_string(),
        "service[nginx] reloaded".to_string(),
        "Chef Infra Client Run complete in 6.214 seconds".to_string(),
    ];
    for (i, m) in msgs.into_iter().enumerate() {
        s.once(chef, Rec::new(change + i as i64 * 700, &web, "chef", Level::Info, m));
    }
    s.once(nginx_err, Rec::new(change + 4900, &web, "nginx", Level::Notice, "signal process started").pid(npid + 7));
    s.once(
        nginx_err,
        Rec::new(
            change + 4950,
            &web,
            "nginx",
            Level::Notice,
            format!("signal 1 (SIGHUP) received from {}, reconfiguring", npid + 7),
        )
        .pid(npid),
    );
    s.herring(chef, "unrelated-change", r"template\[/etc/nginx/conf\.d/gzip\.conf\]");
    s.herring(nginx_err, "unrelated-change", r"signal process started|reconfiguring");

    // The payments service: charges succeed, then the provider answers 503 or not at all.
    let pids: Vec<u32> = pays.iter().map(|_| s.pid()).collect();
    // The first failure is the trigger line.
    let t = trigger + s.between(0, 800);
    let msg = format!("charge failed: provider returned 503 Service Unavailable (POST https://{provider}/v1/charges)");
    let first_error = s.once(
        payments,
        Rec::new(t, &pays[0], "payments", Level::Error, msg).pid(pids[0]).kv("provider", provider).kv("attempt", 1),
    );
    for (host, pid) in pays.clone().into_iter().zip(pids) {
        s.every(payments, start, end, 25.0, move |rng, t| {
            let failing = t > trigger + 900 && t < recovered && rng.chance(share);
            let rec = if failing {
                let msg = if rng.chance(0.5) {
                    format!("charge failed: provider returned 503 Service Unavailable (POST https://{provider}/v1/charges)")
                } else {
                    format!("charge failed: Post \"https://{provider}/v1/charges\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)")
                };
                Rec::new(t, &host, "payments", Level::Error, msg).kv("provider", provider).kv("attempt", rng.range(1, 3))
            } else {
                Rec::new(t, &host, "payments", Level::Info, "charge captured").kv("provider", provider).kv("amount_cents", rng.range(500, 40000))
            };
            Some(rec.pid(pid).kv("request_id", request_id(rng)))
        });
    }
    edge_traffic(s, access_log, &web, 140.0, ("POST", "/api/payments"), 0.25, move |rng, t| {
        if t > trigger + 900 && t < recovered && rng.chance(share) {
            502
        } else {
            200
        }
    });
    s.herring(access_log, "consequence", r#""POST /api/payments HTTP/1.1" 502 "#);
    // nginx: a missing favicon all day (chronic).
    s.every(nginx_err, start, end, 3.0, move |rng, t| {
        let conn = rng.range(1000, 90000);
        Some(Rec::new(t, "", "nginx", Level::Error, "open() \"/usr/share/nginx/html/favicon.ico\" failed (2: No such file or directory), client: 81.2.69.160, server: shop.example.com, request: \"GET /favicon.ico HTTP/1.1\"").pid(npid).kv("conn", conn))
    });
    s.herring(nginx_err, "chronic", r"open\(\) .* failed \(2: No such file or directory\)");
    ssh_scanner(s, auth, std::slice::from_ref(&web), 5.0);

    let host_re = regex::escape(provider);
    s.cause(
        first_error,
        "network",
        &[&format!("{host_re}.*(503|deadline exceeded|timed? ?out)|(503|deadline exceeded).*{host_re}")],
    );
    s.incident(trigger, recovered);
    s.description = format!(
        "The payment provider {provider} failed for a few minutes: payments.log on {} logged 503s and client \
         timeouts naming it, and the shop answered 502 for POST /api/payments until the provider recovered. \
         Nothing the team changed caused it. Red herrings: a Chef run rewriting nginx's gzip settings and reloading \
         nginx about 10 minutes before (unrelated change); a missing favicon; an ssh scanner; probe 404s.",
        pays.join(", ")
    );
}
