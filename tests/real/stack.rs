//! A small production-like stack for the incident scenarios: nginx in front of a
//! Python service (`upstream.py`) backed by PostgreSQL or MariaDB, sshd through its
//! own rsyslog, steady client traffic and the chronic noise every real host has (an
//! ssh scanner, favicon and probe 404s, mistyped passwords, a metrics collector
//! querying a relation that was never installed, an exporter with a stale password,
//! a load balancer's TCP check). All logs land in one flat folder, as a responder
//! would copy them off the box.

use super::scenarios::*;
use super::*;
use std::sync::atomic::{AtomicBool, Ordering};

/// What the service behind nginx does on its main route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Api {
    /// `/app/login?user=U` → one PostgreSQL query.
    Login,
    /// `/app/order?item=N` → one MariaDB insert.
    Order,
}

pub struct StackOpts {
    pub api: Api,
    /// PostgreSQL settings appended to the cluster's configuration (None: no PostgreSQL).
    pub pg_conf: Option<String>,
    /// The statement of `/login` (with `%s` for the user), when not the default lookup.
    pub pg_sql: Option<String>,
    pub mariadb: bool,
    /// Some clients POST uploads of this many bytes.
    pub upload_bytes: Option<usize>,
    /// The service's log file name.
    pub app_log: &'static str,
}

/// One client request: when it was answered, what it was, and the HTTP status (0: no answer).
#[derive(Clone, Debug)]
pub struct Hit {
    pub at: Millis,
    pub route: &'static str,
    pub status: u16,
}

pub const MY_APP_PASSWORD: &str = "orders-secret";

/// Where nginx's files are and what it proxies to: enough to (re)write its configuration.
pub struct NginxSetup {
    pub port: u16,
    pub upstream_port: u16,
    pub access_log: PathBuf,
    pub error_log: PathBuf,
    bin: PathBuf,
    prefix: PathBuf,
    conf_path: PathBuf,
}

impl NginxSetup {
    /// Writes the configuration with `server_extra` inside the server block (not yet applied).
    pub fn configure(&self, server_extra: &str) -> Result<(), String> {
        let p = self.prefix.display();
        let conf = format!(
            "worker_processes 1;\nerror_log {el} notice;\npid {p}/nginx.pid;\n\
             events {{ worker_connections 256; }}\n\
             http {{\n  access_log {al} combined;\n\
               client_body_temp_path {p}/client_body; proxy_temp_path {p}/proxy;\n\
               fastcgi_temp_path {p}/fastcgi; uwsgi_temp_path {p}/uwsgi; scgi_temp_path {p}/scgi;\n\
               server {{\n    listen 127.0.0.1:{port};\n    root {p}/www;\n    {server_extra}\n\
                 location = /healthz {{ return 200 \"ok\\n\"; }}\n\
                 location /app/ {{ proxy_pass http://127.0.0.1:{up}/; proxy_read_timeout 10s; }}\n  }}\n}}\n",
            el = self.error_log.display(),
            al = self.access_log.display(),
            port = self.port,
            up = self.upstream_port,
        );
        std::fs::write(&self.conf_path, conf).map_err(|e| e.to_string())
    }

    /// `nginx -s reload`, as an operator runs it after editing the configuration.
    pub fn reload(&self) -> Result<(), String> {
        let mut cmd = Command::new(&self.bin);
        cmd.arg("-p").arg(&self.prefix).arg("-c").arg(&self.conf_path).arg("-e").arg(&self.error_log);
        cmd.args(["-s", "reload"]).env("TZ", "UTC");
        run_ok(&mut cmd, Duration::from_secs(20)).map(|_| ())
    }
}

/// nginx with a configuration the scenario rewrites and reloads like an operator would.
pub struct ProxyNginx {
    pub proc: Proc,
    pub setup: NginxSetup,
}

/// The server block's settings before any scenario edits them.
pub const NGINX_DEFAULTS: &str = "client_max_body_size 1m;";

impl ProxyNginx {
    pub fn start(w: &Workdir, logs: &Path, upstream_port: u16) -> Result<ProxyNginx, String> {
        let bin = find_bin("nginx", &["/usr/sbin/nginx"]).ok_or("nginx not installed")?;
        let prefix = w.mkdir("nginx");
        std::fs::create_dir_all(prefix.join("www")).map_err(|e| e.to_string())?;
        std::fs::write(prefix.join("www/index.html"), "hello\n").map_err(|e| e.to_string())?;
        let setup = NginxSetup {
            port: free_port(),
            upstream_port,
            access_log: logs.join("access.log"),
            error_log: logs.join("error.log"),
            conf_path: prefix.join("nginx.conf"),
            bin,
            prefix,
        };
        setup.configure(NGINX_DEFAULTS)?;
        let out_path = setup.prefix.join("nginx.out");
        let out = std::fs::File::create(&out_path).map_err(|e| e.to_string())?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        let mut cmd = Command::new(&setup.bin);
        cmd.arg("-p").arg(&setup.prefix).arg("-c").arg(&setup.conf_path).arg("-e").arg(&setup.error_log);
        cmd.args(["-g", "daemon off;"]).env("TZ", "UTC").stdin(Stdio::null()).stdout(out).stderr(err);
        let mut proc = Proc::spawn("nginx", &mut cmd, "TERM")?;
        wait_port(&mut proc, setup.port, Duration::from_secs(20), &out_path)?;
        Ok(ProxyNginx { proc, setup })
    }

    pub fn port(&self) -> u16 {
        self.setup.port
    }
}

pub struct Stack {
    pub w: Workdir,
    pub logs: PathBuf,
    pub opts: StackOpts,
    pub pg: Option<Postgres>,
    pub my: Option<Mutex<Mariadb>>,
    pub app: Mutex<Option<Upstream>>,
    pub app_port: u16,
    app_env: Vec<(&'static str, String)>,
    pub nginx: ProxyNginx,
    pub syslog: Option<Rsyslog>,
    pub sshd: Option<Sshd>,
}

/// Whether sshd with a scripted scanner can run here (root, sshd, rsyslogd).
pub fn ssh_noise_possible() -> bool {
    is_root()
        && find_bin("sshd", &["/usr/sbin/sshd"]).is_some()
        && find_bin("rsyslogd", &["/usr/sbin/rsyslogd"]).is_some()
}

impl Stack {
    pub fn start(w: Workdir, opts: StackOpts) -> Result<Stack, (Workdir, String)> {
        match Self::parts(&w, &opts) {
            Ok((logs, pg, my, app_env, up, nginx, syslog, sshd)) => Ok(Stack {
                app_port: up.port,
                app: Mutex::new(Some(up)),
                w,
                logs,
                opts,
                pg,
                my: my.map(Mutex::new),
                app_env,
                nginx,
                syslog,
                sshd,
            }),
            Err(e) => Err((w, e)),
        }
    }

    #[allow(clippy::type_complexity)]
    fn parts(
        w: &Workdir,
        opts: &StackOpts,
    ) -> Result<
        (
            PathBuf,
            Option<Postgres>,
            Option<Mariadb>,
            Vec<(&'static str, String)>,
            Upstream,
            ProxyNginx,
            Option<Rsyslog>,
            Option<Sshd>,
        ),
        String,
    > {
        let logs = w.mkdir("logs");
        let mut env: Vec<(&'static str, String)> =
            vec![("UPSTREAM_SERVICE", opts.app_log.trim_end_matches(".log").into())];
        let pg = match &opts.pg_conf {
            None => None,
            Some(conf) => {
                let mut pg = Postgres::init(w, &logs, conf)?;
                pg.start()?;
                pg.create_app()?;
                for sql in [
                    "create role metrics login password 'metrics-secret'",
                    "create role reporting login password 'reporting-secret'",
                    "create role batch login password 'batch-secret'",
                    "alter role batch set log_statement = 'all'",
                    "alter role app set lock_timeout = '2s'",
                ] {
                    pg.psql_super(sql)?;
                }
                let mut grant = pg.psql_tcp("app", PG_APP_PASSWORD, "app", "grant select, update on sessions to batch");
                run_ok(&mut grant, Duration::from_secs(30))?;
                env.push(("UPSTREAM_PSQL", pg.bindir.join("psql").display().to_string()));
                env.push(("UPSTREAM_PG_PORT", pg.port.to_string()));
                env.push(("UPSTREAM_PG_PASSWORD", PG_APP_PASSWORD.to_string()));
                if let Some(sql) = &opts.pg_sql {
                    env.push(("UPSTREAM_PG_SQL", sql.clone()));
                }
                Some(pg)
            }
        };
        let my = if opts.mariadb {
            let mut my = mariadb_init(w, &logs)?;
            my.error_log = logs.join("mysql-error.log");
            my.extra_args = vec![
                "--plugin-load-add=server_audit".into(),
                "--server-audit-logging=ON".into(),
                "--server-audit-events=CONNECT,QUERY".into(),
                format!("--server-audit-file-path={}", logs.join("server_audit.log").display()),
                "--server-audit-file-rotate-size=1000000000".into(),
            ];
            my.start()?;
            my.sql_root(&format!(
                "create database shop; create table shop.orders(id int auto_increment primary key, item int, \
                 at timestamp default current_timestamp); \
                 create user app@'127.0.0.1' identified by '{MY_APP_PASSWORD}'; \
                 grant select, insert on shop.* to app@'127.0.0.1'; \
                 create user exporter@'127.0.0.1' identified by 'exporter-current'; \
                 grant process on *.* to exporter@'127.0.0.1';"
            ))?;
            let client = find_bin("mariadb", &["/usr/bin/mariadb", "/usr/bin/mysql"]).ok_or("no mariadb client")?;
            env.push(("UPSTREAM_MYSQL", client.display().to_string()));
            env.push(("UPSTREAM_MY_PORT", my.port.to_string()));
            env.push(("UPSTREAM_MY_PASSWORD", MY_APP_PASSWORD.to_string()));
            Some(my)
        } else {
            None
        };
        let up = Upstream::start(w, &logs.join(opts.app_log), "app-1", &env)?;
        let nginx = ProxyNginx::start(w, &logs, up.port)?;
        let (syslog, sshd) = if ssh_noise_possible() {
            ensure_dev_log_mount_point()?;
            let s = Rsyslog::start_private(w, &logs)?;
            let d = Sshd::start(w, &s)?;
            (Some(s), Some(d))
        } else {
            (None, None)
        };
        Ok((logs, pg, my, env, up, nginx, syslog, sshd))
    }

    /// Steady client traffic until `stop`: mostly the main route, plus health checks,
    /// favicon and probe 404s, mistyped credentials (401) and, when set, uploads.
    pub fn traffic(&self, stop: &AtomicBool, hits: &Mutex<Vec<Hit>>) {
        let mut n: u64 = 0;
        while !stop.load(Ordering::Relaxed) {
            n += 1;
            let (route, result) = match self.opts.upload_bytes {
                Some(bytes) if n % 4 == 1 => ("upload", http_post(self.nginx.port(), "/app/upload", bytes)),
                _ => {
                    let (route, path) = if n % 10 == 3 {
                        ("favicon", "/favicon.ico".to_string())
                    } else if n % 17 == 5 {
                        ("probe", ["/wp-login.php", "/.env", "/admin/config.php"][(n / 17 % 3) as usize].to_string())
                    } else if n % 13 == 7 {
                        ("secret", "/app/secret".to_string())
                    } else if n % 6 == 0 {
                        ("health", "/healthz".to_string())
                    } else {
                        match self.opts.api {
                            Api::Login => ("api", format!("/app/login?user=u{}", n % 40)),
                            Api::Order => ("api", format!("/app/order?item={}", n % 500)),
                        }
                    };
                    (route, http_get(self.nginx.port(), &path, Duration::from_secs(15)))
                }
            };
            let hit = Hit { at: now_ms(), route, status: result.unwrap_or(0) };
            hits.lock().unwrap_or_else(|e| e.into_inner()).push(hit);
            nap(stop, Duration::from_millis(350));
        }
    }

    /// The chronic noise, each source in its own thread, until `stop`.
    pub fn noise<'s>(&'s self, scope: &'s std::thread::Scope<'s, '_>, stop: &'s AtomicBool) {
        if let Some(sshd) = &self.sshd {
            scope.spawn(move || {
                let users = ["admin", "oracle", "test", "ubuntu", "pi", "postgres", "git"];
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    let _ = sshd.failed_password(users[n % users.len()]);
                    n += 1;
                    nap(stop, Duration::from_secs(4));
                }
            });
        }
        if let Some(pg) = &self.pg {
            // A metrics collector querying an extension that was never installed.
            scope.spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let q = "select calls, total_exec_time from pg_stat_statements order by 2 desc limit 10";
                    let _ = run(&mut pg.psql_tcp("metrics", "metrics-secret", "app", q), Duration::from_secs(10));
                    nap(stop, Duration::from_secs(10));
                }
            });
        }
        if let Some(my) = &self.my {
            // An exporter with a stale password, and a load balancer's bare TCP check.
            scope.spawn(move || {
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let (mut c, port) = {
                        let m = my.lock().unwrap_or_else(|e| e.into_inner());
                        (m.tcp_client("exporter", "exporter-old"), m.port)
                    };
                    if n % 2 == 0 {
                        c.arg("-e").arg("show global status like 'Threads_connected'");
                        let _ = run(&mut c, Duration::from_secs(10));
                    }
                    let _ = std::net::TcpStream::connect_timeout(
                        &SocketAddr::from(([127, 0, 0, 1], port)),
                        Duration::from_secs(2),
                    );
                    n += 1;
                    nap(stop, Duration::from_secs(5));
                }
            });
        }
    }

    /// Kills the service behind nginx with SIGKILL (nothing restarts it).
    pub fn kill_app(&self) {
        let mut app = self.app.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(mut up) = app.take() {
            up.proc.stop_with("KILL", Duration::from_secs(5));
        }
    }

    /// Starts the service again on its old port.
    pub fn restart_app(&self) -> Result<(), String> {
        let log = self.logs.join(self.opts.app_log);
        let env: Vec<(&str, String)> = self.app_env.iter().map(|(k, v)| (*k, v.clone())).collect();
        let up = Upstream::start_on(&self.w, &log, "app-1", &env, self.app_port)?;
        *self.app.lock().unwrap_or_else(|e| e.into_inner()) = Some(up);
        Ok(())
    }

    /// Stops everything by pid, removes data directories and the second syslog copy.
    pub fn stop(mut self) -> Result<Workdir, String> {
        drop(self.sshd.take());
        drop(self.syslog.take());
        self.kill_app();
        drop(self.nginx);
        if let Some(my) = self.my.take() {
            let mut my = my.into_inner().unwrap_or_else(|e| e.into_inner());
            if my.proc.is_some() {
                my.stop()?;
            }
            let _ = std::fs::remove_dir_all(&my.data);
        }
        if let Some(mut pg) = self.pg.take() {
            pg.pg_ctl_stop("fast")?;
            let _ = std::fs::remove_dir_all(&pg.data);
        }
        let _ = std::fs::remove_file(self.logs.join("auth-rfc3339.log"));
        Ok(self.w)
    }
}

/// `mariadb-install-db`, one at a time and tried twice: two bootstraps side by side
/// have been seen to fail on this machine.
fn mariadb_init(w: &Workdir, logs: &Path) -> Result<Mariadb, String> {
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    let _g = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    Mariadb::init(w, logs).or_else(|first| {
        eprintln!("mariadb-install-db failed once, trying again: {first}");
        let _ = std::fs::remove_dir_all(w.path().join("my/data"));
        Mariadb::init(w, logs)
    })
}

/// Sleeps up to `d`, waking early when `stop` is raised.
pub fn nap(stop: &AtomicBool, d: Duration) {
    let end = Instant::now() + d;
    while !stop.load(Ordering::Relaxed) && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(100).min(end.saturating_duration_since(Instant::now())));
    }
}

/// One HTTP/1.1 POST of `bytes` bytes to 127.0.0.1:port; returns the status code. A server
/// may answer (413) before reading the body: write errors are ignored and the answer read.
pub fn http_post(port: u16, path: &str, bytes: usize) -> Result<u16, String> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(10)).map_err(|e| format!("connect: {e}"))?;
    s.set_read_timeout(Some(Duration::from_secs(15))).ok();
    s.set_write_timeout(Some(Duration::from_secs(15))).ok();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nUser-Agent: culprit-real-test/1\r\n\
         Content-Type: application/octet-stream\r\nContent-Length: {bytes}\r\nConnection: close\r\n\r\n"
    );
    let _ = s.write_all(head.as_bytes()).and_then(|_| s.write_all(&vec![b'x'; bytes]));
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf);
    text.split_whitespace().nth(1).and_then(|c| c.parse().ok()).ok_or_else(|| format!("POST {path}: no status"))
}
