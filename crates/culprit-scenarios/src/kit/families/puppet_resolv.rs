//! Puppet rewrites /etc/resolv.conf on three of N hosts; name resolution then fails on exactly
//! those hosts. A chrony restart on a healthy host a little before is unrelated. Everything is
//! one `journalctl -o short-iso` export of the fleet.

use crate::kit::{Fmt, Level, Rec, Scene, MINUTE, SECOND};

pub fn build(s: &mut Scene) {
    let n = s.rng.range(5, 8) as usize;
    let hosts = s.hosts("api", n);
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        order.swap(i, s.rng.below(i as u64 + 1) as usize);
    }
    let broken: Vec<String> = order[..3].iter().map(|&i| hosts[i].clone()).collect();
    let healthy: Vec<String> = order[3..].iter().map(|&i| hosts[i].clone()).collect();
    let journal_fmt = s.choose(&[Fmt::JournalShortIso, Fmt::JournalShortIso, Fmt::JournalJson]);
    let journal = s.file("journal.log", journal_fmt);
    let (start, trigger, end) = (s.start, s.trigger, s.end);
    let fixed = trigger + s.between(5 * MINUTE, 8 * MINUTE);
    let dep = *s.rng.pick(&["orders-db.internal", "redis.internal", "inventory.svc.internal"]);
    let resolver = format!("10.0.0.{}", s.rng.range(2, 3));
    let old_md5 = s.rng.hex_string(32);
    let new_md5 = s.rng.hex_string(32);

    // Each host's own puppet run, with its own time; the broken hosts change resolv.conf.
    let mut marks = Vec::new();
    let mut onsets = Vec::new();
    for (i, h) in broken.iter().enumerate() {
        let t = trigger + i as i64 * s.between(5 * SECOND, 40 * SECOND);
        let pid = s.pid();
        s.once(
            journal,
            Rec::new(t - 2400, h, "puppet-agent", Level::Notice, "Applying configuration version '1733583201'")
                .pid(pid),
        );
        let m = s.once(journal, Rec::new(t, h, "puppet-agent", Level::Notice, format!("(/Stage[main]/Profile::Resolver/File[/etc/resolv.conf]/content) content changed '{{md5}}{old_md5}' to '{{md5}}{new_md5}'")).pid(pid));
        let done = applied(&mut s.rng);
        s.once(journal, Rec::new(t + 1800, h, "puppet-agent", Level::Notice, done).pid(pid));
        marks.push(m);
        onsets.push((h.clone(), t + s.between(SECOND, 6 * SECOND)));
        let fix = fixed + i as i64 * 20 * SECOND;
        s.once(journal, Rec::new(fix, h, "puppet-agent", Level::Notice, format!("(/Stage[main]/Profile::Resolver/File[/etc/resolv.conf]/content) content changed '{{md5}}{new_md5}' to '{{md5}}{old_md5}'")).pid(pid + 1));
    }
    // The healthy hosts' runs: nothing to change.
    for h in &healthy {
        let t = trigger + s.between(-4 * MINUTE, 4 * MINUTE);
        let pid = s.pid();
        s.once(
            journal,
            Rec::new(t, h, "puppet-agent", Level::Notice, "Applying configuration version '1733583201'").pid(pid),
        );
        let done = applied(&mut s.rng);
        s.once(journal, Rec::new(t + 2100, h, "puppet-agent", Level::Notice, done).pid(pid));
    }
    // The herring: chrony restarted on a healthy host shortly before.
    let ch = healthy[0].clone();
    let tc = trigger - s.between(40 * SECOND, 4 * MINUTE);
    s.once(
        journal,
        Rec::new(tc, &ch, "systemd", Level::Info, "Stopping chrony.service - chrony, an NTP client/server...").pid(1),
    );
    s.once(
        journal,
        Rec::new(tc + 300, &ch, "systemd", Level::Info, "chrony.service: Deactivated successfully.").pid(1),
    );
    s.once(
        journal,
        Rec::new(tc + 400, &ch, "systemd", Level::Info, "Starting chrony.service - chrony, an NTP client/server...")
            .pid(1),
    );
    s.once(journal, Rec::new(tc + 500, &ch, "chronyd", Level::Info, "chronyd version 4.3 starting (+CMDMON +NTP +REFCLOCK +RTC +PRIVDROP +SCFILTER +SIGND +ASYNCDNS +NTS +SECHASH +IPV6 -DEBUG)").pid(31877));
    s.once(
        journal,
        Rec::new(tc + 900, &ch, "systemd", Level::Info, "Started chrony.service - chrony, an NTP client/server.")
            .pid(1),
    );
    s.herring(journal, "unrelated-change", r"chrony\.service|chronyd version");

    // The service on every host: requests that resolve the dependency; failures on the broken hosts.
    for h in hosts.clone() {
        let onset = onsets.iter().find(|(b, _)| *b == h).map(|(_, t)| *t);
        let pid = s.pid();
        let resolver = resolver.clone();
        s.every(journal, start, end, 8.0, move |rng, t| {
            let failing = onset.is_some_and(|o| t >= o && t < fixed + 40 * SECOND);
            let rec = if failing {
                Rec::new(t, &h, "inventory-api", Level::Error, format!("level=error msg=\"upstream request failed\" err=\"dial tcp: lookup {dep} on {resolver}:53: no such host\""))
            } else {
                Rec::new(t, &h, "inventory-api", Level::Info, format!("level=info msg=\"request served\" path=/v1/stock/{} status=200 duration={}ms", rng.range(100, 999), rng.range(3, 60)))
            };
            Some(rec.pid(pid))
        });
    }
    s.herring(journal, "consequence", "no such host");
    // Chronic: a disk with pending sectors on one host, and a cron job that always fails.
    let sick = hosts[s.rng.below(n as u64) as usize].clone();
    s.every(journal, start, end, 0.5, move |_, t| {
        Some(
            Rec::new(
                t,
                &sick,
                "smartd",
                Level::Warn,
                "Device: /dev/sda [SAT], 8 Currently unreadable (pending) sectors",
            )
            .pid(788),
        )
    });
    s.herring(journal, "chronic", "Currently unreadable \\(pending\\) sectors");
    let cronh = hosts.clone();
    s.every(journal, start, end, 1.0, move |rng, t| {
        let h = rng.pick(&cronh).clone();
        Some(
            Rec::new(t, &h, "CRON", Level::Error, "(root) MAIL (mailed 1 byte of output; but got status 0x004b, #012)")
                .pid(rng.range(10000, 60000) as u32),
        )
    });
    s.herring(journal, "chronic", r"\(root\) MAIL \(mailed 1 byte of output");

    s.cause(marks[0], "dns", &[r"File\[/etc/resolv\.conf\]/content\) content changed"]);
    s.incident(onsets.iter().map(|(_, t)| *t).min().unwrap_or(trigger), fixed + 40 * SECOND);
    s.description = format!(
        "Puppet rewrote /etc/resolv.conf on {} of {n} hosts ({}); on exactly those hosts inventory-api then failed \
         to resolve {dep} ('no such host') until the next Puppet run restored the file. One journalctl export \
         of the fleet. Red herrings: a chrony restart on the healthy host {ch} shortly before (unrelated change); \
         smartd's pending-sector warnings and a failing cron mail (chronic).",
        broken.len(),
        broken.join(", ")
    );
}

fn applied(rng: &mut crate::rng::Rng) -> String {
    format!("Applied catalog in {}.{:02} seconds", rng.range(3, 9), rng.range(0, 99))
}
