//! Sources: turn the paths a user names into byte buffers with stable ids.
//!
//! Every input is copied into memory with plain reads; nothing is
//! memory-mapped. A file truncated under a live map (logrotate's
//! `copytruncate`, `> app.log`) raises SIGBUS on the next touch of a page past
//! the new end, and no mapping flag prevents it: Linux drops even a private
//! mapping's copied pages past the new size on truncation. The only sound
//! answers are a signal handler that jumps out of arbitrary code (not
//! something Rust code can do safely) or not mapping, so culprit reads. Reads
//! are done in parallel blocks, so a warm page cache copies at memory speed.
//! A file that shrinks while it is read keeps what was read, with a warning
//! naming it; [`shrunk_since_read`] tells whether one shrank afterwards.
//!
//! Gzip is decompressed with a cap on its output ([`DEFAULT_MAX_DECOMPRESSED`],
//! `--max-decompressed`), so a small file cannot expand to fill memory.
//! Inputs are only ever opened read-only. Problems with one input become a
//! [`Notice`] and the others carry on.

pub mod clickhouse;
mod discover;
pub mod follow;

pub use discover::{discover, Candidate};

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// How much of a non-regular file (FIFO, device) is read before deciding it is binary.
const SNIFF_BYTES: usize = 64 * 1024;
/// A cap on what is read from a device or pipe named explicitly (`/dev/zero` must not hang us).
const MAX_STREAM_BYTES: u64 = 4 << 30;
/// What one compressed input may expand to unless `--max-decompressed` says otherwise: well past a
/// day of a busy service's logs, far short of what a gzip bomb (1000:1) would take.
pub const DEFAULT_MAX_DECOMPRESSED: u64 = 2 << 30;
/// Regular files are read in blocks of this size, side by side.
const READ_BLOCK: usize = 8 << 20;

/// How inputs are read.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// The most bytes one compressed input may decompress to; the rest is left out with a warning.
    pub max_decompressed: u64,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions { max_decompressed: DEFAULT_MAX_DECOMPRESSED }
    }
}

/// The bytes of one input.
pub enum Data {
    /// Read from a file or stream into memory (never mapped: see the module docs).
    Owned(Vec<u8>),
    /// A regular file's bytes, with what identified the file when it was read, so a later
    /// truncation or rotation can be named.
    File { bytes: Vec<u8>, identity: FileIdentity },
    /// Rows of an aggregate, one record a non-blank line: record `k` stands for `counts[k]` log lines.
    Counted { bytes: Vec<u8>, counts: Vec<u32> },
}

impl Data {
    pub fn bytes(&self) -> &[u8] {
        match self {
            Data::Owned(v) => v,
            Data::File { bytes, .. } => bytes,
            Data::Counted { bytes, .. } => bytes,
        }
    }

    /// The line count of each record, when the bytes are rows of an aggregate.
    pub fn counts(&self) -> Option<&[u32]> {
        match self {
            Data::Counted { counts, .. } => Some(counts),
            _ => None,
        }
    }
}

/// A regular file as it was when read: its device and inode (0 where unknown) and the bytes taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileIdentity {
    pub dev: u64,
    pub ino: u64,
    pub len: u64,
}

impl FileIdentity {
    fn of(meta: &std::fs::Metadata, len: u64) -> FileIdentity {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            FileIdentity { dev: meta.dev(), ino: meta.ino(), len }
        }
        #[cfg(not(unix))]
        {
            let _ = meta;
            FileIdentity { dev: 0, ino: 0, len }
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
    pub fn display(&self) -> String {
        crate::text::escape_path(&self.path)
    }
}

/// Something the user should know about an input that was skipped or damaged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub path: PathBuf,
    pub message: String,
    /// The input could not be read at all (missing, permission denied, an I/O error), as opposed
    /// to skipped on purpose (binary, not a regular file): the exit status says so.
    pub unreadable: bool,
}

impl std::fmt::Display for Notice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", crate::text::escape_path(&self.path), self.message)
    }
}

/// Loads every path (files, folders, `-`) into sources with the default options.
pub fn load(paths: &[PathBuf]) -> (Vec<Source>, Vec<Notice>) {
    load_with(paths, &LoadOptions::default())
}

/// Loads every path (files, folders, `-`) into sources. Never fails as a whole:
/// unreadable inputs become notices.
pub fn load_with(paths: &[PathBuf], opts: &LoadOptions) -> (Vec<Source>, Vec<Notice>) {
    let (candidates, mut notices) = discover(paths);
    let mut sources = Vec::with_capacity(candidates.len());
    for cand in candidates {
        match open(&cand, opts) {
            Ok(Some(mut src)) => {
                src.id = sources.len() as u32;
                sources.push(src);
            }
            Ok(None) => notices.push(Notice {
                path: cand.path.clone(),
                message: "binary file, skipped".into(),
                unreadable: false,
            }),
            Err(e) => notices.push(Notice { path: cand.path.clone(), message: e, unreadable: true }),
        }
    }
    (sources, notices)
}

/// Inputs whose file shrank or was replaced after it was read (truncated or rotated while
/// culprit worked), each with a sentence saying what the findings still cover.
pub fn shrunk_since_read(sources: &[Source]) -> Vec<Notice> {
    sources
        .iter()
        .filter_map(|s| {
            let Data::File { identity, .. } = &s.data else { return None };
            let message = match std::fs::metadata(&s.path) {
                Err(_) => "removed after it was read; the findings cover what was read".to_string(),
                Ok(m) => {
                    let now = FileIdentity::of(&m, m.len());
                    if (now.dev, now.ino) != (identity.dev, identity.ino) {
                        "replaced (rotated) after it was read; the findings cover the file as it was".to_string()
                    } else if now.len < identity.len {
                        format!(
                            "shrank from {} to {} bytes after it was read (truncated); the findings cover the {} bytes read",
                            identity.len, now.len, identity.len
                        )
                    } else {
                        return None;
                    }
                }
            };
            Some(Notice { path: s.path.clone(), message, unreadable: false })
        })
        .collect()
}

/// Strips rotation and compression suffixes: `auth.log.2.gz` → `auth.log`, `syslog.1` → `syslog`.
pub fn stream_name(path: &Path) -> String {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "-".into());
    let mut s = strip_compression(&name);
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
    let s = strip_compression(&name);
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

/// Compressed containers rotated logs come in, by their magic bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Compression {
    Gzip,
    Xz,
    Zstd,
    Bzip2,
}

impl Compression {
    fn of(head: &[u8]) -> Option<Compression> {
        if head.starts_with(&[0x1f, 0x8b]) {
            Some(Compression::Gzip)
        } else if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
            Some(Compression::Xz)
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Some(Compression::Zstd)
        } else if head.starts_with(b"BZh") && head.get(3).is_some_and(|c| (b'1'..=b'9').contains(c)) {
            Some(Compression::Bzip2)
        } else {
            None
        }
    }

    fn name(self) -> &'static str {
        match self {
            Compression::Gzip => "gzip",
            Compression::Xz => "xz",
            Compression::Zstd => "zstd",
            Compression::Bzip2 => "bzip2",
        }
    }
}

/// Compression suffixes a rotated file may carry.
const COMPRESSED_SUFFIXES: [&str; 5] = [".gz", ".xz", ".zst", ".bz2", ".zstd"];

fn strip_compression(name: &str) -> &str {
    COMPRESSED_SUFFIXES.iter().find_map(|s| name.strip_suffix(s)).unwrap_or(name)
}

fn open(cand: &Candidate, opts: &LoadOptions) -> Result<Option<Source>, String> {
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
        let mut warnings = Vec::new();
        let data = if meta.is_file() {
            let (bytes, shrank) = read_regular(&file, meta.len())?;
            warnings.extend(shrank);
            Data::File { identity: FileIdentity::of(&meta, bytes.len() as u64), bytes }
        } else {
            Data::Owned(read_stream(file)?)
        };
        Source { id: 0, path: cand.path.clone(), stream: stream_name(&cand.path), data, mtime, warnings }
    };
    if let Some(kind) = Compression::of(src.bytes()) {
        let (plain, warning) = decompress(kind, src.bytes(), opts.max_decompressed);
        src.data = Data::Owned(plain);
        src.warnings.extend(warning);
    }
    if looks_binary(src.bytes()) {
        return Ok(None);
    }
    Ok(Some(src))
}

/// Reads the first `len` bytes of a regular file (its size when opened; what is appended later
/// waits for the next run), in blocks read side by side. A block that comes back short means the
/// file shrank meanwhile: the bytes before it are kept and the warning names the loss.
fn read_regular(file: &File, len: u64) -> Result<(Vec<u8>, Option<String>), String> {
    use rayon::prelude::*;
    let len = usize::try_from(len).map_err(|_| format!("too large to read ({len} bytes)"))?;
    // Zeroed allocation comes straight from the kernel's zero pages: no pass over the buffer.
    let mut buf = vec![0u8; len];
    let got: Vec<std::io::Result<usize>> = buf
        .par_chunks_mut(READ_BLOCK)
        .enumerate()
        .map(|(i, block)| read_at(file, block, (i * READ_BLOCK) as u64))
        .collect();
    let mut end = 0;
    for (i, r) in got.into_iter().enumerate() {
        let n = r.map_err(|e| io_reason(&e))?;
        end = i * READ_BLOCK + n;
        if n < READ_BLOCK.min(len - i * READ_BLOCK) {
            break;
        }
    }
    let now = file.metadata().map(|m| m.len()).unwrap_or(0);
    let warning = (end < len || now < len as u64).then(|| {
        format!(
            "shrank from {len} to {now} bytes while being read (truncated or rotated); the findings cover the first {end} bytes"
        )
    });
    buf.truncate(end);
    Ok((buf, warning))
}

/// Fills `block` from `offset`, stopping early only at the end of the file.
fn read_at(file: &File, block: &mut [u8], offset: u64) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < block.len() {
        match pread(file, &mut block[filled..], offset + filled as u64) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// One positioned read (the file's own position is left alone).
fn pread(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
    #[cfg(unix)]
    return std::os::unix::fs::FileExt::read_at(file, buf, offset);
    #[cfg(windows)]
    return std::os::windows::fs::FileExt::seek_read(file, buf, offset);
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

/// [`gunzip_capped`] with the default cap.
pub fn gunzip(data: &[u8]) -> (Vec<u8>, Option<String>) {
    decompress(Compression::Gzip, data, DEFAULT_MAX_DECOMPRESSED)
}

/// [`decompress`] of gzip with a cap of `cap` bytes of output.
pub fn gunzip_capped(data: &[u8], cap: u64) -> (Vec<u8>, Option<String>) {
    decompress(Compression::Gzip, data, cap)
}

/// Decompresses a whole file (every member or frame), streaming, up to `cap` bytes of output:
/// past the cap the rest is left out with a warning (a gzip bomb expands a thousandfold). Binary
/// content stops after its first block, which is all the binary test needs. A corrupt or truncated
/// stream keeps what decoded and warns.
fn decompress(kind: Compression, data: &[u8], cap: u64) -> (Vec<u8>, Option<String>) {
    // Logs compress about tenfold; the cap bounds the guess so a bomb reserves nothing extra.
    let guess = (data.len() as u64).saturating_mul(8).min(cap).min(1 << 30);
    let mut out = Vec::with_capacity(guess as usize);
    // One byte past the cap tells that it was reached.
    let limit = cap.saturating_add(1).min(MAX_STREAM_BYTES);
    let result: Result<(), String> = match kind {
        Compression::Gzip => {
            let mut dec = flate2::read::MultiGzDecoder::new(data).take(limit);
            match (&mut dec).take(SNIFF_BYTES as u64).read_to_end(&mut out) {
                Ok(_) if looks_binary(&out) => return (out, None),
                Ok(_) => dec.read_to_end(&mut out).map(|_| ()).map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            }
        }
        Compression::Bzip2 => read_capped(bzip2::read::MultiBzDecoder::new(data), &mut out, limit),
        Compression::Xz => {
            let mut capped = CappedWriter(&mut out, limit);
            lzma_rs::xz_decompress(&mut std::io::BufReader::new(data), &mut capped).map_err(|e| e.to_string())
        }
        Compression::Zstd => {
            // One frame after another, as `zstd` appends them.
            let mut rest = data;
            let mut result = Ok(());
            while !rest.is_empty() && result.is_ok() && (out.len() as u64) < limit {
                result = match ruzstd::decoding::StreamingDecoder::new(&mut rest) {
                    Ok(frame) => read_capped(frame, &mut out, limit),
                    Err(e) => Err(e.to_string()),
                };
            }
            result
        }
    };
    match result {
        Ok(()) if out.len() as u64 > cap => {
            out.truncate(cap as usize);
            // End on a line boundary so the last record is whole.
            if let Some(nl) = memchr::memrchr(b'\n', &out) {
                out.truncate(nl + 1);
            }
            let msg = format!(
                "decompressed output reached the cap of {} (--max-decompressed); the rest of the file is left out",
                human_size(cap)
            );
            (out, Some(msg))
        }
        Ok(()) => (out, None),
        Err(e) => {
            let what = kind.name();
            let msg = format!("{what} data is corrupt or truncated after {} decompressed bytes: {e}", out.len());
            (out, Some(msg))
        }
    }
}

fn read_capped(reader: impl Read, out: &mut Vec<u8>, limit: u64) -> Result<(), String> {
    let budget = limit.saturating_sub(out.len() as u64);
    reader.take(budget).read_to_end(out).map(|_| ()).map_err(|e| e.to_string())
}

/// A sink that stops taking bytes past its limit (a decompression bomb ends there).
struct CappedWriter<'a>(&'a mut Vec<u8>, u64);

impl std::io::Write for CappedWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let room = self.1.saturating_sub(self.0.len() as u64) as usize;
        self.0.extend_from_slice(&buf[..buf.len().min(room)]);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `2 GiB`, `64 MiB`, `512 bytes`: sizes in messages.
pub fn human_size(n: u64) -> String {
    match n {
        n if n >= 1 << 30 && n % (1 << 30) == 0 => format!("{} GiB", n >> 30),
        n if n >= 1 << 20 && n % (1 << 20) == 0 => format!("{} MiB", n >> 20),
        n if n >= 1 << 10 && n % (1 << 10) == 0 => format!("{} KiB", n >> 10),
        n => format!("{n} bytes"),
    }
}

/// Parses a size flag: bytes, or a number with K, M, G or T (powers of 1024; `iB`/`B` optional).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(digits);
    let n: u64 = num.parse().map_err(|_| format!("'{s}' is not a size (e.g. 512M, 4G)"))?;
    let shift = match unit.trim().to_ascii_lowercase().trim_end_matches("ib").trim_end_matches('b') {
        "" => 0,
        "k" => 10,
        "m" => 20,
        "g" => 30,
        "t" => 40,
        _ => return Err(format!("'{s}': unknown unit (use K, M, G or T)")),
    };
    n.checked_mul(1 << shift).ok_or_else(|| format!("'{s}' is too large"))
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
        assert_eq!(stream_name(Path::new("syslog.3.xz")), "syslog");
        assert_eq!(rotation_age(Path::new("syslog.3.zst")), 3);
        assert_eq!(stream_name(Path::new("auth.log-20240122.bz2")), "auth.log");
    }

    #[test]
    fn xz_zstd_and_bzip2_are_read_not_taken_for_text() {
        use std::io::Write;
        let text = b"Jan 22 15:30:01 host sshd[1]: one\nJan 22 15:30:02 host sshd[1]: two\n".repeat(50);
        let mut xz = Vec::new();
        lzma_rs::xz_compress(&mut &text[..], &mut xz).unwrap();
        let mut zst = ruzstd::encoding::compress_to_vec(&text[..], ruzstd::encoding::CompressionLevel::Fastest);
        // Two frames one after the other, as `zstd` appends them.
        zst.extend(ruzstd::encoding::compress_to_vec(&b"three\n"[..], ruzstd::encoding::CompressionLevel::Fastest));
        let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
        bz.write_all(&text).unwrap();
        let bz = bz.finish().unwrap();
        for (packed, want) in [(&xz, text.clone()), (&zst, [&text[..], b"three\n"].concat()), (&bz, text.clone())] {
            let kind = Compression::of(packed).expect("compressed");
            assert_eq!(decompress(kind, packed, DEFAULT_MAX_DECOMPRESSED), (want, None), "{kind:?}");
            let (_, warn) = decompress(kind, &packed[..packed.len() / 2], DEFAULT_MAX_DECOMPRESSED);
            assert!(warn.is_some_and(|w| w.contains("corrupt or truncated")), "{kind:?}");
        }
        assert_eq!(Compression::of(&text), None);
        assert_eq!(Compression::of(b"BZhx"), None);
    }

    /// Every container stops at the cap, on a line boundary, and says so.
    #[test]
    fn every_compression_stops_at_the_cap() {
        use std::io::Write;
        let text = b"0123456789abcdef\n".repeat(64 * 1024);
        let mut xz = Vec::new();
        lzma_rs::xz_compress(&mut &text[..], &mut xz).unwrap();
        let zst = ruzstd::encoding::compress_to_vec(&text[..], ruzstd::encoding::CompressionLevel::Fastest);
        let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
        bz.write_all(&text).unwrap();
        let bz = bz.finish().unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&text).unwrap();
        let gz = gz.finish().unwrap();
        for packed in [&xz, &zst, &bz, &gz] {
            let kind = Compression::of(packed).expect("compressed");
            let (out, warn) = decompress(kind, packed, 100_000);
            assert!(out.len() <= 100_000 && out.ends_with(b"\n"), "{kind:?}: {} bytes", out.len());
            assert!(warn.is_some_and(|w| w.contains("--max-decompressed")), "{kind:?}");
        }
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
    fn gzip_output_is_capped_at_a_line_and_binary_stops_early() {
        use flate2::write::GzEncoder;
        use std::io::Write;
        let gz = |plain: &[u8]| {
            let mut enc = GzEncoder::new(Vec::new(), flate2::Compression::best());
            enc.write_all(plain).unwrap();
            enc.finish().unwrap()
        };
        let lines = b"0123456789 abc\n".repeat(100_000);
        let (out, warn) = gunzip_capped(&gz(&lines), 1000);
        assert_eq!(out.len(), 1000 / 15 * 15, "whole lines up to the cap");
        assert!(warn.unwrap().contains("reached the cap of 1000 bytes"));
        assert_eq!(gunzip_capped(&gz(&lines), lines.len() as u64), (lines.clone(), None), "exactly the cap is whole");
        // 64 MiB of zeros: the first block says binary, the rest is never expanded.
        let (out, warn) = gunzip(&gz(&vec![0u8; 64 << 20]));
        assert!(out.len() <= SNIFF_BYTES && looks_binary(&out) && warn.is_none(), "{}", out.len());
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("512"), Ok(512));
        assert_eq!(parse_size("64M"), Ok(64 << 20));
        assert_eq!(parse_size("2GiB"), Ok(2 << 30));
        assert_eq!(parse_size("1t"), Ok(1 << 40));
        assert!(parse_size("lots").is_err() && parse_size("-5M").is_err() && parse_size("3X").is_err());
        assert!(parse_size("99999999999T").is_err());
        assert_eq!(human_size(DEFAULT_MAX_DECOMPRESSED), "2 GiB");
    }

    #[test]
    fn regular_files_are_read_whole_and_a_later_shrink_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("app.log");
        let text = b"2024-01-22T15:00:00Z INFO x\n".repeat((READ_BLOCK / 28) * 2 + 5);
        std::fs::write(&p, &text).unwrap();
        let (sources, notices) = load(std::slice::from_ref(&p));
        assert!(notices.is_empty());
        assert_eq!(sources[0].bytes(), &text[..], "blocks read side by side come back in order");
        assert!(sources[0].warnings.is_empty());
        assert!(shrunk_since_read(&sources).is_empty());
        std::fs::File::options().write(true).open(&p).unwrap().set_len(10).unwrap();
        let n = shrunk_since_read(&sources);
        assert_eq!(n.len(), 1);
        assert!(n[0].message.starts_with(&format!("shrank from {} to 10 bytes after it was read", text.len())));
        // Rotation: a new file takes the name (made first, so it cannot reuse the inode).
        std::fs::write(dir.path().join("next"), "new").unwrap();
        std::fs::rename(dir.path().join("next"), &p).unwrap();
        assert!(shrunk_since_read(&sources)[0].message.starts_with("replaced (rotated)"));
    }

    #[test]
    fn binary_detection() {
        assert!(looks_binary(&[0u8; 100]));
        assert!(!looks_binary(b"Jan 22 15:30:01 host sshd[1]: ok\n"));
    }
}
