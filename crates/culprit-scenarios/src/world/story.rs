//! The incident stories: the scheduled changes, rollbacks and host-level lines
//! each family writes, plus the harmless changes around them.

use super::*;

impl World {
    // ---- the schedule of one-off events --------------------------------------------------------

    pub(super) fn setup_schedule(&mut self) {
        let mut pre = Sec::default();
        let t_change = self.t.change;
        let cid = self.change_id.clone();
        let actor = if self.sample { "mlopez" } else { ACTORS[self.rng.below(4) as usize] };
        let hosts: Vec<usize> = self.cause_hosts.clone();
        let mut first = true;
        let mut ms = t_change;
        // The change itself: one audit record per host it was applied to.
        if self.fam != Family::Quiet {
            for &h in &hosts {
                let name = self.hosts[h].name.clone();
                let (event, component, summary) = self.change_text();
                let rel = if self.audit_variant == 0 { "status" } else { "outcome" };
                self.audit(
                    &mut pre,
                    ms,
                    first,
                    &[
                        ("event", event),
                        ("change_id", &cid),
                        ("actor", actor),
                        ("target", &name),
                        ("component", component),
                        ("summary", &summary),
                        (rel, "success"),
                    ],
                );
                first = false;
                let at = ms + 900 + self.rng.range(0, 2500);
                self.change_effect_lines(&mut pre, at, h);
                ms += 1200 + self.rng.range(0, 9000);
            }
            // Mitigation: rollback (and for the sample, a hotfix deploy).
            let mut m = self.t.mitigate;
            let rb = format!("{cid}-RB");
            for &h in &hosts {
                let name = self.hosts[h].name.clone();
                self.audit(
                    &mut pre,
                    m,
                    false,
                    &[
                        ("event", "change.rolled_back"),
                        ("change_id", &rb),
                        ("actor", "oncall"),
                        ("target", &name),
                        ("reverts", &cid),
                        ("summary", "rollback to previous configuration"),
                    ],
                );
                self.rollback_lines(&mut pre, m + 1500, h);
                m += 2000 + self.rng.range(0, 4000);
            }
            if self.sample {
                let at = self.t.mitigate + 3 * MIN + 12_345;
                for h in self.of_role(Role::Auth) {
                    let name = self.hosts[h].name.clone();
                    self.audit(
                        &mut pre,
                        at + h as i64 * 4100,
                        false,
                        &[
                            ("event", "deploy.finished"),
                            ("change_id", "CHG-4418"),
                            ("actor", "deploy-bot"),
                            ("target", &name),
                            ("component", "auth"),
                            ("summary", "auth 3.9.2 hotfix: token signer falls back to previous key id when the key store lacks the configured one"),
                            ("version", "3.9.2"),
                        ],
                    );
                    self.app(
                        &mut pre,
                        at + h as i64 * 4100 + 20_000,
                        h,
                        Lvl::Info,
                        "auth.main",
                        "auth service started",
                        &[("version", V::S("3.9.2")), ("listen", V::S(":8080"))],
                    );
                }
            }
        }
        // Routine changes during the baseline that did nothing.
        let n_routine = if self.sample { 2 } else { 1 + self.rng.below(3) };
        let span = (self.t.unrelated - 20 * MIN - (self.t.start + 20 * MIN)).max(MIN);
        for k in 0..n_routine {
            let at = if self.sample {
                [civil_to_millis(2024, 1, 22, 13, 12, 41, 307), civil_to_millis(2024, 1, 22, 14, 5, 3, 921)][k as usize]
            } else {
                self.t.start + 20 * MIN + self.rng.below(span as u64) as i64
            };
            self.routine_change(&mut pre, at, k);
        }
        // The unrelated routine change on a healthy subsystem.
        let at = self.t.unrelated;
        match self.unrelated {
            Unrelated::DbWorkMem => {
                let db = self.of_role(Role::Db)[0];
                let name = self.hosts[db].name.clone();
                let id =
                    if self.sample { "CHG-4409".to_string() } else { format!("CHG-{}", self.rng.range(1000, 9999)) };
                self.audit(
                    &mut pre,
                    at,
                    false,
                    &[
                        ("event", "config.applied"),
                        ("change_id", &id),
                        ("actor", "akowalski"),
                        ("target", &name),
                        ("component", "postgresql.conf"),
                        ("summary", "work_mem 32MB -> 64MB for reporting queries"),
                        ("status", "success"),
                    ],
                );
                let pid = self.pg_pid;
                self.pg(&mut pre, at + 2100, pid, "LOG:  received SIGHUP, reloading configuration files");
                self.pg(&mut pre, at + 2102, pid, "LOG:  parameter \"work_mem\" changed to \"64MB\"");
            }
            Unrelated::NotifierDeploy => {
                let n = self.of_role(Role::Notifier)[0];
                let ver = format!("2.{}.{}", self.rng.range(3, 30), self.rng.range(0, 9));
                let id = format!("CHG-{}", self.rng.range(1000, 9999));
                self.audit(
                    &mut pre,
                    at,
                    false,
                    &[
                        ("event", "deploy.finished"),
                        ("change_id", &id),
                        ("actor", "deploy-bot"),
                        ("target", "notifier-1"),
                        ("component", "notifier"),
                        ("summary", "notifier: new e-mail templates"),
                        ("version", &ver),
                    ],
                );
                self.sys(
                    &mut pre,
                    at + 800,
                    n,
                    "systemd[1]",
                    "Stopping notifier.service - Order notification worker...",
                );
                self.sys(&mut pre, at + 2400, n, "systemd[1]", "Started notifier.service - Order notification worker.");
                self.app(
                    &mut pre,
                    at + 3900,
                    n,
                    Lvl::Info,
                    "notifier.main",
                    "worker started",
                    &[("version", V::S(&ver))],
                );
            }
            Unrelated::NginxReload => {
                let p = self.of_role(Role::Proxy)[0];
                let name = self.hosts[p].name.clone();
                let id = format!("CHG-{}", self.rng.range(1000, 9999));
                self.audit(
                    &mut pre,
                    at,
                    false,
                    &[
                        ("event", "config.applied"),
                        ("change_id", &id),
                        ("actor", "jchen"),
                        ("target", &name),
                        ("component", "nginx"),
                        ("summary", "add application/json to gzip_types"),
                        ("status", "success"),
                    ],
                );
                let pid = self.hosts[p].pid;
                self.nginx_err(
                    &mut pre,
                    at + 700,
                    p,
                    "notice",
                    &format!("signal 1 (SIGHUP) received from {}, reconfiguring", pid + 4000),
                );
                self.nginx_err(&mut pre, at + 701, p, "notice", "reconfiguring");
            }
        }
        // OOM kills: every few minutes on each host that got the new version.
        if self.fam == Family::OomKill {
            for &h in &hosts.clone() {
                let mut k = self.t.onset + (h as i64 % 3) * 40 * SEC;
                while k < self.t.mitigate {
                    let down_for = self.rng.range(35, 75) * SEC;
                    self.down.push((h, k, k + down_for));
                    self.oom_lines(&mut pre, k, h, down_for);
                    k += down_for + self.rng.range(120, 300) * SEC;
                }
            }
        }
        pre.close();
        let mut items = pre.items.clone();
        items.sort_by_key(|i| i.ms);
        self.sched = items
            .iter()
            .map(|i| Sched {
                ms: i.ms,
                file: i.file as usize,
                bytes: pre.buf[i.start as usize..i.end as usize].to_vec(),
                trigger: i.trigger,
            })
            .collect();
    }

    /// A harmless change during the baseline: a payments deploy, alert rules, or an edge certificate renewal.
    fn routine_change(&mut self, sec: &mut Sec, at: i64, k: u64) {
        let id = format!("CHG-{}", if self.sample { 4391 + k as i64 * 7 } else { self.rng.range(1000, 9999) });
        let kind = if self.sample { k } else { self.rng.below(3) };
        match kind {
            0 => {
                let ver = format!("1.{}.{}", self.rng.range(20, 60), self.rng.range(0, 9));
                for (i, h) in self.of_role(Role::Payments).into_iter().enumerate() {
                    let t = at + i as i64 * 31_000;
                    let name = self.hosts[h].name.clone();
                    let fields = [
                        ("event", "deploy.finished"),
                        ("change_id", id.as_str()),
                        ("actor", "deploy-bot"),
                        ("target", name.as_str()),
                        ("component", "payments"),
                        ("summary", "payments: refund webhook retries"),
                        ("version", ver.as_str()),
                    ];
                    self.audit(sec, t, false, &fields);
                    self.app(
                        sec,
                        t + 4200,
                        h,
                        Lvl::Info,
                        "cmd/server/main.go:58",
                        "server started",
                        &[("version", V::S(&ver)), ("addr", V::S(":8443"))],
                    );
                }
            }
            1 => {
                let fields = [
                    ("event", "config.applied"),
                    ("change_id", id.as_str()),
                    ("actor", "spatel"),
                    ("target", "mon-1"),
                    ("component", "alert-rules"),
                    ("summary", "service-availability: raise healthz latency threshold 200ms -> 300ms"),
                    ("status", "success"),
                ];
                self.audit(sec, at, false, &fields);
            }
            _ => {
                let p = self.of_role(Role::Proxy)[0];
                let name = self.hosts[p].name.clone();
                let fields = [
                    ("event", "cert.renewed"),
                    ("change_id", id.as_str()),
                    ("actor", "certbot"),
                    ("target", name.as_str()),
                    ("component", "nginx/tls"),
                    ("summary", "renewed shop.example.com (valid 90 days), nginx reloaded"),
                    ("status", "success"),
                ];
                self.audit(sec, at, false, &fields);
                let pid = self.hosts[p].pid;
                self.nginx_err(
                    sec,
                    at + 900,
                    p,
                    "notice",
                    &format!("signal 1 (SIGHUP) received from {}, reconfiguring", pid + 7211),
                );
            }
        }
    }

    /// (audit event, component, summary) of the cause.
    fn change_text(&mut self) -> (&'static str, &'static str, String) {
        match self.fam {
            Family::AuthConfig => (
                "config.applied",
                "auth/token-signing",
                "token signing: key id auth-2023-11 -> auth-2024-01, algorithm RS256 -> ES256".into(),
            ),
            Family::DbDiskFull => (
                "db.migration.started",
                "migrations/0187_backfill_order_events",
                "bulk load: backfill order_events from archive (COPY, est. 210 GB)".into(),
            ),
            Family::PoolExhaustion => {
                ("deploy.finished", "orders", "orders 4.12.0: batch order history endpoint".into())
            }
            Family::DnsResolver => (
                "config.applied",
                "/etc/resolv.conf",
                "resolver: nameserver 10.0.0.2 -> 10.0.0.53 (new resolver pool), options timeout:1 attempts:1".into(),
            ),
            Family::OomKill => (
                "deploy.finished",
                "orders",
                "orders 4.12.0: in-process catalog cache (cache.max_entries 50k -> 2M)".into(),
            ),
            Family::TlsChain => (
                "cert.rotated",
                "payments/tls",
                "renewed server certificate payments.svc.internal (bundle: leaf only)".into(),
            ),
            Family::ClockStep => (
                "config.applied",
                "/etc/chrony/chrony.conf",
                "chrony: replace pool 2.debian.pool.ntp.org with server ntp-a.internal iburst; makestep 1 -1".into(),
            ),
            Family::LockTimeout => (
                "flag.updated",
                "orders.recompute_status_on_write",
                "feature flag orders.recompute_status_on_write: off -> on (100%)".into(),
            ),
            Family::Firewall => (
                "firewall.applied",
                "ufw",
                "ufw baseline: default deny incoming; allow 22/tcp, 9100/tcp from 10.0.0.0/16".into(),
            ),
            Family::Quiet => ("", "", String::new()),
        }
    }

    /// What the host itself logs when the change lands.
    fn change_effect_lines(&mut self, sec: &mut Sec, ms: i64, h: usize) {
        match self.fam {
            Family::AuthConfig => self.app(
                sec,
                ms,
                h,
                Lvl::Info,
                "auth.config",
                "configuration reloaded",
                &[
                    ("source", V::S("/etc/auth/token.yaml")),
                    ("signing_key_id", V::S("auth-2024-01")),
                    ("alg", V::S("ES256")),
                ],
            ),
            Family::DbDiskFull => {
                let pid = self.pg_pid + 311;
                self.pg(sec, ms, pid, "LOG:  duration: 0.912 ms  statement: BEGIN");
                self.pg(sec, ms + 40, pid, "LOG:  duration: 1.204 ms  statement: TRUNCATE order_events_staging");
            }
            Family::PoolExhaustion | Family::OomKill => {
                self.sys(sec, ms, h, "systemd[1]", "Stopping orders.service - Orders API...");
                self.sys(sec, ms + 1800, h, "systemd[1]", "Started orders.service - Orders API.");
                self.app(
                    sec,
                    ms + 9000,
                    h,
                    Lvl::Info,
                    "orders.Application",
                    "Started Application",
                    &[("version", V::S("4.12.0"))],
                );
            }
            Family::DnsResolver => {
                self.sys(sec, ms, h, "systemd-resolved[611]", "Switching to DNS server 10.0.0.53 for interface ens5.");
            }
            Family::TlsChain => {
                self.app(
                    sec,
                    ms,
                    h,
                    Lvl::Info,
                    "tls.go:88",
                    "reloaded TLS certificate",
                    &[("subject", V::S("CN=payments.svc.internal")), ("not_after", V::S("2025-04-18T23:59:59Z"))],
                );
            }
            Family::ClockStep => {
                self.sys(sec, ms, h, "systemd[1]", "Restarting chrony.service - chrony, an NTP client/server...");
                self.sys(sec, ms + 300, h, "chronyd[702]", "chronyd version 4.3 starting (+CMDMON +NTP +REFCLOCK +RTC +PRIVDROP +SCFILTER +SIGND +ASYNCDNS +NTS +SECHASH +IPV6 -DEBUG)");
                let skew = self.skew.2 as f64 / 1000.0 + 0.123456;
                let step = self.skew.0;
                self.sys(sec, step - 800, h, "chronyd[702]", "Selected source 10.0.0.123 (ntp-a.internal)");
                self.sys(sec, step - 700, h, "chronyd[702]", &format!("System clock wrong by {skew:.6} seconds"));
                self.sys(sec, step, h, "chronyd[702]", &format!("System clock was stepped by {skew:.6} seconds"));
            }
            Family::LockTimeout => {
                for o in self.of_role(Role::Orders) {
                    let d = ms + o as i64 * 700;
                    self.app(
                        sec,
                        d,
                        o,
                        Lvl::Info,
                        "flags.client",
                        "feature flag changed",
                        &[("flag", V::S("orders.recompute_status_on_write")), ("value", V::S("true"))],
                    );
                }
            }
            Family::Firewall => {
                self.sys(sec, ms, h, "ufw[2231]", "Firewall is active and enabled on system startup");
            }
            Family::Quiet => {}
        }
    }

    fn rollback_lines(&mut self, sec: &mut Sec, ms: i64, h: usize) {
        match self.fam {
            Family::AuthConfig => self.app(
                sec,
                ms,
                h,
                Lvl::Info,
                "auth.config",
                "configuration reloaded",
                &[
                    ("source", V::S("/etc/auth/token.yaml")),
                    ("signing_key_id", V::S("auth-2023-11")),
                    ("alg", V::S("RS256")),
                ],
            ),
            Family::ClockStep => {
                let skew = self.skew.2 as f64 / 1000.0 + 0.123456;
                let at = self.skew.1;
                self.sys(sec, at - 500, h, "chronyd[702]", &format!("System clock wrong by -{skew:.6} seconds"));
                self.sys(sec, at, h, "chronyd[702]", &format!("System clock was stepped by -{skew:.6} seconds"));
            }
            Family::DnsResolver => {
                self.sys(sec, ms, h, "systemd-resolved[611]", "Switching to DNS server 10.0.0.2 for interface ens5.")
            }
            Family::PoolExhaustion | Family::OomKill => {
                self.sys(sec, ms, h, "systemd[1]", "Started orders.service - Orders API.");
            }
            _ => {}
        }
    }

    fn oom_lines(&mut self, sec: &mut Sec, k: i64, h: usize, down_for: i64) {
        let pid = 20_000 + self.rng.below(30_000);
        let anon = 7_400_000 + self.rng.below(600_000);
        self.kernel(
            sec,
            k - 30,
            h,
            "java invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, oom_score_adj=0",
        );
        self.kernel(sec, k - 29, h, &format!("oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/system.slice/orders.service,task=java,pid={pid},uid=998"));
        self.kernel(
            sec,
            k,
            h,
            &format!("Out of memory: Killed process {pid} (java) total-vm:{}kB, anon-rss:{anon}kB, file-rss:0kB, shmem-rss:0kB, UID:998 pgtables:15432kB oom_score_adj:0", anon + 1_630_000),
        );
        self.sys(sec, k + 120, h, "systemd[1]", "orders.service: Main process exited, code=killed, status=9/KILL");
        self.sys(sec, k + 121, h, "systemd[1]", "orders.service: Failed with result 'oom-kill'.");
        self.sys(sec, k + 5200, h, "systemd[1]", "orders.service: Scheduled restart job, restart counter is at 1.");
        self.sys(sec, k + 5300, h, "systemd[1]", "Started orders.service - Orders API.");
        self.app(
            sec,
            k + down_for - 200,
            h,
            Lvl::Info,
            "orders.Application",
            "Started Application",
            &[("version", V::S("4.12.0"))],
        );
        self.counts.incident_errors += 3;
        // In-flight transactions of the killed process are cut.
        let n = 2 + self.rng.below(4);
        for i in 0..n {
            let p = self.pg_pid + 100 + self.rng.below(900) as u32;
            let msg = if i % 2 == 0 {
                "LOG:  could not receive data from client: Connection reset by peer"
            } else {
                "LOG:  unexpected EOF on client connection with an open transaction"
            };
            self.pg(sec, k + 150 + i as i64 * 3, p, msg);
        }
    }
}
