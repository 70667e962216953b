//! One application host's NIC flaps (the kernel logs "NIC Link is Down" / "NIC Link is Up" over
//! and over); the proxy's requests to that host time out or find no route while its link is down.
//! No change is the cause. Red herrings: chrony stepping the clock on every host minutes before,
//! and the kernel's chronic "martian source" warnings.

use super::common::{access, client};
use super::ops::{ansible, ansible_recap, ansible_task, banner};
use crate::kit::{Fmt, Level, Rec, Scene, MINUTE, SECOND};
use culprit::time::Millis;

/// (driver and PCI address, interface, link-up text): what e1000e, igb and ixgbe print.
const NICS: [(&str, &str, &str); 3] = [
    ("e1000e 0000:00:19.0", "eth0", "NIC Link is Up 1000 Mbps Full Duplex, Flow Control: Rx/Tx"),
    ("igb 0000:01:00.0", "eno1", "igb: eno1 NIC Link is Up 1000 Mbps Full Duplex, Flow Control: RX"),
    ("ixgbe 0000:03:00.0", "enp3s0f0", "NIC Link is Up 10 Gbps, Flow Control: RX/TX"),
];
const PATHS: [&str; 5] = ["/api/orders", "/api/cart", "/api/products", "/api/session", "/api/stock"];

pub fn build(s: &mut Scene) {
    let n = s.rng.range(3, 5) as usize;
    let apps = s.hosts("app", n);
    let lb = s.hosts("lb", 1).remove(0);
    let subnet = s.rng.range(1, 30);
    let ips: Vec<String> = (0..n).map(|i| format!("10.0.{subnet}.{}", 11 + i * 3)).collect();
    let bad = s.rng.below(n as u64) as usize;
    let (nic, ifname, up_text) = *s.rng.pick(&NICS);
    let kernel_fmt = match s.rng.below(3) {
        0 => Fmt::SyslogBsd,
        1 => Fmt::SyslogRfc3339,
        _ => Fmt::JournalShortIso,
    };
    // rsyslog's kern.log keeps the kernel's own uptime stamp; journalctl does not print it.
    let uptime_prefix = !matches!(kernel_fmt, Fmt::JournalShortIso);
    let kern = s.file(if uptime_prefix { "kern.log" } else { "journal.log" }, kernel_fmt);
    let access_log = s.file("access.log", Fmt::NginxAccess);
    let error_log = s.file("error.log", Fmt::NginxError);
    let (start, trigger, end) = (s.start, s.trigger, s.end);
    let boot: Vec<i64> = (0..n).map(|_| s.rng.range(200_000, 9_000_000)).collect();
    let klog = move |host: usize, t: Millis, msg: String| -> String {
        if uptime_prefix {
            let up = boot[host] * 1000 + (t - start);
            format!("[{:>5}.{:06}] {msg}", up / 1000, (up % 1000) * 1000 + 417)
        } else {
            msg
        }
    };

    // The flapping: down for seconds, up for tens of seconds, for several minutes.
    let mut downs: Vec<(Millis, Millis)> = Vec::new();
    let mut t = trigger;
    let flaps = s.rng.range(3, 7);
    for _ in 0..flaps {
        let down_for = s.between(4 * SECOND, 35 * SECOND);
        downs.push((t, t + down_for));
        t += down_for + s.between(15 * SECOND, 80 * SECOND);
    }
    let last_up = downs.last().map(|d| d.1).unwrap_or(trigger);
    if last_up + 2 * MINUTE > end {
        s.end = last_up + s.between(2 * MINUTE, 4 * MINUTE);
    }
    let end = s.end;
    let mut cause = None;
    for &(down, up) in &downs {
        let m = s.once(
            kern,
            Rec::new(
                down,
                &apps[bad],
                "kernel",
                Level::Info,
                klog(bad, down, format!("{nic} {ifname}: NIC Link is Down")),
            ),
        );
        cause.get_or_insert(m);
        let up_msg = format!("{nic} {ifname}: {up_text}");
        s.once(kern, Rec::new(up, &apps[bad], "kernel", Level::Info, klog(bad, up, up_msg)));
    }

    // A harmless release rolled out to every application host minutes before, flapping host included.
    let deployed = s.rng.chance(0.6);
    if deployed {
        let ansible_log = s.file("ansible.log", Fmt::Ansible);
        let at = trigger - s.between(2 * MINUTE, (trigger - start - 30 * SECOND).min(9 * MINUTE));
        let ppid = s.pid();
        let release = format!("2026.11.{}", s.rng.range(1, 29));
        ansible(s, ansible_log, at, ppid, banner("PLAY [app]"));
        ansible_task(s, ansible_log, at + SECOND, ppid, &format!("app : Deploy release {release}"), &apps);
        ansible(s, ansible_log, at + 4 * SECOND, ppid, banner("RUNNING HANDLER [app : Restart app]"));
        for (i, h) in apps.iter().enumerate() {
            ansible(s, ansible_log, at + 5 * SECOND + i as i64 * 900, ppid, format!("changed: [{h}]"));
        }
        ansible_recap(s, ansible_log, at + 6 * SECOND + n as i64 * 900, ppid, &apps, 3, 2);
        s.herring(ansible_log, "unrelated-change", r"PLAY (\[app\]|RECAP)|Deploy release|Restart app|changed: \[|ok=3");
    }

    // Chronic martian-source warnings from a misconfigured neighbour, on most hosts.
    let martian_hosts: Vec<usize> = (0..n).filter(|_| s.rng.chance(0.7)).collect();
    if !martian_hosts.is_empty() {
        let (ah, aips) = (apps.clone(), ips.clone());
        let klog2 = klog.clone();
        let per_min = s.rng.range(2, 8) as f64;
        s.every(kern, start, end, per_min, move |rng, t| {
            let h = *rng.pick(&martian_hosts);
            let from = format!("10.0.{subnet}.{}", rng.range(200, 250));
            let msg = if rng.chance(0.5) {
                format!("IPv4: martian source {} from {from}, on dev {ifname}", aips[h])
            } else {
                format!(
                    "ll header: 00000000: ff ff ff ff ff ff 52 54 00 {} {} {} 08 06",
                    rng.hex_string(2),
                    rng.hex_string(2),
                    rng.hex_string(2)
                )
            };
            Some(Rec::new(t, &ah[h], "kernel", Level::Warn, klog2(h, t, msg)))
        });
        s.herring(kern, "chronic", r"martian source|ll header: 00000000");
    }

    // chrony on every host: a new source selected and the clock stepped, minutes before.
    let chrony_step = s.rng.chance(0.8);
    if chrony_step {
        let at = trigger - s.between(MINUTE, (trigger - start - 30 * SECOND).min(6 * MINUTE));
        let server = *s.rng.pick(&["169.254.169.123", "10.0.0.2", "162.159.200.123"]);
        for h in apps.iter().chain(std::iter::once(&lb)) {
            let t0 = at + s.between(0, 40 * SECOND);
            let pid = s.pid();
            let off = s.rng.range(-900_000, 900_000) as f64 / 1e6;
            s.once(kern, Rec::new(t0, h, "chronyd", Level::Info, format!("Selected source {server}")).pid(pid));
            s.once(
                kern,
                Rec::new(t0 + 2 * SECOND, h, "chronyd", Level::Warn, format!("System clock wrong by {off:.6} seconds"))
                    .pid(pid),
            );
            s.once(
                kern,
                Rec::new(
                    t0 + 2 * SECOND,
                    h,
                    "chronyd",
                    Level::Warn,
                    format!("System clock was stepped by {off:.6} seconds"),
                )
                .pid(pid),
            );
        }
        s.herring(kern, "unrelated-change", r"chronyd\[\d+\]: (Selected source|System clock)");
    }

    // The proxy: requests spread over the upstreams; those to the bad host fail while its link is down.
    let down_at = {
        let d = downs.clone();
        move |t: Millis| d.iter().any(|&(a, b)| t >= a && t < b + 2 * SECOND)
    };
    let (lbh, aips, da) = (lb.clone(), ips.clone(), down_at.clone());
    let npid = s.pid();
    let rate = s.rng.range(80, 200) as f64;
    let unreach = s.rng.chance(0.5);
    s.every(access_log, start, end, rate, move |rng, t| {
        let u = rng.below(aips.len() as u64) as usize;
        let path = format!("{}/{}", rng.pick(&PATHS), rng.range(100, 9999));
        let method = if rng.chance(0.8) { "GET" } else { "POST" };
        if u == bad && da(t) {
            let status = if unreach { 502 } else { 504 };
            return Some(access(rng, t, &lbh, method, &path, status));
        }
        let status = if rng.chance(0.01) { 404 } else { 200 };
        Some(access(rng, t, &lbh, method, &path, status))
    });
    s.herring(access_log, "consequence", r#"HTTP/1\.1" 50[24] "#);
    // The error log tells which upstream: one line per failed request to the bad host.
    let (lbh, aips) = (lb.clone(), ips.clone());
    s.every(error_log, start, end, rate, move |rng, t| {
        if !down_at(t) || !rng.chance(1.0 / n as f64) {
            return None;
        }
        let path = format!("{}/{}", rng.pick(&PATHS), rng.range(100, 9999));
        let reason = if unreach {
            "connect() failed (113: No route to host) while connecting to upstream"
        } else {
            "upstream timed out (110: Connection timed out) while connecting to upstream"
        };
        let msg = format!(
            "{reason}, client: {}, server: shop.example.com, request: \"GET {path} HTTP/1.1\", upstream: \"http://{}:8080{path}\", host: \"shop.example.com\"",
            client(rng),
            aips[bad]
        );
        Some(Rec::new(t, &lbh, "nginx", Level::Error, msg).pid(npid).kv("conn", rng.range(10_000, 900_000)))
    });
    s.herring(error_log, "consequence", r"while connecting to upstream");

    let cause = cause.expect("at least one flap");
    s.cause(cause, "network", &[r"NIC Link is Down", r"NIC Link is Up"]);
    s.incident(downs[0].0, last_up);
    s.description = format!(
        "The NIC of {} ({}, {ifname}) flapped {flaps} times (kernel: 'NIC Link is Down' / 'Link is Up'); while it \
         was down the proxy on {lb} failed requests to its upstream {}:8080 ({}). No change caused it. Red herrings: \
         {}{}{}.",
        apps[bad],
        ips[bad],
        ips[bad],
        if unreach { "502, No route to host" } else { "504, upstream timed out" },
        if deployed { "a release deployed to every application host minutes before; " } else { "" },
        if chrony_step { "chrony stepping the clock on every host minutes before; " } else { "" },
        "kernel 'martian source' warnings all along (when present)",
    );
}
