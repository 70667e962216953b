//! Sources: turn the paths a user names into byte buffers with stable ids.
//!
//! Regular files at rest are memory-mapped; growing files, pipes, devices,
//! stdin and gzip members are read. A file truncated under a live map raises
//! SIGBUS (logrotate `copytruncate`), so anything modified in the last few
//! seconds is read instead of mapped. Inputs are only ever opened read-only.
//! Problems with one input become a [`Notice`] and the others carry on.

pub mod clickhouse;
mod discover;

pub use discover::{discover, Candidate};

use memmap2::Mmap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Files modified this recently may still be growing: read, never map.
const AT_REST_AFTER: Duration = Duration::from_secs(5);
/// How much of a non-regular file (FIFO, device) is read before deciding it is binary.
const SNIFF_BYTES: usize = 64 * 1024;
/// A cap on what is read from a device or pipe named explicitly (`/dev/zero` must not hang us).
const MAX_STREAM_BYTES: u64 = 4 << 30;

/// The bytes of one input.
pub enum Data {
    Mapped(Mmap),
    Owned(Vec<u8>),
}

impl Data {
    pub fn bytes(&self) -> &[u8] {
        match self {
            Data::Mapped(m) => m,
            Data::Owned(v) => v,
        }
    }
}

/// One readable input: a physical file (or stdin), with its bytes.
pub struct Source {
    pub id: u32,
    /// The path as the user would recognise it (`-` for stdin).
    pub path: PathBuf,
    /// The name of the stream the file belongs to, with rotation suffixes removed (`auth.log.2.gz` → `auth.log`).
    pub stream: String,
    pub data: Data,
    pub mtime: Option<SystemTime>,
    /// Problems that did not stop reading (corrupt gzip tail, …).
    pub warnings: Vec<String>,
}

impl Source {
    pub fn bytes(&self) -> &[u8] {
        self.data.bytes()
    }
    /// Maps a range of a mapped file's pages in one call before it is read: one fault per
    /// 16 pages costs more than the page-table work itself. Best effort: kernels before 5.14 refuse it.
    pub fn prefault(&self, range: std::ops::Range<usize>) {
        #[cfg(target_os = "linux")]
        if let Data::Mapped(m) = &self.data {
            let _ = m.advise_range(memmap2::Advice::PopulateRead, range.start, range.len());
        }
        #[cfg(not(target_os = "linux"))]
        let _ = range;
    }
    pub fn display(&self) -> String {
        crate::text::escape_path(&self.path)
    }
}

/// Something the user should know about an input that was skipped or damaged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub path: PathBuf,
    pub message: String,
}

impl std::fmt::Display for Notice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", crate::text::escape_path(&self.path), self.message)
    }
}

/// Loads every path (files, folders, `-`) into sources. Never fails as a whole:
/// unreadable inputs become notices.
pub fn load(paths: &[PathBuf]) -> (Vec<Source>, Vec<Notice>) {
    let (candidates, mut notices) = discover(paths);
    let mut sources = Vec::with_capacity(candidates.len());
    for cand in candidates {
        match open(&cand) {
            Ok(Some(mut src)) => {
                src.id = sources.len() as u32;
                sources.push(src);
            }
            Ok(None) => notices.push(Notice { path: cand.path.clone(), message: "binary file, skipped".into() }),
            Err(e) => notices.push(Notice { path: cand.path.clone(), message: e }),
        }
    }
    (sources, notices)
}

/// Strips rotation and compression suffixes: `auth.log.2.gz` → `auth.log`, `syslog.1` → `syslog`.
pub fn stream_name(path: &Path) -> String {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "-".into());
    let mut s = name.as_str();
    if let Some(x) = s.strip_suffix(".gz") {
        s = x;
    }
    if let Some(dot) = s.rfind('.') {
        let tail = &s[dot + 1..];
        if !tail.is_empty() && tail.bytes().all(|c| c.is_ascii_digit()) {
            s = &s[..dot];
        }
    }
    // logrotate's dateext: `auth.log-20240122`.
    if let Some(dash) = s.rfind('-') {
        let tail = &s[dash + 1..];
        if tail.len() == 8 && tail.bytes().all(|c| c.is_ascii_digit()) {
            s = &s[..dash];
        }
    }
    s.to_string()
}

/// Rotation order within a stream: larger numbers are older. `auth.log` is newest (0).
pub fn rotation_age(path: &Path) -> u32 {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let s = name.strip_suffix(".gz").unwrap_or(&name);
    s.rsplit('.').next().and_then(|t| t.parse::<u32>().ok()).unwrap_or(0)
}

/// Heuristic binary test: NUL bytes or a high share of control bytes in the first block.
pub fn looks_binary(sample: &[u8]) -> bool {
    let head = &sample[..sample.len().min(8192)];
    if head.is_empty() {
        return false;
    }
    let nul = memchr::memchr_iter(0, head).count();
    let ctrl = head.iter().filter(|&&c| c < 0x20 && !matches!(c, b'\n' | b'\r' | b'\t' | 0x1b | 0x0c)).count();
    nul * 10 > head.len() || ctrl * 5 > head.len()
}

fn is_gzip(head: &[u8]) -> bool {
    head.starts_with(&[0x1f, 0x8b])
}

fn open(cand: &Candidate) -> Result<Option<Source>, String> {
    let mut src = if cand.path.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .lock()
            .take(MAX_STREAM_BYTES)
            .read_to_end(&mut buf)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        Source {
            id: 0,
            path: cand.path.clone(),
            stream: "stdin".into(),
            data: Data::Owned(buf),
            mtime: None,
            warnings: Vec::new(),
        }
    } else {
        let file = File::open(&cand.path).map_err(|e| io_reason(&e))?;
        let meta = file.metadata().map_err(|e| io_reason(&e))?;
        let mtime = meta.modified().ok();
        let at_rest =
            mtime.and_then(|m| SystemTime::now().duration_since(m).ok()).is_some_and(|age| age >= AT_REST_AFTER);
        let data = if meta.is_file() && at_rest && meta.len() > 0 {
            // SAFETY: the file is opened read-only and has not been modified for AT_REST_AFTER;
            // a file that is still being written or may be truncated is read instead (see module docs).
            match unsafe { Mmap::map(&file) } {
                Ok(m) => Data::Mapped(m),
                Err(_) => Data::Owned(read_all(file, meta.len())?),
            }
        } else if meta.is_file() {
            Data::Owned(read_all(file, meta.len())?)
        } else {
            Data::Owned(read_stream(file)?)
        };
        Source { id: 0, path: cand.path.clone(), stream: stream_name(&cand.path), data, mtime, warnings: Vec::new() }
    };
    if is_gzip(src.bytes()) {
        let (plain, warning) = gunzip(src.bytes());
        src.data = Data::Owned(plain);
        src.warnings.extend(warning);
    }
    if looks_binary(src.bytes()) {
        return Ok(None);
    }
    Ok(Some(src))
}

fn read_all(mut file: File, len: u64) -> Result<Vec<u8>, String> {
    let mut buf = Vec::with_capacity(len as usize);
    file.read_to_end(&mut buf).map_err(|e| io_reason(&e))?;
    Ok(buf)
}

/// Reads a FIFO or device: the first block decides binary-or-not before reading on.
fn read_stream(file: File) -> Result<Vec<u8>, String> {
    let mut reader = file.take(MAX_STREAM_BYTES);
    let mut buf = vec![0u8; SNIFF_BYTES];
    let mut filled = 0;
    while filled < SNIFF_BYTES {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(io_reason(&e)),
        }
    }
    buf.truncate(filled);
    if looks_binary(&buf) {
        return Ok(buf);
    }
    reader.read_to_end(&mut buf).map_err(|e| io_reason(&e))?;
    Ok(buf)
}

/// Decompresses every gzip member; a corrupt or truncated stream keeps what decoded and warns.
pub fn gunzip(data: &[u8]) -> (Vec<u8>, Option<String>) {
    let mut out = Vec::with_capacity(data.len() * 4);
    let mut dec = flate2::read::MultiGzDecoder::new(data);
    match dec.read_to_end(&mut out) {
        Ok(_) => (out, None),
        Err(e) => {
            let msg = format!("gzip data is corrupt or truncated after {} decompressed bytes: {e}", out.len());
            (out, Some(msg))
        }
    }
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_names() {
        assert_eq!(stream_name(Path::new("/var/log/auth.log.2.gz")), "auth.log");
        assert_eq!(stream_name(Path::new("auth.log.1")), "auth.log");
        assert_eq!(stream_name(Path::new("syslog")), "syslog");
        assert_eq!(stream_name(Path::new("auth.log-20240122")), "auth.log");
        assert_eq!(rotation_age(Path::new("auth.log.2.gz")), 2);
        assert_eq!(rotation_age(Path::new("auth.log")), 0);
    }

    #[test]
    fn gzip_multi_member_and_corrupt() {
        use flate2::write::GzEncoder;
        use std::io::Write;
        let mut all = Vec::new();
        for part in [&b"one\n"[..], b"two\n"] {
            let mut enc = GzEncoder::new(Vec::new(), flate2::Compression::fast());
            enc.write_all(part).unwrap();
            all.extend(enc.finish().unwrap());
        }
        assert_eq!(gunzip(&all), (b"one\ntwo\n".to_vec(), None));
        let (_, warn) = gunzip(&all[..all.len() - 6]);
        assert!(warn.unwrap().contains("corrupt"));
    }

    #[test]
    fn binary_detection() {
        assert!(looks_binary(&[0u8; 100]));
        assert!(!looks_binary(b"Jan 22 15:30:01 host sshd[1]: ok\n"));
    }
}
