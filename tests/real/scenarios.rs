//! One type per real server: how to configure it into a [`Workdir`], start it on
//! loopback, drive it with its own client, and stop it.

use super::*;

// ---------------------------------------------------------------- rsyslog + sshd

/// Only one rsyslog may own `/dev/log` at a time; tests that need it take this lock.
pub static SYSLOG_LOCK: Mutex<()> = Mutex::new(());

/// How sshd's syslog(3) calls reach our rsyslog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DevLog {
    /// `/dev/log` was free: rsyslog listens on it directly (and removes it on exit).
    Direct,
    /// `/dev/log` is taken (a system logger runs): rsyslog listens on a socket in the
    /// workdir, and sshd runs in a private mount namespace where that socket is
    /// bind-mounted over `/dev/log`, so the system logger is left alone.
    BindMount(PathBuf),
}

/// rsyslogd with its own configuration, writing auth/authpriv lines into two files:
/// `auth.log` (RSYSLOG_TraditionalFileFormat) and `auth-rfc3339.log` (RSYSLOG_FileFormat).
pub struct Rsyslog {
    pub proc: Proc,
    pub dev_log: DevLog,
    pub traditional: PathBuf,
    pub rfc3339: PathBuf,
    _lock: Option<std::sync::MutexGuard<'static, ()>>,
}

/// Makes sure `/dev/log` exists as a mount point for private sockets: when no system logger
/// runs, an empty placeholder file is created (under [`SYSLOG_LOCK`], so no rsyslog of ours
/// owns the path meanwhile). From then on every rsyslog of this process takes the bind-mount
/// path, and several can run side by side. [`remove_dev_log_placeholder`] takes it away.
pub fn ensure_dev_log_mount_point() -> Result<(), String> {
    let _g = SYSLOG_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    if !Path::new("/dev/log").exists() {
        std::fs::write("/dev/log", b"").map_err(|e| format!("placeholder /dev/log: {e}"))?;
    }
    Ok(())
}

/// Removes the placeholder `/dev/log` if it is still the empty regular file
/// [`ensure_dev_log_mount_point`] made (a real logger's socket is left alone).
pub fn remove_dev_log_placeholder() {
    let _g = SYSLOG_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    if std::fs::symlink_metadata("/dev/log").is_ok_and(|m| m.is_file() && m.len() == 0) {
        let _ = std::fs::remove_file("/dev/log");
    }
}

impl Rsyslog {
    pub fn start(w: &Workdir, log_dir: &Path) -> Result<Rsyslog, String> {
        Self::start_with(w, log_dir, false)
    }

    /// An rsyslog on its own socket (sshd bind-mounts it over `/dev/log` in a private mount
    /// namespace), so that scenarios running side by side each get their own auth.log.
    /// Needs [`ensure_dev_log_mount_point`] first.
    pub fn start_private(w: &Workdir, log_dir: &Path) -> Result<Rsyslog, String> {
        Self::start_with(w, log_dir, true)
    }

    fn start_with(w: &Workdir, log_dir: &Path, private: bool) -> Result<Rsyslog, String> {
        let bin = find_bin("rsyslogd", &["/usr/sbin/rsyslogd"]).ok_or("rsyslogd not installed")?;
        let lock = (!private).then(|| SYSLOG_LOCK.lock().unwrap_or_else(|e| e.into_inner()));
        let dir = w.path();
        let dev_log = if private || Path::new("/dev/log").exists() {
            DevLog::BindMount(dir.join("log.sock"))
        } else {
            DevLog::Direct
        };
        // Rate limiting off: the scripted scanner must not lose lines.
        let input = match &dev_log {
            DevLog::Direct => {
                r#"module(load="imuxsock" SysSock.Name="/dev/log" SysSock.RateLimit.Interval="0")"#.to_string()
            }
            DevLog::BindMount(sock) => format!(
                "module(load=\"imuxsock\" SysSock.Use=\"off\")\ninput(type=\"imuxsock\" Socket=\"{}\" RateLimit.Interval=\"0\")",
                sock.display()
            ),
        };
        let traditional = log_dir.join("auth.log");
        let rfc3339 = log_dir.join("auth-rfc3339.log");
        let conf = format!(
            "global(workDirectory=\"{dir}\")\n{input}\n\
             auth,authpriv.* action(type=\"omfile\" file=\"{t}\" template=\"RSYSLOG_TraditionalFileFormat\")\n\
             auth,authpriv.* action(type=\"omfile\" file=\"{r}\" template=\"RSYSLOG_FileFormat\")\n",
            dir = dir.display(),
            t = traditional.display(),
            r = rfc3339.display(),
        );
        let conf_path = w.write("rsyslog.conf", &conf);
        let out = std::fs::File::create(dir.join("rsyslogd.out")).map_err(|e| e.to_string())?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        let mut cmd = Command::new(bin);
        cmd.arg("-n").arg("-f").arg(&conf_path).arg("-i").arg(dir.join("rsyslogd.pid"));
        cmd.env("TZ", "UTC").stdin(Stdio::null()).stdout(out).stderr(err);
        let mut proc = Proc::spawn("rsyslogd", &mut cmd, "TERM")?;
        let sock = match &dev_log {
            DevLog::Direct => PathBuf::from("/dev/log"),
            DevLog::BindMount(s) => s.clone(),
        };
        if !wait_until(Duration::from_secs(10), || sock.exists() || !proc.alive()) || !proc.alive() {
            return Err(format!(
                "rsyslogd did not create {}: {}",
                sock.display(),
                read_lossy(&dir.join("rsyslogd.out"))
            ));
        }
        Ok(Rsyslog { proc, dev_log, traditional, rfc3339, _lock: lock })
    }
}

/// sshd on a loopback port with a throwaway host key, logging to syslog (AUTH, INFO).
pub struct Sshd {
    pub proc: Proc,
    pub port: u16,
    pub client_key: PathBuf,
    pub askpass: PathBuf,
}

impl Sshd {
    pub fn start(w: &Workdir, syslog: &Rsyslog) -> Result<Sshd, String> {
        let sshd = find_bin("sshd", &["/usr/sbin/sshd"]).ok_or("sshd not installed")?;
        let keygen = find_bin("ssh-keygen", &["/usr/bin/ssh-keygen"]).ok_or("ssh-keygen not installed")?;
        let dir = w.path().join("ssh");
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        for key in ["host_key", "client_key"] {
            run_ok(
                Command::new(&keygen)
                    .args(["-q", "-t", "ed25519", "-N", "", "-C", "culprit-test", "-f"])
                    .arg(dir.join(key)),
                Duration::from_secs(20),
            )?;
        }
        std::fs::copy(dir.join("client_key.pub"), dir.join("authorized_keys")).map_err(|e| e.to_string())?;
        let askpass = dir.join("askpass");
        std::fs::write(&askpass, "#!/bin/sh\necho not-the-password\n").map_err(|e| e.to_string())?;
        std::fs::set_permissions(&askpass, std::fs::Permissions::from_mode(0o755)).map_err(|e| e.to_string())?;
        // sshd's privilege separation needs this directory (the packaged service creates it at boot).
        std::fs::create_dir_all("/run/sshd").map_err(|e| format!("/run/sshd: {e}"))?;
        let port = free_port();
        let conf = format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/host_key\nPidFile {d}/sshd.pid\n\
             SyslogFacility AUTH\nLogLevel INFO\nAuthorizedKeysFile {d}/authorized_keys\nStrictModes no\n\
             PermitRootLogin prohibit-password\nUsePAM yes\nPasswordAuthentication yes\n\
             KbdInteractiveAuthentication no\nMaxStartups 50\nPrintMotd no\n",
            d = dir.display()
        );
        let conf_path = dir.join("sshd_config");
        std::fs::write(&conf_path, conf).map_err(|e| e.to_string())?;
        let out = std::fs::File::create(dir.join("sshd.out")).map_err(|e| e.to_string())?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        let mut cmd = match &syslog.dev_log {
            DevLog::Direct => Command::new(&sshd),
            DevLog::BindMount(sock) => {
                let mut c = Command::new("unshare");
                c.args(["--mount", "--propagation", "private", "--", "sh", "-c"])
                    .arg("mount --bind \"$0\" /dev/log && exec \"$@\"")
                    .arg(sock)
                    .arg(&sshd);
                c
            }
        };
        cmd.arg("-D").arg("-f").arg(&conf_path).env("TZ", "UTC").stdin(Stdio::null()).stdout(out).stderr(err);
        let mut proc = Proc::spawn("sshd", &mut cmd, "TERM")?;
        // Ready when it says so through syslog (which also proves the logging path). A probe of the
        // port would itself be logged as a dropped connection.
        let listening = format!("Server listening on 127.0.0.1 port {port}.");
        let up = wait_until(Duration::from_secs(20), || {
            count_containing(&lines(&syslog.traditional), &listening) > 0 || !proc.alive()
        });
        if !up || !proc.alive() {
            return Err(format!(
                "sshd did not report listening through rsyslog: {}\n{}",
                read_lossy(&dir.join("sshd.out")),
                read_lossy(&syslog.traditional)
            ));
        }
        Ok(Sshd { proc, port, client_key: dir.join("client_key"), askpass })
    }

    fn client(&self) -> Command {
        let mut c = Command::new("ssh");
        c.args(["-F", "/dev/null", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"])
            .args(["-o", "LogLevel=ERROR", "-o", "ConnectTimeout=10", "-p"])
            .arg(self.port.to_string());
        c
    }

    /// A successful public-key login as root that runs `true`.
    pub fn key_login(&self) -> Result<(), String> {
        let mut c = self.client();
        c.args(["-o", "BatchMode=yes", "-o", "PasswordAuthentication=no", "-o", "IdentitiesOnly=yes"])
            .args(["-o", "IdentityAgent=none", "-i"])
            .arg(&self.client_key)
            .args(["root@127.0.0.1", "true"]);
        run_ok(&mut c, Duration::from_secs(30)).map(|_| ())
    }

    /// One wrong password for `user` (fed by SSH_ASKPASS); the login must be refused.
    pub fn failed_password(&self, user: &str) -> Result<(), String> {
        let mut c = self.client();
        c.args(["-o", "PreferredAuthentications=password", "-o", "PubkeyAuthentication=no"])
            .args(["-o", "NumberOfPasswordPrompts=1"])
            .arg(format!("{user}@127.0.0.1"))
            .arg("true")
            .env("SSH_ASKPASS", &self.askpass)
            .env("SSH_ASKPASS_REQUIRE", "force")
            .env("DISPLAY", ":0");
        let (st, _, err) = run(&mut c, Duration::from_secs(30))?;
        if st.success() || !err.contains("Permission denied") {
            return Err(format!("wrong password for {user} was not refused: {st} {err}"));
        }
        Ok(())
    }
}

// ---------------------------------------------------------------- PostgreSQL

/// A throwaway PostgreSQL cluster: initdb'ed into the workdir, the postmaster run
/// as our child (so its pid is known), stopped with pg_ctl like an operator would.
pub struct Postgres {
    pub bindir: PathBuf,
    pub data: PathBuf,
    pub sock: PathBuf,
    pub log_dir: PathBuf,
    pub port: u16,
    pub ids: Option<(u32, u32)>,
    pub home: PathBuf,
    pub proc: Option<Proc>,
    starts: u32,
}

/// The password of the `app` role the tests log in with.
pub const PG_APP_PASSWORD: &str = "app-secret";

impl Postgres {
    /// initdb, then append `conf` to postgresql.conf. Logs go to `log_dir`.
    pub fn init(w: &Workdir, log_dir: &Path, conf: &str) -> Result<Postgres, String> {
        let bindir = postgres_bindir().ok_or("PostgreSQL server binaries not installed")?;
        let root = w.mkdir("pg");
        let sock = w.mkdir("pg/sock");
        let data = root.join("data");
        let pw = w.write("pg/pwfile", "superuser-secret\n");
        let mut cmd = Command::new(bindir.join("initdb"));
        cmd.arg("-D").arg(&data).args(["-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256"]);
        cmd.arg(format!("--pwfile={}", pw.display())).args(["-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]);
        as_service(&mut cmd, w.ids, &root);
        run_ok(&mut cmd, Duration::from_secs(120))?;
        let port = free_port();
        let base = format!(
            "\n# culprit integration test\nport = {port}\nlisten_addresses = '127.0.0.1'\n\
             unix_socket_directories = '{sock}'\nlogging_collector = on\nlog_directory = '{logs}'\n\
             log_filename = 'postgres.log'\nlog_line_prefix = '%m [%p] '\nlog_timezone = 'UTC'\n\
             shared_buffers = '16MB'\nfsync = off\n{conf}\n",
            sock = sock.display(),
            logs = log_dir.display(),
        );
        let conf_path = data.join("postgresql.conf");
        let mut text = std::fs::read_to_string(&conf_path).map_err(|e| e.to_string())?;
        text.push_str(&base);
        std::fs::write(&conf_path, text).map_err(|e| e.to_string())?;
        Ok(Postgres {
            bindir,
            data,
            sock,
            log_dir: log_dir.to_path_buf(),
            port,
            ids: w.ids,
            home: root,
            proc: None,
            starts: 0,
        })
    }

    pub fn start(&mut self) -> Result<(), String> {
        self.starts += 1;
        let out_path = self.home.join(format!("postmaster-{}.out", self.starts));
        let out = std::fs::File::create(&out_path).map_err(|e| e.to_string())?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        let mut cmd = Command::new(self.bindir.join("postgres"));
        cmd.arg("-D").arg(&self.data).stdin(Stdio::null()).stdout(out).stderr(err);
        as_service(&mut cmd, self.ids, &self.home);
        // SIGINT is PostgreSQL's fast shutdown.
        let mut p = Proc::spawn("postgres", &mut cmd, "INT")?;
        // Ready when a query runs over the Unix socket (a TCP probe would be logged as a connection).
        let ready = wait_until(Duration::from_secs(90), || !p.alive() || self.psql_super("select 1").is_ok());
        let alive = p.alive();
        self.proc = Some(p);
        if !ready || !alive {
            return Err(format!("postgres never accepted queries: {}", read_lossy(&out_path)));
        }
        Ok(())
    }

    /// `pg_ctl stop -m MODE`, then reaps the postmaster.
    pub fn pg_ctl_stop(&mut self, mode: &str) -> Result<(), String> {
        let mut cmd = Command::new(self.bindir.join("pg_ctl"));
        cmd.arg("stop").arg("-D").arg(&self.data).args(["-m", mode, "-w", "-t", "60"]);
        as_service(&mut cmd, self.ids, &self.home);
        run_ok(&mut cmd, Duration::from_secs(90))?;
        if let Some(mut p) = self.proc.take() {
            if p.wait_exit(Duration::from_secs(30)).is_none() {
                return Err("postmaster still running after pg_ctl stop".into());
            }
        }
        Ok(())
    }

    /// psql as the superuser over the Unix socket (trust).
    pub fn psql_super(&self, sql: &str) -> Result<String, String> {
        let mut cmd = Command::new(self.bindir.join("psql"));
        cmd.args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h"]).arg(&self.sock);
        cmd.args(["-p", &self.port.to_string(), "-U", "postgres", "-d", "postgres", "-c", sql]);
        cmd.env("HOME", &self.home);
        run_ok(&mut cmd, Duration::from_secs(60))
    }

    /// A psql over TCP with password authentication (not yet run).
    pub fn psql_tcp(&self, user: &str, password: &str, db: &str, sql: &str) -> Command {
        let mut cmd = Command::new(self.bindir.join("psql"));
        cmd.args(["-X", "-q", "-A", "-t", "-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", user, "-d", db]);
        cmd.arg("-c").arg(sql).env("PGPASSWORD", password).env("PGCONNECT_TIMEOUT", "10").env("HOME", &self.home);
        cmd.stdin(Stdio::null());
        cmd
    }

    /// Creates the `app` role and database, with a `sessions` table the login upstream reads.
    pub fn create_app(&self) -> Result<(), String> {
        self.psql_super(&format!("create role app login password '{PG_APP_PASSWORD}'"))?;
        self.psql_super("create database app owner app")?;
        let mut c = self.psql_tcp(
            "app",
            PG_APP_PASSWORD,
            "app",
            "create table sessions(login text primary key, seen timestamptz default now()); \
             create table t(id int primary key, v int); insert into t values (1, 0), (2, 0);",
        );
        run_ok(&mut c, Duration::from_secs(60)).map(|_| ())
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        // The Proc guard stops the postmaster with SIGINT (fast shutdown).
        self.proc.take();
    }
}

// ---------------------------------------------------------------- MariaDB

pub struct Mariadb {
    pub data: PathBuf,
    pub sock: PathBuf,
    pub port: u16,
    pub error_log: PathBuf,
    pub ids: Option<(u32, u32)>,
    pub home: PathBuf,
    pub proc: Option<Proc>,
    /// More server options (plugins, say), appended to the command line.
    pub extra_args: Vec<String>,
    bin: PathBuf,
    client: PathBuf,
}

impl Mariadb {
    pub fn init(w: &Workdir, log_dir: &Path) -> Result<Mariadb, String> {
        let bin = find_bin("mariadbd", &["/usr/sbin/mariadbd", "/usr/sbin/mysqld"]).ok_or("mariadbd not installed")?;
        let install = find_bin("mariadb-install-db", &["/usr/bin/mariadb-install-db"])
            .ok_or("mariadb-install-db not installed")?;
        let client =
            find_bin("mariadb", &["/usr/bin/mariadb", "/usr/bin/mysql"]).ok_or("mariadb client not installed")?;
        let home = w.mkdir("my");
        let data = home.join("data");
        let mut cmd = Command::new(install);
        cmd.arg("--no-defaults").arg(format!("--datadir={}", data.display()));
        cmd.args(["--auth-root-authentication-method=normal", "--skip-test-db"]);
        as_service(&mut cmd, w.ids, &home);
        run_ok(&mut cmd, Duration::from_secs(180))?;
        Ok(Mariadb {
            sock: home.join("mysqld.sock"),
            port: free_port(),
            error_log: log_dir.join("error.log"),
            ids: w.ids,
            data,
            home,
            proc: None,
            extra_args: Vec::new(),
            bin,
            client,
        })
    }

    pub fn start(&mut self) -> Result<(), String> {
        let out_path = self.home.join("mariadbd.out");
        let out = std::fs::File::create(&out_path).map_err(|e| e.to_string())?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        let mut cmd = Command::new(&self.bin);
        cmd.arg("--no-defaults")
            .arg(format!("--datadir={}", self.data.display()))
            .arg(format!("--socket={}", self.sock.display()))
            .arg(format!("--port={}", self.port))
            .arg("--bind-address=127.0.0.1")
            .arg(format!("--log-error={}", self.error_log.display()))
            .arg(format!("--pid-file={}", self.home.join("mariadbd.pid").display()))
            .args(["--log-warnings=2", "--skip-name-resolve", "--innodb-buffer-pool-size=16M"])
            .args(&self.extra_args)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        as_service(&mut cmd, self.ids, &self.home);
        // Readiness from the log, not by probing the port: a probe is itself logged as an aborted connection.
        let ready = |log: &Path| count_containing(&lines(log), ": ready for connections.");
        let before = ready(&self.error_log);
        let mut p = Proc::spawn("mariadbd", &mut cmd, "TERM")?;
        if !wait_until(Duration::from_secs(90), || ready(&self.error_log) > before || !p.alive()) || !p.alive() {
            return Err(format!("mariadbd did not start:\n{}", read_lossy(&self.error_log)));
        }
        self.proc = Some(p);
        Ok(())
    }

    /// SIGTERM (MariaDB's normal shutdown) and wait for the exit.
    pub fn stop(&mut self) -> Result<(), String> {
        let mut p = self.proc.take().ok_or("mariadbd not running")?;
        match p.stop_with("TERM", Duration::from_secs(60)) {
            Some(st) if st.success() => Ok(()),
            other => Err(format!("mariadbd stop: {other:?}")),
        }
    }

    /// The client as root over the Unix socket.
    pub fn sql_root(&self, sql: &str) -> Result<String, String> {
        let mut c = Command::new(&self.client);
        c.arg("--no-defaults").arg(format!("--socket={}", self.sock.display())).args(["-u", "root", "-e", sql]);
        run_ok(&mut c, Duration::from_secs(60))
    }

    /// The client over TCP (not yet run).
    pub fn tcp_client(&self, user: &str, password: &str) -> Command {
        let mut c = Command::new(&self.client);
        c.arg("--no-defaults").args(["-h", "127.0.0.1", "-P", &self.port.to_string(), "-u", user]);
        c.arg(format!("-p{password}"));
        c
    }
}

impl Drop for Mariadb {
    fn drop(&mut self) {
        self.proc.take();
    }
}

// ---------------------------------------------------------------- nginx and its upstream

/// `tests/real/upstream.py`: the stdlib HTTP upstream (and login service) nginx proxies to.
pub struct Upstream {
    pub proc: Proc,
    pub port: u16,
    pub log: PathBuf,
}

impl Upstream {
    pub fn start(w: &Workdir, log: &Path, host_name: &str, env: &[(&str, String)]) -> Result<Upstream, String> {
        Self::start_on(w, log, host_name, env, free_port())
    }

    /// Like [`Upstream::start`] on a given port (a restart where the proxy expects it).
    pub fn start_on(
        w: &Workdir,
        log: &Path,
        host_name: &str,
        env: &[(&str, String)],
        port: u16,
    ) -> Result<Upstream, String> {
        let python = find_bin("python3", &["/usr/bin/python3"]).ok_or("python3 not installed")?;
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/real/upstream.py");
        let out_path = w.path().join(format!("upstream-{port}.out"));
        let out = std::fs::File::create(&out_path).map_err(|e| e.to_string())?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        let mut cmd = Command::new(python);
        cmd.arg(script).arg(port.to_string()).arg(log).arg(host_name);
        cmd.env("TZ", "UTC").env("PYTHONDONTWRITEBYTECODE", "1").stdin(Stdio::null()).stdout(out).stderr(err);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut proc = Proc::spawn("upstream.py", &mut cmd, "TERM")?;
        wait_port(&mut proc, port, Duration::from_secs(20), &out_path)?;
        // The port answers HTTP from our script, not from some other listener.
        match http_get(port, "/ok", Duration::from_secs(10)) {
            Ok(200) if proc.alive() => {}
            other => return Err(format!("upstream on {port} is not ours: {other:?}; {}", read_lossy(&out_path))),
        }
        Ok(Upstream { proc, port, log: log.to_path_buf() })
    }
}

/// nginx on a loopback port: `/app/` → the upstream (1 s read timeout, so slow
/// answers become 504), `/down/` → a port nothing listens on (502), anything else
/// static files from an empty root (404).
pub struct Nginx {
    pub proc: Proc,
    pub port: u16,
    pub access_log: PathBuf,
    pub error_log: PathBuf,
}

impl Nginx {
    pub fn start(w: &Workdir, log_dir: &Path, upstream_port: u16) -> Result<Nginx, String> {
        let bin = find_bin("nginx", &["/usr/sbin/nginx"]).ok_or("nginx not installed")?;
        let prefix = w.mkdir("nginx");
        std::fs::create_dir_all(prefix.join("www")).map_err(|e| e.to_string())?;
        std::fs::write(prefix.join("www/index.html"), "hello\n").map_err(|e| e.to_string())?;
        let port = free_port();
        let dead = free_port();
        let access_log = log_dir.join("access.log");
        let error_log = log_dir.join("error.log");
        let p = prefix.display();
        let conf = format!(
            "worker_processes 1;\nerror_log {el} warn;\n\
             events {{ worker_connections 128; }}\n\
             http {{\n  access_log {al} combined;\n\
               client_body_temp_path {p}/client_body; proxy_temp_path {p}/proxy;\n\
               fastcgi_temp_path {p}/fastcgi; uwsgi_temp_path {p}/uwsgi; scgi_temp_path {p}/scgi;\n\
               server {{\n    listen 127.0.0.1:{port};\n    root {p}/www;\n\
                 location /app/ {{ proxy_pass http://127.0.0.1:{upstream_port}/; proxy_read_timeout 1s; }}\n\
                 location /down/ {{ proxy_pass http://127.0.0.1:{dead}/; }}\n  }}\n}}\n",
            el = error_log.display(),
            al = access_log.display(),
        );
        let conf_path = prefix.join("nginx.conf");
        std::fs::write(&conf_path, conf).map_err(|e| e.to_string())?;
        let out_path = prefix.join("nginx.out");
        let out = std::fs::File::create(&out_path).map_err(|e| e.to_string())?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        let mut cmd = Command::new(bin);
        cmd.arg("-p").arg(&prefix).arg("-c").arg(&conf_path).arg("-e").arg(&error_log);
        cmd.arg("-g").arg(format!("daemon off; pid {p}/nginx.pid;"));
        cmd.env("TZ", "UTC").stdin(Stdio::null()).stdout(out).stderr(err);
        let mut proc = Proc::spawn("nginx", &mut cmd, "TERM")?;
        wait_port(&mut proc, port, Duration::from_secs(20), &out_path)?;
        Ok(Nginx { proc, port, access_log, error_log })
    }
}
