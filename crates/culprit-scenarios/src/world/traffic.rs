//! One second of traffic: requests through the edge to the services, the
//! background every system writes, the chronic noise, and how each family's
//! failure shows up in the lines of a request.

use super::*;

impl World {
    // ---- one second -----------------------------------------------------------------------------

    pub(super) fn second(&mut self, s: i64, sec: &mut Sec) {
        let e = s + SEC;
        while self.sched_next < self.sched.len() && self.sched[self.sched_next].ms < e {
            let it = &self.sched[self.sched_next];
            let (ms, file, trig) = (it.ms, it.file, it.trigger);
            let bytes = std::mem::take(&mut self.sched[self.sched_next].bytes);
            sec.open(ms, file, trig).extend_from_slice(&bytes);
            self.sched_next += 1;
        }
        self.periodic(s, sec);
        self.chronic_lines(s, sec);
        self.incident_background(s, sec);
        // Requests: a gentle day curve, plus user retries of failures.
        let hour = (s / HOUR).rem_euclid(24) as f64 + (s % HOUR) as f64 / HOUR as f64;
        let day = if hour < 8.0 {
            0.5
        } else if hour < 12.0 {
            0.5 + (hour - 8.0) * 0.125
        } else {
            1.0 - (hour - 12.0).max(0.0) * 0.02
        };
        let n = self.rng.count(self.rps * day);
        let mut offs: Vec<i64> = (0..n).map(|_| self.rng.below(1000) as i64).collect();
        offs.sort_unstable();
        for o in offs {
            let ep = self.rng.weighted(&ENDPOINTS.map(|e| e.weight));
            let user = 1000 + self.rng.below(240_000) as u32;
            self.request(s + o, sec, ep, user, 0);
        }
        let mut due = Vec::new();
        self.retries.retain(|r| {
            if r.0 < e {
                due.push(*r);
                false
            } else {
                true
            }
        });
        due.sort_by_key(|r| r.0);
        for (ms, ep, user, n) in due {
            self.request(ms.max(s), sec, ep, user, n);
        }
    }

    fn periodic(&mut self, s: i64, sec: &mut Sec) {
        let in_min = s.rem_euclid(MIN) / SEC;
        let in_5 = s.rem_euclid(5 * MIN) / SEC;
        let in_hour = s.rem_euclid(HOUR) / SEC;
        // Health checks: every minute per auth/orders host, always passing (they hit /healthz only).
        if in_min == 7 {
            let mut ms = s + 3;
            for h in 0..self.hosts.len() {
                if !matches!(self.hosts[h].role, Role::Auth | Role::Orders | Role::Payments) {
                    continue;
                }
                let lat = 2 + self.rng.below(6);
                let f = self.health_file;
                let json = self.health_json;
                let (name, ip) = (self.hosts[h].name.clone(), self.hosts[h].ip.clone());
                let b = sec.open(ms, f, false);
                if json {
                    b.extend_from_slice(b"{\"time\":\"");
                    ts(b, ms, Ts::IsoMs);
                    let _ = writeln!(b, "\",\"level\":\"info\",\"check\":\"{name}-http\",\"target\":\"http://{ip}:8080/healthz\",\"status\":\"passing\",\"code\":200,\"latency_ms\":{lat}}}");
                } else {
                    b.extend_from_slice(b"ts=");
                    ts(b, ms, Ts::IsoMs);
                    let _ = writeln!(b, " level=info check={name}-http target=http://{ip}:8080/healthz status=passing code=200 latency_ms={lat}");
                }
                ms += 1 + self.rng.below(20) as i64;
            }
        }
        if in_min == 15 {
            let f = self.health_file;
            let ms = s + 120;
            let b = sec.open(ms, f, false);
            if self.health_json {
                b.extend_from_slice(b"{\"time\":\"");
                ts(b, ms, Ts::IsoMs);
                let _ = writeln!(b, "\",\"level\":\"info\",\"msg\":\"rule group evaluated\",\"group\":\"service-availability\",\"rules\":12,\"firing\":0,\"pending\":0}}");
            } else {
                b.extend_from_slice(b"ts=");
                ts(b, ms, Ts::IsoMs);
                let _ = writeln!(
                    b,
                    " level=info msg=\"rule group evaluated\" group=service-availability rules=12 firing=0 pending=0"
                );
            }
        }
        // PostgreSQL checkpoints (checkpoint_timeout = 5min), autovacuum, the odd slow query.
        let pid_ckpt = self.pg_pid + 3;
        if in_5 == 0 {
            self.pg(sec, s + 12, pid_ckpt, "LOG:  checkpoint starting: time");
        } else if in_5 == 270 {
            let bufs = 400 + self.rng.below(3000);
            let body = format!(
                "LOG:  checkpoint complete: wrote {bufs} buffers ({:.1}%); 0 WAL file(s) added, 0 removed, {} recycled; write=269.{:03} s, sync=0.0{:02} s, total=269.{:03} s; sync files={}, longest=0.004 s, average=0.001 s; distance={} kB, estimate={} kB",
                bufs as f64 / 163.84,
                1 + bufs / 1200,
                self.rng.below(999),
                self.rng.below(99),
                self.rng.below(999),
                20 + bufs / 40,
                bufs * 8 + 311,
                bufs * 8 + 1024
            );
            self.pg(sec, s + 40, pid_ckpt, &body);
        }
        if self.rng.chance(self.noise * 0.004) {
            let pid = self.pg_pid + 500 + self.rng.below(600) as u32;
            let table = *self.rng.pick(&["orders", "sessions", "order_items", "login_attempts"]);
            let removed = self.rng.below(9000);
            let body = format!(
                "LOG:  automatic vacuum of table \"shop.public.{table}\": index scans: 1\n\tpages: 0 removed, {} remain, 0 skipped due to pins, 0 skipped frozen\n\ttuples: {removed} removed, {} remain, 0 are dead but not yet removable, oldest xmin: {}\n\tbuffer usage: {} hits, {} misses, {} dirtied\n\tavg read rate: 0.{:03} MB/s, avg write rate: 1.{:03} MB/s\n\tsystem usage: CPU: user: 0.05 s, system: 0.00 s, elapsed: 0.{:02} s",
                1000 + self.rng.below(40_000),
                40_000 + self.rng.below(900_000),
                self.xid,
                5000 + self.rng.below(9000),
                self.rng.below(50),
                self.rng.below(80),
                self.rng.below(999),
                self.rng.below(999),
                10 + self.rng.below(80)
            );
            let at = s + self.rng.below(1000) as i64;
            self.pg(sec, at, pid, &body);
        }
        if self.rng.chance(self.noise * 0.002) {
            let pid = self.pg_pid + 500 + self.rng.below(600) as u32;
            let body = format!(
                "LOG:  duration: {}.{:03} ms  statement: SELECT o.id, o.status, sum(i.qty * i.price) FROM orders o JOIN order_items i ON i.order_id = o.id WHERE o.created_at > now() - interval '30 days' GROUP BY o.id, o.status",
                1000 + self.rng.below(2500),
                self.rng.below(1000)
            );
            let at = s + self.rng.below(1000) as i64;
            self.pg(sec, at, pid, &body);
        }
        self.xid += self.rng.below(40);
        // MySQL billing database: the ordinary warnings of a real server.
        if self.mysql_file.is_some() && self.rng.chance(self.noise * 0.01) {
            let th = 1000 + self.rng.below(90_000) as u32;
            let at = s + self.rng.below(1000) as i64;
            let ip = format!("10.0.4.{}", 11 + self.rng.below(3));
            if self.rng.chance(0.5) {
                let msg = format!("Aborted connection {th} to db: 'billing' user: 'billing' host: '{ip}' (Got an error reading communication packets).");
                self.mysql(sec, at, th, "Note", "MY-010914", &msg);
            } else {
                let msg = format!("IP address '{ip}' could not be resolved: Name or service not known");
                self.mysql(sec, at, th, "Warning", "MY-010055", &msg);
            }
        }
        // nginx: the odd buffering warning every edge writes.
        for p in self.of_role(Role::Proxy) {
            if self.rng.chance(self.noise * 0.003) {
                let conn = self.hosts[p].conn;
                let client = client_ip(1000 + self.rng.below(240_000) as u32);
                let up = format!("10.0.2.{}", 11 + self.rng.below(2));
                let tmp =
                    format!("{}/{:02}/{:010}", self.rng.below(10), self.rng.below(100), self.rng.below(9_999_999));
                let msg = format!("*{conn} an upstream response is buffered to a temporary file /var/cache/nginx/proxy_temp/{tmp} while reading upstream, client: {client}, server: shop.example.com, request: \"GET /api/v1/orders?page=1 HTTP/1.1\", upstream: \"http://{up}:8080/api/v1/orders?page=1\", host: \"shop.example.com\"");
                let at = s + self.rng.below(1000) as i64;
                self.nginx_err(sec, at, p, "warn", &msg);
            }
        }
        // Each service's own housekeeping every ten minutes, at a per-host offset.
        for h in 0..self.hosts.len() {
            if in_hour % 600 != (h as i64 * 37 + 11) % 600 {
                continue;
            }
            let at = s + self.rng.below(1000) as i64;
            let n = self.rng.below(400) as i64;
            match self.hosts[h].role {
                Role::Auth => self.app(
                    sec,
                    at,
                    h,
                    Lvl::Info,
                    "auth.jwks",
                    "refreshed JWKS cache",
                    &[("keys", V::I(2)), ("age_s", V::I(600))],
                ),
                Role::Orders => self.app(
                    sec,
                    at,
                    h,
                    Lvl::Info,
                    "c.e.orders.CacheStats",
                    "catalog cache stats",
                    &[("hits", V::I(9000 + n * 31)), ("misses", V::I(120 + n)), ("evictions", V::I(n / 3))],
                ),
                Role::Payments => self.app(
                    sec,
                    at,
                    h,
                    Lvl::Info,
                    "settlement/batch.go:77",
                    "settlement batch reconciled",
                    &[("batch", V::I(48_000 + in_hour + n)), ("charges", V::I(n))],
                ),
                Role::Notifier => {
                    self.app(sec, at, h, Lvl::Info, "notifier.queue", "queue depth", &[("depth", V::I(n / 40))])
                }
                Role::Indexer => self.app(
                    sec,
                    at,
                    h,
                    Lvl::Info,
                    "c.e.search.BulkIndexer",
                    "bulk flush complete",
                    &[("docs", V::I(200 + n)), ("took_ms", V::I(40 + n / 4))],
                ),
                _ => {}
            }
        }
        // Syslog: cron, sshd sessions, sysstat timers.
        if in_hour == 17 * 60 {
            for h in 0..self.hosts.len() {
                let pid = 10_000 + self.rng.below(50_000);
                self.sys(
                    sec,
                    s + h as i64,
                    h,
                    &format!("CRON[{pid}]"),
                    "(root) CMD (   cd / && run-parts --report /etc/cron.hourly)",
                );
            }
        }
        if in_hour % 600 == 0 {
            let h = self.rng.below(self.hosts.len() as u64) as usize;
            self.sys(
                sec,
                s + 10,
                h,
                "systemd[1]",
                "Starting sysstat-collect.service - system activity accounting tool...",
            );
            self.sys(sec, s + 50, h, "systemd[1]", "sysstat-collect.service: Deactivated successfully.");
            self.sys(
                sec,
                s + 51,
                h,
                "systemd[1]",
                "Finished sysstat-collect.service - system activity accounting tool.",
            );
        }
        if self.rng.chance(self.noise * 0.0015) {
            let h = self.rng.below(self.hosts.len() as u64) as usize;
            let pid = 3000 + self.rng.below(60_000);
            let port = 40_000 + self.rng.below(20_000);
            let key = self.rng.hex_string(43);
            self.sys(
                sec,
                s + 100,
                h,
                &format!("sshd[{pid}]"),
                &format!("Accepted publickey for deploy from 10.0.9.4 port {port} ssh2: ED25519 SHA256:{key}"),
            );
            self.sys(
                sec,
                s + 104,
                h,
                &format!("sshd[{pid}]"),
                "pam_unix(sshd:session): session opened for user deploy(uid=1001) by (uid=0)",
            );
            let sid = 100 + self.rng.below(900);
            self.sys(sec, s + 110, h, "systemd-logind[512]", &format!("New session {sid} of user deploy."));
        }
    }

    fn chronic_lines(&mut self, s: i64, sec: &mut Sec) {
        let n = self.rng.count(self.chronic_rate);
        for _ in 0..n {
            let ms = s + self.rng.below(1000) as i64;
            self.counts.chronic_errors += 1;
            match self.chronic {
                Chronic::DbAuthFail => {
                    let pid = self.pg_pid + 2000 + self.rng.below(20_000) as u32;
                    if self.rng.chance(0.8) {
                        self.pg(sec, ms, pid, "FATAL:  password authentication failed for user \"reporting\"\nDETAIL:  Connection matched pg_hba.conf line 98: \"host    all    all    10.0.0.0/8    scram-sha-256\"");
                    } else {
                        self.pg(sec, ms, pid, "FATAL:  no pg_hba.conf entry for host \"10.0.4.23\", user \"analytics\", database \"shop\", no encryption");
                    }
                }
                Chronic::SshdBrute => {
                    let h = self.of_role(Role::Proxy)[0];
                    let pid = 3000 + self.rng.below(60_000);
                    let user = *self.rng.pick(&["admin", "oracle", "test", "ubuntu", "git", "postgres"]);
                    let ip =
                        format!("10.{}.{}.{}", 100 + self.rng.below(20), self.rng.below(256), 1 + self.rng.below(254));
                    let port = 30_000 + self.rng.below(30_000);
                    self.sys(
                        sec,
                        ms,
                        h,
                        &format!("sshd[{pid}]"),
                        &format!("Invalid user {user} from {ip} port {port}"),
                    );
                    self.sys(
                        sec,
                        ms + 2,
                        h,
                        &format!("sshd[{pid}]"),
                        &format!("Failed password for invalid user {user} from {ip} port {port} ssh2"),
                    );
                }
                Chronic::Indexer => {
                    let h = self.of_role(Role::Indexer)[0];
                    let q = 200 + self.rng.below(100);
                    let msg = format!("failed to execute bulk request: [es_rejected_execution_exception] rejected execution of coordinating operation [coordinating_and_primary_bytes=0, replica_bytes=0, all_bytes=0, coordinating_operation_bytes=5242880, max_coordinating_and_primary_bytes=53687091], queue capacity {q}");
                    self.app(sec, ms, h, Lvl::Error, "c.e.search.BulkIndexer", &msg, &[]);
                }
            }
        }
    }

    /// Mechanism and consequence lines not tied to one request.
    fn incident_background(&mut self, s: i64, sec: &mut Sec) {
        let i = self.intensity(s);
        if i <= 0.0 {
            return;
        }
        match self.fam {
            Family::DbDiskFull if self.rng.chance(0.05 * i) => {
                let pid = self.pg_pid + 311;
                self.pg(sec, s + 300, pid, "ERROR:  could not extend file \"base/16385/24611.7\": No space left on device\nHINT:  Check free disk space.\nCONTEXT:  COPY order_events, line 4812231\nSTATEMENT:  COPY order_events (id, order_id, kind, payload, created_at) FROM STDIN");
                self.counts.incident_errors += 1;
            }
            Family::LockTimeout if self.rng.chance(0.2 * i) => {
                let p = self.pg_pid + 100 + self.rng.below(900) as u32;
                let holder = self.pg_pid + 100 + self.rng.below(900) as u32;
                let body = format!(
                    "LOG:  process {p} still waiting for ShareLock on transaction {} after 1000.{:03} ms\nDETAIL:  Process holding the lock: {holder}. Wait queue: {p}.\nCONTEXT:  while updating tuple ({},{}) in relation \"orders\"\nSTATEMENT:  UPDATE orders SET status = $1, updated_at = now() WHERE id = $2",
                    self.xid,
                    self.rng.below(999),
                    self.rng.below(90_000),
                    1 + self.rng.below(30)
                );
                let at = s + self.rng.below(1000) as i64;
                self.pg(sec, at, p, &body);
            }
            Family::PoolExhaustion if s >= self.t.conseq && self.rng.chance(0.25 * i) => {
                let p = self.pg_pid + 3000 + self.rng.below(9000) as u32;
                let at = s + self.rng.below(1000) as i64;
                self.pg(sec, at, p, "FATAL:  sorry, too many clients already");
            }
            _ => {}
        }
    }

    // ---- one request -----------------------------------------------------------------------------

    fn request(&mut self, ms: i64, sec: &mut Sec, ep: usize, user: u32, retry: u8) {
        self.counts.requests += 1;
        let e = &ENDPOINTS[ep];
        let proxies = self.of_role(Role::Proxy);
        let proxy = proxies[self.rng.below(proxies.len() as u64) as usize];
        let backends = self.of_role(e.role);
        let backend = backends[self.rng.below(backends.len() as u64) as usize];
        let rid = self.rng.hex_string(16);
        let mut lat = self.rng.latency(e.median_ms);
        let intensity = self.intensity(ms);
        let mut status: u16 = if ep == EP_ORDER_CREATE { 201 } else { 200 };
        // What the service logs, and whether this failure belongs to the incident.
        let mut err: Option<(Lvl, String, bool)> = None;
        let mut nginx_error: Option<&'static str> = None;
        let failing = intensity > 0.0 && self.rng.chance(self.p_fail * intensity);
        match self.fam {
            Family::AuthConfig if ep == EP_LOGIN && failing && self.cause_hosts.contains(&backend) => {
                status = 500;
                err = Some((
                    Lvl::Error,
                    "token generation failed: jws: signing key \"auth-2024-01\" not found in key store (alg=ES256)"
                        .into(),
                    true,
                ));
            }
            Family::AuthConfig
                if ep == EP_SESSION && failing && self.cause_hosts.contains(&backend) && self.rng.chance(0.3) =>
            {
                status = 401;
                err = Some((Lvl::Warn, "token validation failed: no key for kid \"auth-2024-01\"".into(), true));
            }
            Family::DbDiskFull if matches!(ep, EP_ORDER_CREATE | EP_CHECKOUT) && failing => {
                status = 500;
                err = Some((
                    Lvl::Error,
                    self.db_err("could not extend file \"base/16385/24577.12\": No space left on device"),
                    true,
                ));
                let p = self.pg_pid + 100 + self.rng.below(900) as u32;
                self.pg(sec, ms + 5, p, "ERROR:  could not extend file \"base/16385/24577.12\": No space left on device\nHINT:  Check free disk space.\nSTATEMENT:  INSERT INTO orders (id, user_id, status, total_cents, created_at)\n\t    VALUES ($1, $2, 'pending', $3, now())");
                self.counts.incident_errors += 1;
            }
            Family::PoolExhaustion if e.role == Role::Orders && failing && self.cause_hosts.contains(&backend) => {
                status = 503;
                lat += 5000.0;
                let m = if self.fmt_of[backend] == AppFmt::Java {
                    "HikariPool-1 - Connection is not available, request timed out after 5000ms.".to_string()
                } else {
                    format!(
                        "timeout acquiring connection from pool after 5s (size=20 in_use=20 waiting={})",
                        10 + self.rng.below(40)
                    )
                };
                err = Some((Lvl::Error, m, true));
            }
            Family::DnsResolver
                if matches!(ep, EP_ORDER_CREATE | EP_CHECKOUT) && failing && self.cause_hosts.contains(&backend) =>
            {
                status = 502;
                let target = if ep == EP_CHECKOUT { "payments.svc.internal" } else { "inventory.svc.internal" };
                let m = match self.fmt_of[backend] {
                    AppFmt::Java => format!("I/O error on POST request for \"http://{target}:8080/v1/reserve\": {target}: Temporary failure in name resolution"),
                    AppFmt::Json(_) => format!("HTTPConnectionPool(host='{target}', port=8080): Max retries exceeded with url: /v1/reserve (Caused by NameResolutionError(\"Failed to resolve '{target}' ([Errno -3] Temporary failure in name resolution)\"))"),
                    _ => format!("Post \"http://{target}:8080/v1/reserve\": dial tcp: lookup {target} on 10.0.0.53:53: server misbehaving"),
                };
                err = Some((Lvl::Error, m, true));
            }
            Family::OomKill if e.role == Role::Orders => {
                if let Some(&(_, k, _)) = self.down.iter().find(|d| d.0 == backend && ms >= d.1 && ms < d.2) {
                    status = 502;
                    lat = 0.4 + self.rng.unit();
                    nginx_error = Some(if ms < k + 400 {
                        "upstream prematurely closed connection while reading response header from upstream"
                    } else {
                        "connect() failed (111: Connection refused) while connecting to upstream"
                    });
                    self.counts.incident_errors += 1;
                }
            }
            Family::TlsChain if ep == EP_CHECKOUT && failing => {
                let pays = self.of_role(Role::Payments);
                let ph = pays[self.rng.below(pays.len() as u64) as usize];
                if self.cause_hosts.contains(&ph) {
                    status = 502;
                    let pname = self.hosts[ph].name.clone();
                    let m = match self.fmt_of[backend] {
                        AppFmt::Java => "I/O error on POST request for \"https://payments.svc.internal:8443/v1/charges\": PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path to requested target".to_string(),
                        _ => format!("Post \"https://{pname}.svc.internal:8443/v1/charges\": tls: failed to verify certificate: x509: certificate signed by unknown authority"),
                    };
                    err = Some((Lvl::Error, m, true));
                    let src = format!("{}:{}", self.hosts[backend].ip, 40_000 + self.rng.below(20_000));
                    self.app(
                        sec,
                        ms + 2,
                        ph,
                        Lvl::Error,
                        "http/server.go:3212",
                        &format!("http: TLS handshake error from {src}: remote error: tls: bad certificate"),
                        &[],
                    );
                    self.counts.incident_errors += 1;
                }
            }
            Family::ClockStep if e.role == Role::Orders && failing => {
                // Tokens minted by a host whose clock runs ahead are "issued in the future".
                let auths = self.of_role(Role::Auth);
                let minted_by = auths[(user as usize) % auths.len()];
                if self.cause_hosts.contains(&minted_by) {
                    status = 401;
                    let iat = (ms + self.skew.2) / 1000;
                    err = Some((
                        Lvl::Warn,
                        format!("JWT validation failed: token used before issued (iat={iat}, now={})", ms / 1000),
                        true,
                    ));
                }
            }
            Family::LockTimeout if matches!(ep, EP_ORDER_CREATE | EP_CHECKOUT) && failing => {
                status = 500;
                lat += 3000.0;
                err = Some((Lvl::Error, self.db_err("canceling statement due to lock timeout"), true));
                let p = self.pg_pid + 100 + self.rng.below(900) as u32;
                let body = format!("ERROR:  canceling statement due to lock timeout\nCONTEXT:  while updating tuple ({},{}) in relation \"orders\"\nSTATEMENT:  UPDATE orders SET status = $1, updated_at = now() WHERE id = $2", self.rng.below(90_000), 1 + self.rng.below(30));
                self.pg(sec, ms + 3, p, &body);
                self.counts.incident_errors += 1;
            }
            Family::Firewall if matches!(ep, EP_ORDERS | EP_CATALOG) && failing => {
                let caches = self.of_role(Role::Cache);
                let shard = caches[(user as usize) % caches.len()];
                if self.cause_hosts.contains(&shard) {
                    status = 503;
                    lat += 1000.0;
                    let ip = self.hosts[shard].ip.clone();
                    let m = if self.fmt_of[backend] == AppFmt::Java {
                        format!("Unable to connect to {ip}:6379: connection timed out")
                    } else {
                        format!("redis: dial tcp {ip}:6379: i/o timeout")
                    };
                    err = Some((Lvl::Error, m, true));
                    // The dropped SYN and its retransmission, as the cache host's firewall logs them.
                    let src = self.hosts[backend].ip.clone();
                    let spt = 32_768 + self.rng.below(28_000);
                    for k in 0..2 {
                        let msg = format!(
                            "[UFW BLOCK] IN=ens5 OUT= MAC=0a:1f:3c:5e:7b:91:0a:4d:22:e1:9c:07:08:00 SRC={src} DST={ip} LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID={} DF PROTO=TCP SPT={spt} DPT=6379 WINDOW=62727 RES=0x00 SYN URGP=0",
                            self.rng.below(65_535)
                        );
                        self.kernel(sec, ms + 1 + k * 1000, shard, &msg);
                    }
                    self.counts.incident_errors += 2;
                }
            }
            _ => {}
        }
        // Ordinary failures that are always there.
        if status < 300 {
            if ep == EP_LOGIN && self.rng.chance(0.03) {
                status = 401;
                err = Some((Lvl::Warn, "login failed: invalid credentials".into(), false));
            } else if ep == EP_CATALOG && self.rng.chance(0.01) {
                status = 404;
            } else if self.rng.chance(self.noise * 0.0008) {
                status = 500;
                err = Some((Lvl::Error, "unhandled error: context canceled".into(), false));
            }
        }
        let incident_fail = matches!(err, Some((_, _, true))) || nginx_error.is_some();
        // The service's own line.
        let path = if ep == EP_CATALOG {
            format!("{}{}", e.path, 10_000 + self.rng.below(90_000))
        } else {
            e.path.to_string()
        };
        let lat_ms = lat;
        let uid = user as i64;
        if nginx_error.is_none() {
            let logger = match (e.role, self.fmt_of[backend]) {
                (_, AppFmt::Java) => "c.e.web.RequestLogger",
                (Role::Auth, AppFmt::Json(3)) | (_, AppFmt::Klog) => "http/middleware.go:64",
                (Role::Auth, _) => "auth.http",
                _ => "http.access",
            };
            let kv = [
                ("request_id", V::S(&rid)),
                ("user_id", V::I(uid)),
                ("method", V::S(e.method)),
                ("path", V::S(&path)),
                ("status", V::I(status as i64)),
                ("duration_ms", V::F(lat_ms)),
            ];
            match &err {
                Some((lvl, m, inc)) => {
                    let (lvl, m, inc) = (*lvl, m.clone(), *inc);
                    self.app(sec, ms + lat as i64, backend, lvl, logger, &m, &kv);
                    if inc {
                        self.counts.incident_errors += 1;
                    }
                }
                None => {
                    let msg = if ep == EP_LOGIN { "login succeeded" } else { "request completed" };
                    self.app(sec, ms + lat as i64, backend, Lvl::Info, logger, msg, &kv);
                }
            }
            if ep == EP_CHECKOUT && status < 300 {
                let pays = self.of_role(Role::Payments);
                let ph = pays[self.rng.below(pays.len() as u64) as usize];
                let amount = 500 + self.rng.below(40_000) as i64;
                self.app(
                    sec,
                    ms + 5,
                    ph,
                    Lvl::Info,
                    "charges/handler.go:141",
                    "charge authorized",
                    &[("request_id", V::S(&rid)), ("amount_cents", V::I(amount)), ("currency", V::S("EUR"))],
                );
            }
            if ep == EP_ORDER_CREATE && status < 300 && self.rng.chance(0.7) {
                let n = self.of_role(Role::Notifier)[0];
                let at = ms + lat as i64 + 150;
                self.app(
                    sec,
                    at,
                    n,
                    Lvl::Info,
                    "notifier.jobs",
                    "order confirmation sent",
                    &[("user_id", V::I(uid)), ("template", V::S("order_confirmation_v7"))],
                );
            }
        }
        // Consequences elsewhere, after the incident is under way.
        if incident_fail && ms >= self.t.conseq {
            match self.conseq {
                Some(Conseq::DbDupKey) if self.rng.chance(0.35) => {
                    let p = self.pg_pid + 100 + self.rng.below(900) as u32;
                    let body = format!("ERROR:  duplicate key value violates unique constraint \"login_attempts_user_id_window_key\"\nDETAIL:  Key (user_id, window_start)=({uid}, {}) already exists.\nSTATEMENT:  INSERT INTO login_attempts (user_id, window_start, attempts) VALUES ($1, $2, 1)", ms / 60_000 * 60);
                    self.pg(sec, ms + 2, p, &body);
                }
                Some(Conseq::NotifierRetries) if self.rng.chance(0.3) => {
                    let n = self.of_role(Role::Notifier)[0];
                    let at = ms + 700;
                    let attempt = 1 + self.rng.below(5) as i64;
                    self.app(
                        sec,
                        at,
                        n,
                        Lvl::Error,
                        "notifier.jobs",
                        &format!("job order.status_sync failed, will retry: orders API returned {status}"),
                        &[("attempt", V::I(attempt)), ("user_id", V::I(uid))],
                    );
                }
                Some(Conseq::DbSlowQueries) if self.rng.chance(0.3) => {
                    let p = self.pg_pid + 100 + self.rng.below(900) as u32;
                    let body = format!("LOG:  duration: {}.{:03} ms  execute <unnamed>: SELECT id, name, price_cents, stock FROM catalog_items WHERE id = $1\nDETAIL:  parameters: $1 = '{}'", 1000 + self.rng.below(3000), self.rng.below(1000), 10_000 + self.rng.below(90_000));
                    self.pg(sec, ms + 2, p, &body);
                }
                _ => {}
            }
        }
        // The edge: access log always, error log for 5xx it generated itself.
        let t_done = ms + lat as i64;
        if let Some(msg) = nginx_error {
            let conn = self.hosts[proxy].conn;
            let up = self.hosts[backend].ip.clone();
            let client = client_ip(user);
            let full = format!("*{conn} {msg}, client: {client}, server: shop.example.com, request: \"{} {path} HTTP/1.1\", upstream: \"http://{up}:8080{path}\", host: \"shop.example.com\"", e.method);
            self.nginx_err(sec, t_done, proxy, "error", &full);
        }
        self.hosts[proxy].conn += 1;
        let Some(af) = self.hosts[proxy].app_file else { return };
        let bytes = match status {
            200 | 201 => 300 + self.rng.below(4000),
            401 => 87,
            404 => 153,
            _ => 157 + self.rng.below(40),
        };
        let ua = AGENTS[(user % 5) as usize];
        let client = client_ip(user);
        let variant = self.access_variant;
        let b = sec.open(t_done, af, false);
        let _ = write!(b, "{client} - - [");
        ts(b, t_done, Ts::Clf);
        let _ = write!(b, "] \"{} {path} HTTP/1.1\" {status} {bytes} \"https://shop.example.com/\" \"{ua}\"", e.method);
        if variant == 0 {
            let _ = writeln!(b, " {:.3}", lat / 1000.0);
        } else {
            let _ = writeln!(
                b,
                " rt={:.3} uct=\"0.001\" urt=\"{:.3}\" rid={rid}",
                lat / 1000.0,
                (lat - 1.0).max(0.0) / 1000.0
            );
        }
        // Symptom accounting and user retries.
        if self.fam.symptom_endpoints().contains(&ep) {
            let failed = status >= 400 && status != 404;
            if ms < self.t.change {
                self.sym[0] += 1;
                self.sym[1] += failed as u64;
            } else if ms >= self.t.onset && ms < self.t.end {
                self.sym[2] += 1;
                self.sym[3] += failed as u64;
            }
        }
        if incident_fail && retry < 2 && self.rng.chance(0.75) {
            self.retries.push((ms + 1500 + self.rng.range(0, 8000), ep, user, retry + 1));
        }
    }

    fn db_err(&mut self, pg_msg: &str) -> String {
        match self.fmt_of[self.of_role(Role::Orders)[0]] {
            AppFmt::Java => format!("org.postgresql.util.PSQLException: ERROR: {pg_msg}"),
            AppFmt::Json(_) => format!("psycopg2.errors.OperationalError: {pg_msg}"),
            _ => format!("pq: {pg_msg}"),
        }
    }
}
