//! The upstream's TLS certificate expires: nobody changed anything, the proxy starts failing the
//! handshake ("certificate has expired") and answers 502. An unrelated deploy of another service
//! a few minutes before is a red herring.

use super::common::{edge_traffic, request_id, ssh_scanner, status_regex};
use crate::kit::{Fmt, Level, Rec, Scene, MINUTE, SECOND};

pub fn build(s: &mut Scene) {
    let edge = s.hosts("proxy", 1).remove(0);
    let upstreams = {
        let n = s.rng.range(1, 3) as usize;
        s.hosts("catalog", n)
    };
    let haproxy = s.rng.chance(0.4);
    let proxy_log =
        if haproxy { s.file("haproxy.log", Fmt::HaproxyHttp) } else { s.file("error.log", Fmt::NginxError) };
    let access_log = if haproxy { proxy_log } else { s.file("access.log", Fmt::NginxAccess) };
    let catalog_fmt = s.choose(&[Fmt::Logstash, Fmt::PythonLogging]);
    let catalog = s.file("catalog-api.log", catalog_fmt);
    let deploy = s.file("deploy.log", Fmt::Logfmt);
    let auth = s.file("auth.log", Fmt::SyslogBsd);

    let (start, trigger, end) = (s.start, s.trigger, s.end);
    let renewed = trigger + s.between(2 * MINUTE, 5 * MINUTE);
    let deployed = trigger - s.between(2 * MINUTE, 5 * MINUTE).min(trigger - start - 20 * SECOND);
    let ppid = s.pid();
    let port = s.rng.range(8443, 8449);

    // The unrelated deploy: ArgoCD syncs the search service.
    let rev = s.rng.hex_string(7);
    for (i, m) in [
        format!("Initiated automated sync to '{rev}'"),
        "Updated sync status: OutOfSync -> Synced".to_string(),
        format!("Sync operation to {rev} succeeded"),
    ]
    .into_iter()
    .enumerate()
    {
        s.once(
            deploy,
            Rec::new(deployed + i as i64 * 4 * SECOND, "", "argocd", Level::Info, m)
                .kv("application", "argocd/search-api")
                .kv("dest-namespace", "shop"),
        );
    }
    s.herring(deploy, "unrelated-change", "application=argocd/search-api");

    // The proxy's view: handshakes fail from the expiry until the certificate is renewed.
    let first = trigger + s.between(200, 3 * SECOND);
    let ups = upstreams.clone();
    let eh = edge.clone();
    let handshake = move |rng: &mut crate::rng::Rng, t| {
        let up = rng.pick(&ups).clone();
        if haproxy {
            Rec::new(t, &eh, "haproxy", Level::Warn, format!("Server be_catalog/{up} is DOWN, reason: Layer6 invalid response, info: \"SSL handshake failure (error:0A000086:SSL routines::certificate verify failed: certificate has expired)\", check duration: 4ms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.")).pid(1873).own(Fmt::SyslogBsd)
        } else {
            let conn = rng.range(10000, 99999);
            Rec::new(t, "", "nginx", Level::Error, format!("upstream SSL certificate verify error: (10:certificate has expired) while SSL handshaking to upstream, client: 81.{}.{}.{}, server: shop.example.com, request: \"GET /api/catalog/{} HTTP/1.1\", upstream: \"https://{up}:{port}/api/catalog\", host: \"shop.example.com\"", rng.range(1, 254), rng.range(1, 254), rng.range(1, 254), rng.range(100, 999))).pid(ppid).kv("conn", conn)
        }
    };
    let mut r0 = s.rng.fork(77);
    let cause = s.once(proxy_log, handshake(&mut r0, first));
    s.every(proxy_log, first + 1, renewed, if haproxy { 6.0 } else { 60.0 }, move |rng, t| Some(handshake(rng, t)));
    let failed = status_regex(s, access_log, "502");
    s.herring(access_log, "consequence", &failed);
    if haproxy {
        let h = edge.clone();
        s.once(proxy_log, Rec::new(renewed + 2 * SECOND, &h, "haproxy", Level::Notice, format!("Server be_catalog/{} is UP, reason: Layer6 check passed, check duration: 3ms. 1 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.", upstreams[0])).pid(1873).own(Fmt::SyslogBsd));
    } else {
        s.every(proxy_log, start, end, 3.0, move |rng, t| {
            Some(Rec::new(t, "", "nginx", Level::Error, "open() \"/usr/share/nginx/html/favicon.ico\" failed (2: No such file or directory), client: 81.2.69.160, server: shop.example.com, request: \"GET /favicon.ico HTTP/1.1\"").pid(ppid).kv("conn", rng.range(1000, 9999)))
        });
        s.herring(proxy_log, "chronic", r"open\(\) .* failed \(2: No such file or directory\)");
    }
    edge_traffic(s, access_log, &edge, 120.0, ("GET", "/api/catalog/items"), 0.4, move |_, t| {
        if t >= first && t < renewed {
            502
        } else {
            200
        }
    });

    // The catalog service: serves until its requests stop arriving; reloads its certificate at the fix.
    for h in upstreams.clone() {
        let pid = s.pid();
        s.every(catalog, start, end, 30.0, move |rng, t| {
            if t >= first && t < renewed {
                return None;
            }
            Some(
                Rec::new(
                    t,
                    &h,
                    "catalog-api",
                    Level::Info,
                    format!("GET /api/catalog/items 200 {}ms", rng.range(4, 80)),
                )
                .pid(pid)
                .kv("request_id", request_id(rng)),
            )
        });
        s.once(
            catalog,
            Rec::new(
                renewed,
                &upstreams[0],
                "catalog-api",
                Level::Info,
                "reloaded TLS certificate from /etc/ssl/catalog/tls.crt (notAfter=2027-03-01T00:00:00Z)",
            )
            .pid(pid),
        );
    }
    ssh_scanner(s, auth, &[edge], 5.0);

    s.cause(cause, "network", &[r"(?i)certificate (has )?expired"]);
    s.incident(first, renewed);
    s.description = format!(
        "The TLS certificate of the catalog upstream ({}) expired; nobody changed anything. The proxy ({}) failed \
         every handshake ('certificate has expired') and answered 502 for the catalog API until the certificate \
         was renewed and reloaded. Red herrings: an ArgoCD sync of search-api a few minutes before (unrelated \
         change); scanner 404s, a missing favicon and an ssh scanner (chronic).",
        upstreams.join(", "),
        if haproxy { "HAProxy, haproxy.log" } else { "nginx, error.log" }
    );
}
