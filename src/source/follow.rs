//! Following growing files without a screen (`culprit follow`), as `tail -F`
//! does: every line once, in the order each file got it, across rotation and
//! truncation, in bounded memory.
//!
//! - Rotation (the name now leads to another file): the old file stays open and
//!   is read to its end, and on until it has stopped growing for a few polls (a
//!   writer keeps writing to it until it reopens the name); the new file is read
//!   from its start.
//! - Truncation (the same file, shorter than what was read, or with other bytes
//!   just before the read position: truncated and written again past it):
//!   read again from the start. Bytes the file held beyond what was read when it
//!   was truncated are gone; they are counted and named, never guessed.
//! - Memory: a read buffer and each file's unfinished last line, cut at
//!   [`MAX_LINE`].
//!
//! Files are read with positioned reads on a handle opened read-only; nothing
//! is mapped (see the module docs of `source`).

use std::fs::File;
use std::path::{Path, PathBuf};

/// A line longer than this is passed on in pieces of this size.
pub const MAX_LINE: usize = 1 << 20;
/// How many bytes before the read position must still match for a file to count as unchanged.
const CHECK_BYTES: usize = 64;
/// Polls without growth after which a rotated-away file is closed.
const DRAIN_POLLS: u32 = 8;
const READ_CHUNK: usize = 256 << 10;

/// What happened to the followed files, for the summary.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FollowStats {
    pub lines: u64,
    pub rotations: u64,
    pub truncations: u64,
    /// Bytes a file held past what had been read when it was truncated (lost to everyone).
    pub lost_bytes: u64,
}

/// One open file being read.
struct Reader {
    file: File,
    id: (u64, u64),
    offset: u64,
    /// The last bytes read (up to [`CHECK_BYTES`]), to notice a truncation the file has grown past again.
    check: Vec<u8>,
    /// The size seen at the last poll.
    seen_len: u64,
    partial: Vec<u8>,
    idle_polls: u32,
}

struct Followed {
    path: PathBuf,
    current: Option<Reader>,
    /// Files rotated away from the name, still read until they stop growing.
    draining: Vec<Reader>,
}

/// Follows a set of files by name.
pub struct Follower {
    files: Vec<Followed>,
    buf: Vec<u8>,
    pub stats: FollowStats,
}

fn file_id(m: &std::fs::Metadata) -> (u64, u64) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        (m.dev(), m.ino())
    }
    #[cfg(not(unix))]
    {
        let _ = m;
        (0, 0)
    }
}

impl Reader {
    fn open(path: &Path) -> Option<Reader> {
        let file = File::open(path).ok()?;
        let meta = file.metadata().ok()?;
        Some(Reader {
            id: file_id(&meta),
            file,
            offset: 0,
            check: Vec::new(),
            seen_len: 0,
            partial: Vec::new(),
            idle_polls: 0,
        })
    }

    /// True when the bytes before the read position are no longer the ones read there.
    fn rewritten(&self) -> bool {
        if self.check.is_empty() {
            return false;
        }
        let mut now = vec![0u8; self.check.len()];
        let at = self.offset - self.check.len() as u64;
        !matches!(super::pread(&self.file, &mut now, at), Ok(n) if n == now.len() && now == self.check)
    }

    /// Reads what was added since the last call, passing each completed line to `emit`. Returns
    /// a notice when the file was truncated.
    fn pump(
        &mut self,
        buf: &mut [u8],
        stats: &mut FollowStats,
        emit: &mut dyn FnMut(&[u8]) -> std::io::Result<()>,
    ) -> std::io::Result<Option<String>> {
        let len = self.file.metadata().map(|m| m.len()).unwrap_or(self.seen_len);
        let mut notice = None;
        if len < self.offset || self.rewritten() {
            let lost = self.seen_len.saturating_sub(self.offset) + self.partial.len() as u64;
            stats.truncations += 1;
            stats.lost_bytes += lost;
            notice = Some(if lost > 0 {
                format!("truncated; read again from the start ({lost} bytes not yet read were lost with it)")
            } else {
                "truncated; read again from the start".to_string()
            });
            self.offset = 0;
            self.partial.clear();
            self.check.clear();
        }
        let start = self.offset;
        loop {
            let n = match super::pread(&self.file, buf, self.offset) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => break,
            };
            let mut rest = &buf[..n];
            while let Some(nl) = memchr::memchr(b'\n', rest) {
                if self.partial.is_empty() {
                    emit(&rest[..nl])?;
                } else {
                    self.partial.extend_from_slice(&rest[..nl]);
                    emit(&self.partial)?;
                    self.partial.clear();
                }
                stats.lines += 1;
                rest = &rest[nl + 1..];
            }
            self.partial.extend_from_slice(rest);
            while self.partial.len() >= MAX_LINE {
                emit(&self.partial[..MAX_LINE])?;
                stats.lines += 1;
                self.partial.drain(..MAX_LINE);
            }
            self.offset += n as u64;
            let keep = CHECK_BYTES.min(n);
            if keep == CHECK_BYTES {
                self.check.clear();
            } else {
                let over = (self.check.len() + keep).saturating_sub(CHECK_BYTES);
                self.check.drain(..over);
            }
            self.check.extend_from_slice(&buf[n - keep..n]);
        }
        self.idle_polls = if self.offset == start { self.idle_polls + 1 } else { 0 };
        self.seen_len = self.seen_len.max(self.offset).max(len);
        if notice.is_some() {
            self.seen_len = self.offset;
        }
        Ok(notice)
    }

    /// The unfinished last line of a file no one writes to any more is a line.
    fn finish(
        &mut self,
        stats: &mut FollowStats,
        emit: &mut dyn FnMut(&[u8]) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        if !self.partial.is_empty() {
            emit(&self.partial)?;
            stats.lines += 1;
            self.partial.clear();
        }
        Ok(())
    }
}

impl Follower {
    /// Follows these files by name; a name that does not exist yet is picked up when it appears.
    pub fn new(paths: Vec<PathBuf>) -> Follower {
        let files = paths
            .into_iter()
            .map(|path| Followed { current: Reader::open(&path), path, draining: Vec::new() })
            .collect();
        Follower { files, buf: vec![0u8; READ_CHUNK], stats: FollowStats::default() }
    }

    /// One look at every file: new lines go to `emit(path, line)` (without the newline), notices
    /// (rotation, truncation) to the returned list. Errors are `emit`'s (a closed output).
    pub fn poll(&mut self, emit: &mut dyn FnMut(&Path, &[u8]) -> std::io::Result<()>) -> std::io::Result<Vec<String>> {
        let mut notices = Vec::new();
        for f in &mut self.files {
            let path = f.path.clone();
            let mut emit_here = |line: &[u8]| emit(&path, line);
            // Files rotated away: read what their writer still adds, then let go.
            for r in &mut f.draining {
                r.pump(&mut self.buf, &mut self.stats, &mut emit_here)?;
            }
            let mut i = 0;
            while i < f.draining.len() {
                if f.draining[i].idle_polls >= DRAIN_POLLS {
                    let mut r = f.draining.swap_remove(i);
                    r.finish(&mut self.stats, &mut emit_here)?;
                } else {
                    i += 1;
                }
            }
            let now = std::fs::metadata(&f.path).ok().map(|m| file_id(&m));
            match (&mut f.current, now) {
                (Some(r), Some(id)) if r.id != id => {
                    // Rotated: read the old file to its current end before the new one.
                    r.pump(&mut self.buf, &mut self.stats, &mut emit_here)?;
                    if let Some(old) = f.current.take() {
                        f.draining.push(old);
                    }
                    self.stats.rotations += 1;
                    notices.push(format!(
                        "{}: rotated; reading the new file from its start",
                        crate::text::escape_path(&f.path)
                    ));
                    f.current = Reader::open(&f.path);
                }
                (None, Some(_)) => f.current = Reader::open(&f.path),
                _ => {}
            }
            if let Some(r) = &mut f.current {
                if let Some(n) = r.pump(&mut self.buf, &mut self.stats, &mut emit_here)? {
                    notices.push(format!("{}: {n}", crate::text::escape_path(&f.path)));
                }
            }
        }
        Ok(notices)
    }

    /// Reads what is left, including every file's unfinished last line.
    pub fn finish(
        &mut self,
        emit: &mut dyn FnMut(&Path, &[u8]) -> std::io::Result<()>,
    ) -> std::io::Result<Vec<String>> {
        let notices = self.poll(emit)?;
        for f in &mut self.files {
            let path = f.path.clone();
            let mut emit_here = |line: &[u8]| emit(&path, line);
            for r in f.draining.iter_mut().chain(f.current.as_mut()) {
                r.finish(&mut self.stats, &mut emit_here)?;
            }
        }
        Ok(notices)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn collect(f: &mut Follower) -> (Vec<String>, Vec<String>) {
        let mut lines = Vec::new();
        let notices = f.poll(&mut |_, l| {
            lines.push(String::from_utf8_lossy(l).into_owned());
            Ok(())
        });
        (lines, notices.unwrap())
    }

    fn append(p: &Path, s: &str) {
        std::fs::File::options().create(true).append(true).open(p).unwrap().write_all(s.as_bytes()).unwrap();
    }

    #[test]
    fn growth_rotation_and_truncation_give_every_line_once() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("app.log");
        let mut f = Follower::new(vec![p.clone()]);
        assert_eq!(collect(&mut f).0, Vec::<String>::new(), "a name that does not exist yet");
        append(&p, "one\ntw");
        assert_eq!(collect(&mut f).0, vec!["one"]);
        append(&p, "o\nthree\n");
        assert_eq!(collect(&mut f).0, vec!["two", "three"]);
        // Rotation with a line still written to the old file after the rename.
        let mut old = std::fs::File::options().append(true).open(&p).unwrap();
        std::fs::rename(&p, dir.path().join("app.log.1")).unwrap();
        old.write_all(b"four\n").unwrap();
        append(&p, "five\n");
        let (lines, notices) = collect(&mut f);
        assert_eq!(lines, vec!["four", "five"]);
        assert!(notices[0].ends_with("app.log: rotated; reading the new file from its start"), "{notices:?}");
        old.write_all(b"six\n").unwrap();
        assert_eq!(collect(&mut f).0, vec!["six"], "the old file is still read while its writer writes");
        // Truncated after everything was read: nothing lost, read again from the start.
        std::fs::File::options().write(true).open(&p).unwrap().set_len(0).unwrap();
        append(&p, "seven\n");
        let (lines, notices) = collect(&mut f);
        assert_eq!(lines, vec!["seven"]);
        assert!(notices[0].ends_with("app.log: truncated; read again from the start"), "{notices:?}");
        // Truncated with unread bytes, and written past the old position before the next look.
        append(&p, "unread\n");
        std::fs::File::options().write(true).open(&p).unwrap().set_len(0).unwrap();
        append(&p, "eight, a line longer than before\n");
        let (lines, notices) = collect(&mut f);
        assert_eq!(lines, vec!["eight, a line longer than before"]);
        assert!(notices[0].contains("truncated; read again from the start"), "{notices:?}");
        assert_eq!(f.stats.rotations, 1);
        assert_eq!(f.stats.truncations, 2);
        assert_eq!(f.stats.lines, 8);
    }

    #[test]
    fn long_lines_come_in_pieces_and_the_last_unfinished_line_at_the_end() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big.log");
        append(&p, &"x".repeat(MAX_LINE * 2 + 10));
        let mut f = Follower::new(vec![p.clone()]);
        let mut sizes = Vec::new();
        f.finish(&mut |_, l| {
            sizes.push(l.len());
            Ok(())
        })
        .unwrap();
        assert_eq!(sizes, vec![MAX_LINE, MAX_LINE, 10]);
    }
}
