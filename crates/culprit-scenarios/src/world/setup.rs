//! The shop a scenario simulates, drawn from its seed once: the incident timeline, hosts and
//! their roles, files and log formats, request rates and the red herrings.

use super::*;

impl World {
    pub(super) fn new(opts: &Options, scale: Scale, out: Option<&Path>) -> io::Result<World> {
        let fam = opts.family;
        let sample = opts.sample;
        let mut rng = Rng::new(opts.seed.wrapping_mul(31).wrapping_add(fam as u64));
        // Timeline.
        let t = if sample {
            let d = |h, m, s| civil_to_millis(2024, 1, 22, h, m, s, 0);
            Times {
                start: d(12, 0, 0),
                change: d(15, 28, 7) + 412,
                onset: d(15, 30, 0),
                mitigate: d(16, 30, 0),
                end: d(16, 45, 0),
                stop: d(17, 15, 0),
                unrelated: d(15, 21, 40) + 118,
                conseq: d(15, 31, 5),
            }
        } else {
            let year = 2023 + rng.range(0, 2);
            let day0 = civil_to_millis(year, rng.range(1, 12) as u32, rng.range(2, 28) as u32, 0, 0, 0, 0);
            let start = day0 + rng.range(5 * 60, 11 * 60) * MIN + rng.range(0, 59) * SEC;
            let change = start + rng.range(130, 200) * MIN + rng.range(0, 59_999);
            let onset = change + rng.range(30, 300) * SEC;
            let mitigate = onset + rng.range(20, 80) * MIN;
            let end = mitigate + rng.range(3, 15) * MIN;
            Times {
                start: start - scale.extra_baseline,
                change,
                onset,
                mitigate,
                end,
                stop: end + rng.range(20, 60) * MIN,
                unrelated: change - rng.range(60, 15 * 60) * SEC,
                conseq: onset + rng.range(20, 90) * SEC,
            }
        };
        let t = if fam == Family::Quiet { Times { onset: t.stop, conseq: t.stop, ..t } } else { t };

        // Topology.
        let by_host = !sample && rng.chance(0.5);
        let central_syslog = sample || !by_host;
        let counts = |rng: &mut Rng, lo, hi| rng.range(lo, hi) as usize;
        let n_proxy = if sample { 1 } else { counts(&mut rng, 1, 3) };
        let n_auth = if sample { 3 } else { counts(&mut rng, 2, 4) };
        let n_orders = if sample { 2 } else { counts(&mut rng, 2, 4) };
        let n_pay = if sample { 2 } else { counts(&mut rng, 2, 3) };
        let n_cache = if sample { 0 } else { counts(&mut rng, 2, 3) };
        let with_mysql = !sample && rng.chance(0.5);
        let mariadb = with_mysql && rng.chance(0.5);
        let chronic = if sample {
            Chronic::DbAuthFail
        } else {
            let opts: &[Chronic] = if fam == Family::DbDiskFull {
                &[Chronic::SshdBrute, Chronic::Indexer]
            } else {
                &[Chronic::DbAuthFail, Chronic::SshdBrute, Chronic::Indexer]
            };
            *rng.pick(opts)
        };
        let proxy_names = ["edge-1", "edge-2", "edge-3"];
        let mut plan: Vec<(Role, String)> = Vec::new();
        for p in proxy_names.iter().take(n_proxy) {
            plan.push((Role::Proxy, p.to_string()));
        }
        for (role, n) in [(Role::Auth, n_auth), (Role::Orders, n_orders), (Role::Payments, n_pay)] {
            for i in 1..=n {
                plan.push((role, format!("{}-{i}", role.name())));
            }
        }
        plan.push((Role::Notifier, "notifier-1".into()));
        if chronic == Chronic::Indexer {
            plan.push((Role::Indexer, "search-indexer-1".into()));
        }
        plan.push((Role::Db, "db-1".into()));
        if with_mysql {
            plan.push((Role::BillingDb, "billing-db-1".into()));
        }
        for i in 1..=n_cache {
            plan.push((Role::Cache, format!("cache-{i}")));
        }
        plan.push((Role::Monitor, "mon-1".into()));

        let mut files: Vec<OutFile> = Vec::new();
        let mut add = |rel: String, format: &'static str| -> io::Result<usize> {
            let w = match out {
                Some(dir) => {
                    let p = dir.join(&rel);
                    if let Some(parent) = p.parent() {
                        std::fs::create_dir_all(parent)?;
                    }
                    Some(BufWriter::with_capacity(256 << 10, File::create(p)?))
                }
                None => None,
            };
            files.push(OutFile { rel, format, w, lines: 0, bytes: 0, rotated: None });
            Ok(files.len() - 1)
        };
        let date = super::super::render::ts_string(t.start, Ts::Plain)[..10].to_string();
        let mut rotations = Vec::new();
        let audit_file =
            add(if by_host { "deploy/audit.jsonl".into() } else { "audit/changes.jsonl".into() }, "audit")?;
        let central = if central_syslog { Some(add("syslog/syslog".into(), "syslog")?) } else { None };
        let mut fmt_of = Vec::new();
        let mut hosts = Vec::new();
        let mut pg_file = 0;
        let mut mysql_file = None;
        let mut health_file = 0;
        let mut role_fmts: Vec<(Role, AppFmt)> = Vec::new();
        let subnet = |r: Role| match r {
            Role::Proxy => 0,
            Role::Auth => 1,
            Role::Orders => 2,
            Role::Payments => 3,
            Role::Notifier | Role::Indexer => 4,
            Role::Db | Role::BillingDb => 5,
            Role::Cache => 7,
            Role::Monitor => 9,
        };
        for (k, (role, name)) in plan.iter().enumerate() {
            let fmt = match role_fmts.iter().find(|(r, _)| r == role) {
                Some((_, f)) => *f,
                None => {
                    let f = role_fmt(&mut rng, *role, sample);
                    role_fmts.push((*role, f));
                    f
                }
            };
            let idx = hosts.iter().filter(|h: &&Host| h.role == *role).count();
            let sys_file = match central {
                Some(c) => c,
                None => add(format!("{name}/syslog"), "syslog")?,
            };
            let app_file = match role {
                Role::Proxy => {
                    let (a, e) = if by_host {
                        (format!("{name}/nginx/access.log"), format!("{name}/nginx/error.log"))
                    } else if n_proxy == 1 {
                        ("proxy/access.log".into(), "proxy/error.log".into())
                    } else {
                        (format!("proxy/{name}.access.log"), format!("proxy/{name}.error.log"))
                    };
                    let older = format!("{a}.1");
                    let a = add(a, "access")?;
                    add(e, "nginx-error")?;
                    if by_host {
                        // A busy edge's access log was rotated by size during the baseline.
                        rotations.push((a, add(older, "access")?));
                    }
                    Some(a)
                }
                Role::Db => {
                    let rel = if by_host {
                        format!("{name}/postgresql/postgresql-{date}_000000.log")
                    } else {
                        "db/postgresql.log".into()
                    };
                    pg_file = add(rel, "postgres")?;
                    None
                }
                Role::BillingDb => {
                    let rel = if by_host { format!("{name}/mysql/error.log") } else { "billing-db/mysqld.log".into() };
                    mysql_file = Some(add(rel, "mysql")?);
                    None
                }
                Role::Cache => None,
                Role::Monitor => {
                    let rel =
                        if by_host { format!("{name}/healthcheck.log") } else { "monitoring/healthcheck.log".into() };
                    health_file = add(rel, if sample || k % 2 == 0 { "json" } else { "logfmt" })?;
                    None
                }
                _ => {
                    let rel = if by_host {
                        format!("{name}/{}.log", role.name())
                    } else {
                        format!("{}/{name}.log", role.name())
                    };
                    Some(add(rel, fmt.name())?)
                }
            };
            let pid = 900 + rng.below(30_000) as u32;
            hosts.push(Host {
                name: name.clone(),
                ip: format!("10.0.{}.{}", subnet(*role), 11 + idx),
                role: *role,
                app_file,
                sys_file,
                pid,
                conn: rng.below(90_000) + 1000,
            });
            fmt_of.push(fmt);
        }
        let rotate_at = t.start + (t.change - t.start) / 3 / MIN * MIN;
        for (current, older) in rotations {
            files[current].rotated = Some((older, rotate_at));
        }
        let health_json = files[health_file].format == "json";

        // The change hits some (not all) hosts of the cause's role where the story allows.
        let of_role = |r: Role| -> Vec<usize> { (0..hosts.len()).filter(|&i| hosts[i].role == r).collect() };
        let subset = |rng: &mut Rng, v: Vec<usize>| -> Vec<usize> {
            let k = 1 + rng.below(v.len() as u64 - 1) as usize;
            let skip = rng.below((v.len() - k + 1) as u64) as usize;
            v[skip..skip + k].to_vec()
        };
        let cause_hosts = match fam {
            _ if sample => vec![of_role(Role::Auth)[1], of_role(Role::Auth)[2]],
            Family::AuthConfig | Family::ClockStep => subset(&mut rng, of_role(Role::Auth)),
            Family::DbDiskFull => of_role(Role::Db),
            Family::PoolExhaustion | Family::DnsResolver | Family::OomKill => subset(&mut rng, of_role(Role::Orders)),
            Family::LockTimeout => of_role(Role::Orders),
            Family::TlsChain => subset(&mut rng, of_role(Role::Payments)),
            Family::Firewall => subset(&mut rng, of_role(Role::Cache)),
            Family::Quiet => Vec::new(),
        };
        let p_fail = if sample {
            0.72
        } else {
            match fam {
                Family::DbDiskFull => 0.9,
                Family::LockTimeout => 0.35 + 0.2 * rng.unit(),
                _ => 0.5 + 0.4 * rng.unit(),
            }
        };
        let unrelated = if sample {
            Unrelated::DbWorkMem
        } else {
            let opts: &[Unrelated] = match fam {
                Family::DbDiskFull | Family::LockTimeout => &[Unrelated::NotifierDeploy, Unrelated::NginxReload],
                Family::DnsResolver | Family::TlsChain | Family::ClockStep => {
                    &[Unrelated::DbWorkMem, Unrelated::NginxReload]
                }
                _ => &[Unrelated::DbWorkMem, Unrelated::NotifierDeploy, Unrelated::NginxReload],
            };
            *rng.pick(opts)
        };
        let base_rps = if sample { 0.62 } else { 1.2 + 2.0 * rng.unit() };
        let rps = base_rps * scale.rps_mul;
        let n_role = |r: Role| hosts.iter().filter(|h| h.role == r).count() as f64;
        // Expected error lines of the incident, to make the chronic source louder than it.
        let total_w: u32 = ENDPOINTS.iter().map(|e| e.weight).sum();
        let sym_w: u32 = fam.symptom_endpoints().iter().map(|&e| ENDPOINTS[e].weight).sum();
        let host_frac = match fam {
            Family::AuthConfig | Family::ClockStep => cause_hosts.len() as f64 / n_role(Role::Auth),
            Family::PoolExhaustion | Family::DnsResolver => cause_hosts.len() as f64 / n_role(Role::Orders),
            Family::OomKill => 0.45 * cause_hosts.len() as f64 / n_role(Role::Orders),
            Family::TlsChain => cause_hosts.len() as f64 / n_role(Role::Payments),
            Family::Firewall => cause_hosts.len() as f64 / n_role(Role::Cache),
            _ => 1.0,
        };
        let inc_secs = ((t.end - t.onset).max(0) / SEC) as f64;
        let all_secs = ((t.stop - t.start) / SEC) as f64;
        let expected = rps * sym_w as f64 / total_w as f64 * host_frac * p_fail * 1.6 * 3.5 * inc_secs
            + if fam == Family::DbDiskFull { 0.05 * inc_secs } else { 0.0 };
        let per_event = if chronic == Chronic::SshdBrute { 2.0 } else { 1.0 };
        let chronic_rate = if sample { 0.21 } else { (2.0 * expected / all_secs / per_event).max(0.03 * rps) };
        let skew = if fam == Family::ClockStep {
            (t.onset - 2 * SEC, t.mitigate + 20 * SEC, rng.range(120_000, 600_000))
        } else {
            (0, 0, 0)
        };
        let change_id = if sample { "CHG-4411".to_string() } else { format!("CHG-{}", rng.range(1200, 9800)) };
        let pg_pid = 900 + rng.below(2000) as u32;
        let xid = 4_000_000 + rng.below(40_000_000);
        let syslog_iso = sample || rng.chance(0.4);
        let noise = if sample { 1.0 } else { 0.5 + 2.5 * rng.unit() };
        Ok(World {
            fam,
            sample,
            access_variant: if sample { 0 } else { rng.below(2) as u8 },
            audit_variant: if sample { 0 } else { rng.below(2) as u8 },
            rng,
            t,
            hosts,
            files,
            fmt_of,
            rps,
            cause_hosts,
            p_fail,
            chronic,
            chronic_rate,
            unrelated,
            conseq: fam.consequence(),
            sched: Vec::new(),
            sched_next: 0,
            retries: Vec::new(),
            down: Vec::new(),
            skew,
            audit_file,
            pg_file,
            mysql_file,
            mariadb,
            health_file,
            health_json,
            syslog_iso,
            noise,
            pg_pid,
            xid,
            counts: Counts::default(),
            sym: [0; 4],
            trigger: None,
            change_id,
        })
    }
}

fn role_fmt(rng: &mut Rng, role: Role, sample: bool) -> AppFmt {
    match role {
        Role::Auth if sample => AppFmt::Json(0),
        Role::Orders if sample => AppFmt::Java,
        Role::Auth => AppFmt::Json(rng.below(4) as u8),
        Role::Orders => *rng.pick(&[AppFmt::Logfmt(0), AppFmt::Logfmt(1), AppFmt::Java, AppFmt::Json(2)]),
        Role::Payments => *rng.pick(&[AppFmt::Klog, AppFmt::Json(3)]),
        Role::Notifier => *rng.pick(&[AppFmt::Json(1), AppFmt::Logfmt(0)]),
        Role::Indexer => AppFmt::Java,
        _ => AppFmt::Json(0),
    }
}
