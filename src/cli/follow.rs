//! `culprit follow`: the lines of growing files as they are written, headless
//! (see `source::follow` for rotation and truncation). Each line is escaped like
//! any log text bound for a terminal; with several files each line starts with
//! its file's path.

use super::{FollowArgs, EXIT_OK};
use crate::source::follow::Follower;
use crate::text::counted;
use crate::text::{escape, escape_path};
use anyhow::anyhow;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub fn run(args: &FollowArgs) -> anyhow::Result<ExitCode> {
    let paths = live_files(&args.paths)?;
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, stop.clone())?;
    }
    let prefix = paths.len() > 1;
    let mut follower = Follower::new(paths);
    let mut out = std::io::BufWriter::with_capacity(64 << 10, std::io::stdout().lock());
    let interval = Duration::from_millis(args.interval);
    loop {
        let stopping = stop.load(Ordering::Relaxed);
        let notices = {
            let mut emit = |path: &Path, line: &[u8]| write_line(&mut out, prefix.then_some(path), line);
            if stopping {
                follower.finish(&mut emit)?
            } else {
                follower.poll(&mut emit)?
            }
        };
        out.flush()?;
        for n in notices {
            eprintln!("culprit: {n}");
        }
        if stopping {
            break;
        }
        let until = Instant::now() + interval;
        while Instant::now() < until && !stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(10).min(interval));
        }
    }
    let s = &follower.stats;
    eprintln!(
        "culprit: followed {}; {}, {}, {} lost to truncation",
        counted(s.lines, "line"),
        counted(s.rotations, "rotation"),
        counted(s.truncations, "truncation"),
        counted(s.lost_bytes, "unread byte")
    );
    Ok(ExitCode::from(EXIT_OK))
}

fn write_line(out: &mut impl Write, path: Option<&Path>, line: &[u8]) -> std::io::Result<()> {
    if let Some(p) = path {
        write!(out, "{}: ", escape_path(p))?;
    }
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    out.write_all(escape(line).as_bytes())?;
    out.write_all(b"\n")
}

/// Named files as they are (they may not exist yet); folders as the live files in them now.
fn live_files(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    if paths.is_empty() {
        return Err(anyhow!("no input: name the log files to follow"));
    }
    let mut out = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            return Err(anyhow!("follow reads files by name, not standard input"));
        }
        if !p.is_dir() {
            out.push(p.clone());
            continue;
        }
        let (found, _) = crate::source::discover(std::slice::from_ref(p));
        out.extend(found.into_iter().map(|c| c.path).filter(|f| {
            let name = f.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            crate::source::rotation_age(f) == 0 && !name.ends_with(".gz") && crate::source::stream_name(f) == name
        }));
    }
    Ok(out)
}
