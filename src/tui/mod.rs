//! The TUI: triage, evidence, log and patterns views over an index and its
//! findings. It is a view: analysis happens on the worker thread through the
//! same [`Pipeline`] the report uses, and the screen only formats the result.
//!
//! Shape (after bottom and atuin): input, worker, tick and signal threads feed
//! one event channel; keys map to an [`Action`]; state changes only in
//! [`App::apply`]; [`App::draw`] reads state and cannot change it; a frame is
//! drawn only when something changed. The terminal is restored on quit, on
//! panic and on SIGTERM/SIGINT/SIGHUP.
//!
//! With the logs piped in (`… | culprit`), the worker reads standard input to its end and keys
//! come from the controlling terminal: crossterm opens /dev/tty when standard input is not one.

pub mod app;
pub mod chart;
pub mod draw;
pub mod keys;
pub mod logview;
mod views;

pub use app::{Action, App, EvRow, Loaded, Progress, Prompt, View};

use crate::pipeline::Pipeline;
use crossterm::event::{Event as TermEvent, KeyEventKind};
use crossterm::{execute, terminal};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::time::{Duration, Instant};

/// Everything the event loop reacts to, from any thread.
pub enum Event {
    Term(TermEvent),
    Tick,
    Worker(Action),
    Signal,
}

/// What the UI tells the worker.
enum WorkerCmd {
    Follow(bool),
}

const TICK: Duration = Duration::from_millis(250);
/// How often follow mode looks at the inputs.
const FOLLOW_POLL: Duration = Duration::from_secs(1);
/// While filter/search work runs, redraw at most this often.
const BUSY_FRAME: Duration = Duration::from_millis(50);

/// Colour unless `NO_COLOR` is set to anything non-empty (no-color.org) or `TERM=dumb`.
pub fn colour_allowed() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && !crate::text::is_dumb_terminal(std::env::var_os("TERM").as_deref())
}

/// Runs the interactive UI until the user quits. The first frame appears at
/// once; indexing and analysis run on a worker thread.
pub fn run(paths: Vec<PathBuf>, pipeline: Pipeline) -> anyhow::Result<()> {
    if paths.is_empty() {
        anyhow::bail!("no input: name log files or folders");
    }
    if paths.iter().any(|p| p.as_os_str() == "-") && std::io::stdin().is_terminal() {
        // The TUI reads keys from the terminal; it cannot also read logs from it.
        anyhow::bail!(
            "`-` reads standard input, which is this terminal: pipe the logs in (… | culprit report -) or name files"
        );
    }
    let (tx, rx) = mpsc::channel::<Event>();

    let mut signals = signal_hook::iterator::Signals::new([
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGHUP,
    ])?;
    let sig_handle = signals.handle();
    {
        let tx = tx.clone();
        std::thread::spawn(move || {
            if signals.forever().next().is_some() {
                let _ = tx.send(Event::Signal);
            }
        });
    }

    install_panic_hook();
    let mut term = enter()?;
    let result = event_loop(&mut term, paths, pipeline, tx, rx);
    leave();
    sig_handle.close();
    result
}

fn enter() -> anyhow::Result<Terminal<CrosstermBackend<std::io::Stdout>>> {
    terminal::enable_raw_mode()?;
    let mut out = std::io::stdout();
    if let Err(e) = execute!(out, terminal::EnterAlternateScreen, crossterm::cursor::Hide) {
        leave();
        return Err(e.into());
    }
    Ok(Terminal::new(CrosstermBackend::new(out))?)
}

/// Puts the terminal back as we found it. Safe to call more than once.
fn leave() {
    let _ = terminal::disable_raw_mode();
    let _ = execute!(std::io::stdout(), terminal::LeaveAlternateScreen, crossterm::cursor::Show);
}

/// The last panic on a background thread, for the worker to report on screen.
static BACKGROUND_PANIC: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

/// A panic on the UI thread restores the terminal before the message prints.
/// A panic on the worker must not print over the screen: it is kept and shown
/// as a load error, and the UI stays usable.
fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().name() == Some(WORKER) {
            if let Ok(mut slot) = BACKGROUND_PANIC.lock() {
                *slot = Some(info.to_string());
            }
            return;
        }
        leave();
        previous(info);
    }));
}

const WORKER: &str = "culprit-worker";

/// Runs one pipeline step, turning a panic into an error message.
fn guarded<T>(what: &str, f: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|_| {
        let detail = BACKGROUND_PANIC.lock().ok().and_then(|mut s| s.take()).unwrap_or_default();
        format!("internal error while {what}: {detail}")
    })
}

fn event_loop(
    term: &mut Terminal<CrosstermBackend<std::io::Stdout>>,
    paths: Vec<PathBuf>,
    pipeline: Pipeline,
    tx: Sender<Event>,
    rx: Receiver<Event>,
) -> anyhow::Result<()> {
    let size = term.size()?;
    let inputs = paths.iter().map(|p| crate::text::escape_path(p)).collect();
    let mut app = App::new(inputs, size.width, size.height, colour_allowed());
    app.zone = pipeline.zone.clone();
    term.draw(|f| app.draw(f))?;

    let (wtx, wrx) = mpsc::channel::<WorkerCmd>();
    {
        let tx = tx.clone();
        std::thread::Builder::new().name(WORKER.into()).spawn(move || worker(paths, pipeline, tx, wrx))?;
    }
    {
        let tx = tx.clone();
        std::thread::spawn(move || loop {
            match crossterm::event::read() {
                Ok(ev) => {
                    if tx.send(Event::Term(ev)).is_err() {
                        return;
                    }
                }
                Err(_) => return,
            }
        });
    }
    {
        let tx = tx.clone();
        std::thread::spawn(move || loop {
            std::thread::sleep(TICK);
            if tx.send(Event::Tick).is_err() {
                return;
            }
        });
    }
    drop(tx);

    let started = Instant::now();
    let mut follow = false;
    let mut last_draw = Instant::now();
    let mut pending_draw = false;
    loop {
        let ev = if app.busy() {
            match rx.try_recv() {
                Ok(e) => Some(e),
                Err(TryRecvError::Empty) => None,
                Err(TryRecvError::Disconnected) => break,
            }
        } else {
            match rx.recv() {
                Ok(e) => Some(e),
                Err(_) => break,
            }
        };
        let changed = match ev {
            None => app.apply(Action::Work),
            Some(Event::Term(TermEvent::Key(k))) if k.kind != KeyEventKind::Release => {
                keys::map_key(&app, k).is_some_and(|a| app.apply(a))
            }
            Some(Event::Term(TermEvent::Resize(w, h))) => app.apply(Action::Resize(w, h)),
            Some(Event::Term(_)) => false,
            Some(Event::Tick) => {
                if app.loaded.is_none() && app.error.is_none() {
                    let p = Progress { elapsed_ms: started.elapsed().as_millis() as u64, ..app.progress.clone() };
                    app.apply(Action::Progress(p))
                } else {
                    false
                }
            }
            Some(Event::Worker(a)) => app.apply(a),
            Some(Event::Signal) => {
                app.quit = true;
                false
            }
        };
        if app.quit {
            break;
        }
        if app.follow != follow {
            follow = app.follow;
            let _ = wtx.send(WorkerCmd::Follow(follow));
        }
        if let Some(text) = app.clipboard.take() {
            app.status = copy_osc52(&text, &Clipboard::from_env());
            pending_draw = true;
        }
        pending_draw |= changed;
        if pending_draw && (!app.busy() || last_draw.elapsed() >= BUSY_FRAME) {
            term.draw(|f| app.draw(f))?;
            last_draw = Instant::now();
            pending_draw = false;
        }
    }
    Ok(())
}

/// Where an OSC 52 clipboard write has to go to reach the terminal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clipboard {
    /// Straight to the terminal.
    Direct,
    /// Inside tmux: tmux takes OSC 52 itself with `set-clipboard on`, or passes a wrapped one
    /// through with `allow-passthrough on`.
    Tmux,
    /// Inside GNU screen: wrapped in a DCS string.
    Screen,
    /// The Linux console has no clipboard.
    None,
}

impl Clipboard {
    pub fn from_env() -> Clipboard {
        let set = |k: &str| std::env::var_os(k).is_some_and(|v| !v.is_empty());
        let term = std::env::var("TERM").unwrap_or_default();
        if set("TMUX") {
            Clipboard::Tmux
        } else if set("STY") && term.starts_with("screen") {
            Clipboard::Screen
        } else if term == "linux" {
            Clipboard::None
        } else {
            Clipboard::Direct
        }
    }

    /// The bytes to write for `text`, and what to tell the user.
    pub fn sequence(self, text: &str) -> (String, String) {
        let osc = format!("\x1b]52;c;{}\x07", base64(text.as_bytes()));
        match self {
            Clipboard::Direct => (osc, format!("copied {text}")),
            Clipboard::Tmux => (
                // Both: tmux stores the plain one (set-clipboard on) and forwards the wrapped one
                // (allow-passthrough on); ESC inside the passthrough is doubled.
                format!("{osc}\x1bPtmux;{}\x1b\\", osc.replace('\x1b', "\x1b\x1b")),
                // The hint first: the status line may cut a long path.
                format!("copied via tmux (set -g set-clipboard on, or allow-passthrough on): {text}"),
            ),
            Clipboard::Screen => (format!("\x1bP{osc}\x1b\\"), format!("copied {text}")),
            Clipboard::None => (String::new(), format!("no clipboard on this terminal: {text}")),
        }
    }
}

/// Puts our own generated `path:line` text on the terminal's clipboard (OSC 52) and returns the
/// status line. The text is base64-encoded, so nothing in it can act as a control sequence.
fn copy_osc52(text: &str, via: &Clipboard) -> String {
    let (seq, status) = via.sequence(text);
    if !seq.is_empty() {
        let mut out = std::io::stdout();
        let _ = out.write_all(seq.as_bytes());
        let _ = out.flush();
    }
    status
}

fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::with_capacity(data.len().div_ceil(3) * 4);
    for c in data.chunks(3) {
        let n = (c[0] as u32) << 16 | (*c.get(1).unwrap_or(&0) as u32) << 8 | *c.get(2).unwrap_or(&0) as u32;
        s.push(T[(n >> 18) as usize & 63] as char);
        s.push(T[(n >> 12) as usize & 63] as char);
        s.push(if c.len() > 1 { T[(n >> 6) as usize & 63] as char } else { '=' });
        s.push(if c.len() > 2 { T[n as usize & 63] as char } else { '=' });
    }
    s
}

/// One input's identity for follow mode: a shrink or a new inode means rotation or truncation.
#[derive(Clone, Debug, PartialEq, Eq)]
struct FileStat {
    path: PathBuf,
    len: u64,
    inode: u64,
}

fn stat_inputs(paths: &[PathBuf]) -> Vec<FileStat> {
    let (cands, _) = crate::source::discover(paths);
    cands
        .into_iter()
        .filter(|c| c.path.as_os_str() != "-")
        .filter_map(|c| {
            let m = std::fs::metadata(&c.path).ok()?;
            #[cfg(unix)]
            let inode = std::os::unix::fs::MetadataExt::ino(&m);
            #[cfg(not(unix))]
            let inode = 0;
            Some(FileStat { path: c.path, len: m.len(), inode })
        })
        .collect()
}

/// What changed between two looks at the inputs: (anything to reload?, notices for the status bar).
fn compare(old: &[FileStat], new: &[FileStat]) -> (bool, Vec<String>) {
    let mut changed = old.len() != new.len();
    let mut notices = Vec::new();
    for n in new {
        let name = crate::text::escape_path(&n.path);
        match old.iter().find(|o| o.path == n.path) {
            None => {
                changed = true;
                notices.push(format!("{name}: new file"));
            }
            Some(o) if o.inode != n.inode => {
                changed = true;
                notices.push(format!("{name}: rotated (new file), reopened"));
            }
            Some(o) if n.len < o.len => {
                changed = true;
                notices.push(format!("{name}: truncated, read again from the start"));
            }
            Some(o) if n.len > o.len => changed = true,
            Some(_) => {}
        }
    }
    (changed, notices)
}

/// Loads, then (in follow mode) re-runs the pipeline whenever an input grows.
fn worker(paths: Vec<PathBuf>, pipeline: Pipeline, tx: Sender<Event>, cmds: Receiver<WorkerCmd>) {
    let started = Instant::now();
    let progress = |stage: String, ratio: f64| {
        let p = Progress { stage, ratio, elapsed_ms: started.elapsed().as_millis() as u64 };
        let _ = tx.send(Event::Worker(Action::Progress(p)));
    };
    let mut stats = stat_inputs(&paths);
    let bytes: u64 = stats.iter().map(|s| s.len).sum();
    progress(format!("indexing {} ({})", crate::text::counted(stats.len() as u64, "file"), human_bytes(bytes)), 0.05);
    let fail = |e: String| {
        let _ = tx.send(Event::Worker(Action::LoadFailed(e)));
    };
    let index = match guarded("indexing", || pipeline.index(&paths)) {
        Ok(Ok(i)) => i,
        Ok(Err(e)) => return fail(format!("{e:#}")),
        Err(e) => return fail(e),
    };
    progress(format!("analysing {}", crate::text::counted(index.records.len() as u64, "record")), 0.6);
    let findings = match guarded("analysing", || pipeline.analyse(&index)) {
        Ok(f) => f,
        Err(e) => return fail(e),
    };
    progress("ordering lines by time".into(), 0.85);
    let loaded = Loaded::new(index, findings);
    if tx.send(Event::Worker(Action::Loaded(Box::new(loaded)))).is_err() {
        return;
    }
    let mut follow = false;
    loop {
        match cmds.recv_timeout(FOLLOW_POLL) {
            Ok(WorkerCmd::Follow(f)) => follow = f,
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
        if !follow {
            continue;
        }
        let now = stat_inputs(&paths);
        let (changed, notices) = compare(&stats, &now);
        if !changed {
            continue;
        }
        stats = now;
        // Inputs that changed a moment ago are read, not mapped (see `source`), so truncation cannot fault us.
        let reloaded = guarded("re-reading the inputs", || {
            pipeline.index(&paths).map(|index| {
                let findings = pipeline.analyse(&index);
                Loaded::new(index, findings)
            })
        });
        let loaded = match reloaded {
            Ok(Ok(l)) => l,
            Ok(Err(e)) => {
                let _ = tx.send(Event::Worker(Action::Notice(format!("follow: {e:#}"))));
                continue;
            }
            Err(e) => {
                let _ = tx.send(Event::Worker(Action::Notice(format!("follow: {e}"))));
                continue;
            }
        };
        if tx.send(Event::Worker(Action::Reloaded(Box::new(loaded), notices))).is_err() {
            return;
        }
    }
}

fn human_bytes(n: u64) -> String {
    const U: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut i = 0;
    while v >= 1024.0 && i + 1 < U.len() {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", U[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn worker_panics_become_errors() {
        let r = std::thread::Builder::new()
            .name(WORKER.into())
            .spawn(|| guarded("analysing", || -> u32 { panic!("boom") }))
            .unwrap()
            .join()
            .unwrap();
        assert!(r.unwrap_err().starts_with("internal error while analysing"));
        assert_eq!(guarded("x", || 7), Ok(7));
    }

    #[test]
    fn follow_sees_growth_rotation_and_truncation() {
        let f = |p: &str, len, inode| FileStat { path: PathBuf::from(p), len, inode };
        let old = vec![f("a.log", 100, 1), f("b.log", 50, 2)];
        assert_eq!(compare(&old, &old.clone()), (false, vec![]));
        let (c, n) = compare(&old, &[f("a.log", 120, 1), f("b.log", 50, 2)]);
        assert!(c && n.is_empty());
        let (c, n) = compare(&old, &[f("a.log", 10, 9), f("b.log", 40, 2)]);
        assert!(c);
        assert_eq!(n, vec!["a.log: rotated (new file), reopened", "b.log: truncated, read again from the start"]);
    }
}
