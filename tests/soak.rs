//! Soak: a writer appends about 20 000 lines a second while `culprit follow`
//! follows the file headless; a third of the way in the file is rotated
//! (renamed, written to a little longer, then a new file), two thirds in it is
//! copied and truncated (logrotate's `copytruncate`). Every line must come out
//! exactly once, the follower's memory stays bounded, and its count equals what
//! `culprit inputs` counts on the files left at the end.
//!
//! 60 seconds by default (about 66 s in all); `CULPRIT_SOAK_SECS` sets another
//! length. Linux only (it reads the follower's peak memory from /proc).

#![cfg(target_os = "linux")]

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const LINES_PER_SEC: u64 = 20_000;
const BATCH_EVERY: Duration = Duration::from_millis(10);

fn line(seq: u64) -> String {
    let ms = seq * 1000 / LINES_PER_SEC;
    let level = if seq % 50 == 0 { "ERROR" } else { "INFO" };
    format!(
        "2024-01-22T{:02}:{:02}:{:02}.{:03}Z {level} api request seq={seq} path=/v1/items status=200 took=3ms\n",
        15 + ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

/// Waits until the follower has printed every line written so far (bounded, or the test fails).
fn wait_caught_up(seen: &AtomicU64, written: u64, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while seen.load(Ordering::Acquire) < written {
        assert!(
            Instant::now() < deadline,
            "{what}: follower stuck at {} of {written} lines",
            seen.load(Ordering::Acquire)
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn peak_rss_kib(pid: u32) -> u64 {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn append_handle(p: &Path) -> fs::File {
    fs::File::options().create(true).append(true).open(p).unwrap()
}

#[test]
fn follow_through_rotation_and_truncation_loses_and_repeats_nothing() {
    let secs: u64 = std::env::var("CULPRIT_SOAK_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(60);
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("app.log");
    let mut out = append_handle(&log);
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("culprit"))
        .args(["follow", "--interval", "50"])
        .arg(&log)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();

    // The reader: counts every sequence number it is given.
    let total = secs * LINES_PER_SEC + LINES_PER_SEC;
    let seen = Arc::new(AtomicU64::new(0));
    let stdout = child.stdout.take().unwrap();
    let reader = {
        let seen = seen.clone();
        std::thread::spawn(move || {
            let mut counts = vec![0u8; total as usize];
            let mut other = Vec::new();
            for l in BufReader::new(stdout).lines() {
                let l = l.unwrap();
                match l.split_once("seq=").and_then(|(_, r)| r.split(' ').next()).and_then(|n| n.parse::<usize>().ok())
                {
                    Some(n) if n < counts.len() => counts[n] = counts[n].saturating_add(1),
                    _ => other.push(l),
                }
                seen.fetch_add(1, Ordering::Release);
            }
            (counts, other)
        })
    };

    let started = Instant::now();
    let mut written = 0u64;
    let mut rotated = false;
    let mut truncated = false;
    let mut rss_mid = 0;
    let per_batch = LINES_PER_SEC * BATCH_EVERY.as_millis() as u64 / 1000;
    let mut next = Instant::now();
    while started.elapsed() < Duration::from_secs(secs) {
        let mut batch = String::with_capacity(per_batch as usize * 100);
        for _ in 0..per_batch {
            batch.push_str(&line(written));
            written += 1;
        }
        out.write_all(batch.as_bytes()).unwrap();
        let t = started.elapsed().as_secs_f64() / secs as f64;
        if !rotated && t >= 1.0 / 3.0 {
            // Rotation: the name moves; the writer goes on with the old file a moment, then reopens.
            fs::rename(&log, dir.path().join("app.log.1")).unwrap();
            for _ in 0..5 {
                let mut batch = String::new();
                for _ in 0..per_batch {
                    batch.push_str(&line(written));
                    written += 1;
                }
                out.write_all(batch.as_bytes()).unwrap();
                std::thread::sleep(BATCH_EVERY);
            }
            out = append_handle(&log);
            rotated = true;
        }
        if !truncated && t >= 2.0 / 3.0 {
            rss_mid = peak_rss_kib(pid);
            // copytruncate: what the follower has not read yet when the file is cut is gone for
            // it (as for tail -F); the copy keeps it. Cut once it has caught up, as it does
            // within a poll or two at this rate (the wait is bounded and fails the test).
            wait_caught_up(&seen, written, "before the truncation");
            fs::rename(dir.path().join("app.log.1"), dir.path().join("app.log.2")).unwrap();
            fs::copy(&log, dir.path().join("app.log.1")).unwrap();
            fs::File::options().write(true).open(&log).unwrap().set_len(0).unwrap();
            truncated = true;
        }
        next += BATCH_EVERY;
        if let Some(d) = next.checked_duration_since(Instant::now()) {
            std::thread::sleep(d);
        }
    }
    let rate = written as f64 / started.elapsed().as_secs_f64();
    wait_caught_up(&seen, written, "at the end");
    let rss_end = peak_rss_kib(pid);
    assert!(Command::new("kill").args(["-TERM", &pid.to_string()]).status().unwrap().success());
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    let (counts, other) = reader.join().unwrap();
    eprintln!("soak: {written} lines in {secs} s ({rate:.0}/s); follower peak RSS {rss_mid} KiB at 2/3, {rss_end} KiB at the end");
    eprintln!("{stderr}");

    assert!(status.success(), "{status:?}: {stderr}");
    assert!(rotated && truncated);
    assert!(rate > LINES_PER_SEC as f64 * 0.8, "the writer kept up: {rate:.0} lines/s");
    assert!(other.is_empty(), "lines that are not the writer's: {:?}", &other[..other.len().min(3)]);
    let missing: Vec<usize> = (0..written as usize).filter(|&i| counts[i] == 0).take(5).collect();
    let twice: Vec<usize> = (0..written as usize).filter(|&i| counts[i] > 1).take(5).collect();
    assert!(missing.is_empty() && twice.is_empty(), "lost {missing:?}, repeated {twice:?}");
    assert!(stderr.contains("app.log: rotated; reading the new file from its start"), "{stderr}");
    assert!(stderr.contains("app.log: truncated; read again from the start\n"), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "followed {}; 1 rotation, 1 truncation, 0 unread bytes lost",
            culprit::report::counted(written, "line")
        )),
        "{stderr}"
    );
    // Memory: bounded by buffers, not by the ~{written} lines that went through.
    assert!(rss_end < 64 << 10, "peak RSS {rss_end} KiB");
    assert!(rss_end < rss_mid + (8 << 10), "peak RSS grew from {rss_mid} to {rss_end} KiB in the last third");

    // The same count from a report on the files left at the end.
    let inputs = Command::new(assert_cmd::cargo::cargo_bin("culprit"))
        .args(["inputs", "--json"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(inputs.status.success(), "{}", String::from_utf8_lossy(&inputs.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&inputs.stdout).unwrap();
    let files = doc["inputs"].as_array().unwrap();
    assert_eq!(files.len(), 3, "app.log, app.log.1 and app.log.2: {doc}");
    let lines: u64 = files.iter().map(|i| i["lines"].as_u64().unwrap()).sum();
    assert_eq!(lines, written, "culprit inputs on the final files");
}
