//! Expanding user paths into files: folders recursively (symlink loops broken,
//! FIFOs and devices skipped unless named), rotated sets ordered oldest first.

use super::{rotation_age, stream_name, Notice};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// A file to open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub path: PathBuf,
    /// Named on the command line (devices and FIFOs are read only then).
    pub explicit: bool,
}

/// Expands paths; order: as given, folders sorted by stream then oldest rotation first.
pub fn discover(paths: &[PathBuf]) -> (Vec<Candidate>, Vec<Notice>) {
    let mut out = Vec::new();
    let mut notices = Vec::new();
    let mut seen_dirs = HashSet::new();
    for p in paths {
        if p.as_os_str() == "-" {
            out.push(Candidate { path: p.clone(), explicit: true });
            continue;
        }
        match std::fs::metadata(p) {
            Ok(m) if m.is_dir() => {
                let mut found = Vec::new();
                walk(p, &mut found, &mut notices, &mut seen_dirs);
                found.sort_by(|a: &PathBuf, b: &PathBuf| {
                    (a.parent(), stream_name(a), std::cmp::Reverse(rotation_age(a))).cmp(&(
                        b.parent(),
                        stream_name(b),
                        std::cmp::Reverse(rotation_age(b)),
                    ))
                });
                out.extend(found.into_iter().map(|path| Candidate { path, explicit: false }));
            }
            Ok(_) => out.push(Candidate { path: p.clone(), explicit: true }),
            Err(e) => notices.push(Notice { path: p.clone(), message: reason(&e), unreadable: true }),
        }
    }
    (out, notices)
}

fn reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        _ => e.to_string(),
    }
}

#[cfg(unix)]
fn dir_key(m: &std::fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (m.dev(), m.ino())
}

#[cfg(not(unix))]
fn dir_key(_m: &std::fs::Metadata) -> (u64, u64) {
    (0, 0)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>, notices: &mut Vec<Notice>, seen: &mut HashSet<(u64, u64)>) {
    let Ok(meta) = std::fs::metadata(dir) else { return };
    if !seen.insert(dir_key(&meta)) {
        return; // symlink loop or the same folder reached twice
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            notices.push(Notice { path: dir.to_path_buf(), message: reason(&e), unreadable: true });
            return;
        }
    };
    let mut names: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    names.sort();
    for path in names {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if name.starts_with('.') {
            continue;
        }
        match std::fs::metadata(&path) {
            Ok(m) if m.is_dir() => walk(&path, out, notices, seen),
            Ok(m) if m.is_file() => {
                if is_documentation(&name) {
                    continue;
                }
                out.push(path)
            }
            Ok(_) => notices.push(Notice {
                path,
                message: "not a regular file, skipped (name it explicitly to read it)".into(),
                unreadable: false,
            }),
            Err(e) => notices.push(Notice { path, message: reason(&e), unreadable: true }),
        }
    }
}

/// Files in a log folder that are clearly not logs (a README next to the logs).
fn is_documentation(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".md") || lower == "readme" || lower == "readme.txt"
}
