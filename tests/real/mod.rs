//! Harness for the integration tests against real servers: start sshd (through
//! rsyslog), PostgreSQL, MariaDB and nginx as child processes on loopback, each
//! writing its logs into a temporary folder, and stop them by pid when done —
//! also when a test panics (every process sits in a [`Proc`] guard).
//!
//! Servers that refuse to run as root (PostgreSQL, MariaDB) run as a system
//! user created on demand; nothing is installed or started outside the
//! temporary folders, except sshd's privilege separation directory
//! (`/run/sshd`) and rsyslog's `/dev/log` socket, which rsyslog removes on exit.

#![allow(dead_code)]

pub mod incident_checks;
pub mod incidents;
pub mod scenarios;
pub mod stack;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use culprit::format::{LineKind, ParseCtx, Parsed, Parser};
use culprit::index::{Index, IndexOptions};
use culprit::rules::RuleSet;
use culprit::time::Millis;

/// The system user that runs servers which refuse root.
pub const SERVICE_USER: &str = "culprit-test";

/// Prints why a test is skipped; the test then returns early and passes.
pub fn skip(why: &str) {
    eprintln!("skipped: {why}");
}

pub fn now_ms() -> Millis {
    chrono::Utc::now().timestamp_millis()
}

pub fn is_root() -> bool {
    std::fs::metadata("/proc/self").map(|m| m.uid() == 0).unwrap_or(false)
}

/// The first existing path among `candidates`, or `name` found on PATH.
pub fn find_bin(name: &str, candidates: &[&str]) -> Option<PathBuf> {
    for c in candidates {
        let p = Path::new(c);
        if p.is_file() {
            return Some(p.to_path_buf());
        }
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(name)).find(|p| p.is_file())
}

/// PostgreSQL's server binaries live in a versioned folder on Debian; take the newest.
pub fn postgres_bindir() -> Option<PathBuf> {
    let mut dirs: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("postgres").is_file().then_some((v, bin))
        })
        .collect();
    dirs.sort();
    if let Some((_, d)) = dirs.pop() {
        return Some(d);
    }
    find_bin("pg_ctl", &[]).and_then(|p| p.parent().map(Path::to_path_buf))
}

/// uid/gid to run unprivileged servers with, when we are root (None: run as ourselves).
pub fn service_ids() -> Result<Option<(u32, u32)>, String> {
    static CREATE: Mutex<()> = Mutex::new(());
    if !is_root() {
        return Ok(None);
    }
    let _g = CREATE.lock().unwrap_or_else(|e| e.into_inner());
    let id = |flag: &str| -> Option<u32> {
        let out = Command::new("id").arg(flag).arg(SERVICE_USER).stderr(Stdio::null()).output().ok()?;
        if !out.status.success() {
            return None;
        }
        String::from_utf8_lossy(&out.stdout).trim().parse().ok()
    };
    if id("-u").is_none() {
        let st = Command::new("useradd")
            .args(["--system", "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin"])
            .arg(SERVICE_USER)
            .status()
            .map_err(|e| format!("useradd: {e}"))?;
        if !st.success() && id("-u").is_none() {
            return Err(format!("useradd {SERVICE_USER} failed: {st}"));
        }
    }
    match (id("-u"), id("-g")) {
        (Some(u), Some(g)) => Ok(Some((u, g))),
        _ => Err(format!("cannot read the ids of {SERVICE_USER}")),
    }
}

/// Makes `cmd` run as the service user (when root), with a predictable environment.
pub fn as_service(cmd: &mut Command, ids: Option<(u32, u32)>, home: &Path) {
    if let Some((u, g)) = ids {
        cmd.uid(u).gid(g);
    }
    // The test's own working directory may not be readable by the service user.
    cmd.current_dir(home).env("HOME", home).env("TZ", "UTC").env("LC_ALL", "C.UTF-8");
}

/// A folder for one scenario: world-traversable and owned by the service user so that
/// unprivileged servers can write their logs and data below it.
pub struct Workdir {
    pub dir: tempfile::TempDir,
    pub ids: Option<(u32, u32)>,
    keep: std::sync::atomic::AtomicBool,
}

impl Drop for Workdir {
    fn drop(&mut self) {
        // A failed scenario keeps its files (configs, server output, logs) for diagnosis.
        if std::thread::panicking() || self.keep.load(std::sync::atomic::Ordering::Relaxed) {
            self.dir.disable_cleanup(true);
            eprintln!("kept {} for inspection", self.path().display());
        }
    }
}

impl Workdir {
    pub fn new(name: &str, ids: Option<(u32, u32)>) -> Workdir {
        sweep_stale_workdirs();
        let prefix = format!("culprit-real-{}-{name}-", std::process::id());
        let dir = tempfile::Builder::new().prefix(&prefix).tempdir().expect("temp dir");
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod temp dir");
        let w = Workdir { dir, ids, keep: Default::default() };
        w.own(w.path());
        w
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Marks the folder to be kept and names it in the error.
    pub fn failed(&self, e: impl std::fmt::Display) -> String {
        self.keep.store(true, std::sync::atomic::Ordering::Relaxed);
        format!("{e} (files kept in {})", self.path().display())
    }

    /// Creates `rel` (and parents) owned by the service user.
    pub fn mkdir(&self, rel: &str) -> PathBuf {
        let p = self.path().join(rel);
        std::fs::create_dir_all(&p).expect("mkdir");
        let mut cur = p.as_path();
        while cur != self.path() {
            self.own(cur);
            cur = cur.parent().expect("inside workdir");
        }
        p
    }

    pub fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.path().join(rel);
        std::fs::write(&p, text).expect("write file");
        self.own(&p);
        p
    }

    pub fn own(&self, p: &Path) {
        if let Some((u, g)) = self.ids {
            std::os::unix::fs::chown(p, Some(u), Some(g)).expect("chown");
        }
    }
}

/// Scenario folders shared by several tests live as long as the test process and are
/// left behind (small: data directories are removed, logs kept for inspection). The
/// next run removes those whose process is gone.
fn sweep_stale_workdirs() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else { return };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let Some(rest) = name.strip_prefix("culprit-real-") else { continue };
            let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else { continue };
            if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    });
}

/// A running server. Dropping it stops the process by its pid: first with the
/// server's polite stop signal, then SIGKILL after a grace period.
pub struct Proc {
    pub name: String,
    child: Option<Child>,
    stop_signal: &'static str,
}

impl Proc {
    pub fn spawn(name: &str, cmd: &mut Command, stop_signal: &'static str) -> Result<Proc, String> {
        let child = cmd.spawn().map_err(|e| format!("starting {name} ({cmd:?}): {e}"))?;
        Ok(Proc { name: name.to_string(), child: Some(child), stop_signal })
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(|c| c.id()).unwrap_or(0)
    }

    pub fn signal(&self, sig: &str) {
        if let Some(c) = &self.child {
            let _ = Command::new("kill").arg(format!("-{sig}")).arg(c.id().to_string()).status();
        }
    }

    /// Still running?
    pub fn alive(&mut self) -> bool {
        matches!(self.child.as_mut().map(|c| c.try_wait()), Some(Ok(None)))
    }

    /// Waits for the process to exit by itself (e.g. after `pg_ctl stop`).
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        let child = self.child.as_mut()?;
        loop {
            if let Ok(Some(st)) = child.try_wait() {
                self.child = None;
                return Some(st);
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Sends `sig`, waits up to `grace`, then SIGKILL.
    pub fn stop_with(&mut self, sig: &str, grace: Duration) -> Option<ExitStatus> {
        self.child.as_ref()?;
        self.signal(sig);
        if let Some(st) = self.wait_exit(grace) {
            return Some(st);
        }
        let mut child = self.child.take()?;
        let _ = child.kill();
        child.wait().ok()
    }

    pub fn stop(&mut self) -> Option<ExitStatus> {
        self.stop_with(self.stop_signal, Duration::from_secs(15))
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A port that was free a moment ago on 127.0.0.1 and that no other scenario of this
/// process was given: servers bind their port seconds after it is chosen (after initdb,
/// say), and the kernel may hand the same free port to a scenario running alongside.
pub fn free_port() -> u16 {
    static GIVEN: Mutex<Vec<u16>> = Mutex::new(Vec::new());
    let mut given = GIVEN.lock().unwrap_or_else(|e| e.into_inner());
    for _ in 0..1000 {
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port");
        if !given.contains(&port) {
            given.push(port);
            return port;
        }
    }
    panic!("no unused free port after 1000 tries")
}

pub fn wait_until(timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if f() {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

pub fn port_open(port: u16) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    TcpStream::connect_timeout(&addr, Duration::from_millis(300)).is_ok()
}

/// Waits for a server's port, failing early (with its log) if the process died.
pub fn wait_port(p: &mut Proc, port: u16, timeout: Duration, log: &Path) -> Result<(), String> {
    let ok = wait_until(timeout, || port_open(port) || !p.alive());
    if ok && p.alive() {
        return Ok(());
    }
    Err(format!("{} did not open port {port}; its log {}:\n{}", p.name, log.display(), read_lossy(log)))
}

pub fn read_lossy(p: &Path) -> String {
    std::fs::read(p).map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default()
}

/// Runs a command to completion with a timeout; returns (status, stdout, stderr).
pub fn run(cmd: &mut Command, timeout: Duration) -> Result<(ExitStatus, String, String), String> {
    let desc = format!("{cmd:?}");
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{desc}: {e}"))?;
    let mut out = child.stdout.take().expect("piped stdout");
    let mut err = child.stderr.take().expect("piped stderr");
    let t_out = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        s
    });
    let t_err = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err.read_to_end(&mut s);
        s
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Ok(Some(st)) = child.try_wait() {
            break st;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("{desc}: timed out after {timeout:?}"));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let o = String::from_utf8_lossy(&t_out.join().unwrap_or_default()).into_owned();
    let e = String::from_utf8_lossy(&t_err.join().unwrap_or_default()).into_owned();
    Ok((status, o, e))
}

/// Like [`run`], but a failure is an error carrying the command's output.
pub fn run_ok(cmd: &mut Command, timeout: Duration) -> Result<String, String> {
    let desc = format!("{cmd:?}");
    let (st, o, e) = run(cmd, timeout)?;
    if st.success() {
        Ok(o)
    } else {
        Err(format!("{desc}: {st}\nstdout: {o}\nstderr: {e}"))
    }
}

/// One HTTP/1.1 GET to 127.0.0.1:port; returns the status code.
pub fn http_get(port: u16, path: &str, timeout: Duration) -> Result<u16, String> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut s = TcpStream::connect_timeout(&addr, timeout).map_err(|e| format!("connect :{port}: {e}"))?;
    s.set_read_timeout(Some(timeout)).ok();
    write!(s, "GET {path} HTTP/1.1\r\nHost: localhost\r\nUser-Agent: culprit-real-test/1\r\nConnection: close\r\n\r\n")
        .map_err(|e| format!("send: {e}"))?;
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    let head = String::from_utf8_lossy(&buf);
    head.split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| format!("GET {path}: no HTTP status in {head:?}"))
}

/// Lines of a text file (without `\n`), for assertions on what the server really wrote.
pub fn lines(p: &Path) -> Vec<String> {
    read_lossy(p).lines().map(str::to_string).collect()
}

pub fn count_containing(lines: &[String], needle: &str) -> usize {
    lines.iter().filter(|l| l.contains(needle)).count()
}

/// Indexes `paths` with the built-in rule pack, the way `culprit report` does.
pub fn index(paths: &[PathBuf]) -> Index {
    let rules = RuleSet::load(&[]).expect("built-in rules load");
    Index::open(paths, rules, &IndexOptions::default())
}

/// How culprit's detected parser sees every physical line of one input.
pub struct LineView {
    pub text: String,
    pub kind: LineKind,
    pub ts: Millis,
    pub level: culprit::format::Level,
    pub host: String,
    pub service: String,
    pub msg: String,
}

/// Parses each physical line of input `sid` of `index` with the parser detection chose.
pub fn line_views(index: &Index, sid: usize) -> Vec<LineView> {
    let parser: &Parser = &index.parsers[sid];
    let year = chrono::Datelike::year(&chrono::Utc::now()) as i64;
    let ctx = ParseCtx { year, ..Default::default() };
    let mut p = Parsed::default();
    index.sources[sid]
        .bytes()
        .split(|&c| c == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| {
            let kind = parser.parse(l, &ctx, &mut p);
            let s = |sp: culprit::format::Span| String::from_utf8_lossy(sp.get(l)).into_owned();
            LineView {
                text: String::from_utf8_lossy(l).into_owned(),
                kind,
                ts: p.ts,
                level: p.level,
                host: s(p.host),
                service: s(p.service),
                msg: s(p.msg),
            }
        })
        .collect()
}

/// The source id of the input whose path ends with `name`.
pub fn source_id(index: &Index, name: &str) -> usize {
    index
        .sources
        .iter()
        .position(|s| s.path.to_string_lossy().ends_with(name))
        .unwrap_or_else(|| panic!("no input named {name} in the index"))
}

pub fn format_of(index: &Index, sid: usize) -> String {
    index.inputs[sid].format.clone()
}

/// Parses a UTC `YYYY-MM-DD HH:MM:SS[.fff]` stamp (as PostgreSQL and MariaDB print it).
pub fn utc_ms(stamp: &str) -> Millis {
    let fmt = if stamp.contains('.') { "%Y-%m-%d %H:%M:%S%.f" } else { "%Y-%m-%d %H:%M:%S" };
    chrono::NaiveDateTime::parse_from_str(stamp, fmt)
        .unwrap_or_else(|e| panic!("bad stamp {stamp:?}: {e}"))
        .and_utc()
        .timestamp_millis()
}

/// Sets a flag when dropped: stops helper threads of a `thread::scope` also when the
/// scope's main closure panics (the scope would otherwise wait for them forever).
pub struct RaiseOnDrop<'a>(pub &'a std::sync::atomic::AtomicBool);

impl Drop for RaiseOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// A wall-clock window around a scenario, widened to whole seconds for second-resolution logs.
#[derive(Clone, Copy, Debug)]
pub struct Window {
    pub start: Millis,
    pub end: Millis,
}

impl Window {
    pub fn contains(&self, ts: Millis) -> bool {
        ts >= self.start.div_euclid(1000) * 1000 && ts <= self.end + 1000
    }
}

/// The machine's host name as syslog writes it (short form).
pub fn hostname() -> String {
    let h = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    h.trim().split('.').next().unwrap_or("").to_string()
}
