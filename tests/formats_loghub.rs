//! Every Loghub 2k sample is read completely: each line a record with a timestamp, and the first
//! timestamp equal to the ground truth in `<System>_2k.log_structured.csv`.
//!
//! The samples are not part of the repository; set CULPRIT_LOGHUB to the folder that holds them.

use culprit::index::{Index, IndexOptions};
use culprit::rules::RuleSet;
use culprit::time::civil_to_millis;
use std::path::PathBuf;

fn loghub() -> Option<PathBuf> {
    let dir = std::env::var_os("CULPRIT_LOGHUB").map(PathBuf::from).filter(|d| d.is_dir());
    if dir.is_none() {
        eprintln!("skipped: CULPRIT_LOGHUB not set (or not a folder)");
    }
    dir
}

fn num(s: &str) -> u32 {
    s.trim().parse().unwrap_or_else(|_| panic!("not a number: {s:?}"))
}

fn month(s: &str) -> u32 {
    let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    months.iter().position(|m| *m == s).map(|i| i as u32 + 1).unwrap_or_else(|| panic!("month {s:?}"))
}

/// `HH:MM:SS` with an optional `,mmm`/`.mmm`/`:mmm` fraction.
fn clock(s: &str) -> (u32, u32, u32, u32) {
    let (h, rest) = s.split_at(2);
    let m = &rest[1..3];
    let sec = &rest[4..6];
    let frac = rest.get(7..).unwrap_or("");
    let ms = if frac.is_empty() { 0 } else { num(&format!("{:0<3}", &frac[..frac.len().min(3)])) };
    (num(h), num(m), num(sec), ms)
}

/// The first record's expected civil time (UTC as written in the line; yearless ones in `year`), from the
/// ground-truth columns, computed independently of the crate's parsers.
fn expected(system: &str, col: &dyn Fn(&str) -> String, year: i64) -> i64 {
    let civil = |y: i64, mo: u32, d: u32, (h, mi, s, ms): (u32, u32, u32, u32)| civil_to_millis(y, mo, d, h, mi, s, ms);
    match system {
        "Android" => {
            let date = col("Date");
            civil(year, num(&date[..2]), num(&date[3..]), clock(&col("Time")))
        }
        "Apache" => {
            // Sun Dec 04 04:47:44 2005
            let t = col("Time");
            let p: Vec<&str> = t.split(' ').collect();
            civil(num(p[4]) as i64, month(p[1]), num(p[2]), clock(p[3]))
        }
        "BGL" => {
            // 2005-06-03-15.42.50.675872
            let t = col("Time");
            let hms = t[11..].replacen('.', ":", 2);
            civil(num(&t[..4]) as i64, num(&t[5..7]), num(&t[8..10]), clock(&hms))
        }
        "HDFS" => {
            let (d, t) = (col("Date"), col("Time"));
            let hms = format!("{}:{}:{}", &t[..2], &t[2..4], &t[4..6]);
            civil(2000 + num(&d[..2]) as i64, num(&d[2..4]), num(&d[4..6]), clock(&hms))
        }
        "HPC" => num(&col("Time")) as i64 * 1000,
        "Hadoop" | "OpenStack" | "Windows" | "Zookeeper" => {
            let d = col("Date");
            civil(num(&d[..4]) as i64, num(&d[5..7]), num(&d[8..10]), clock(&col("Time")))
        }
        "HealthApp" => {
            // 20171223-22:15:29:606
            let t = col("Time");
            civil(num(&t[..4]) as i64, num(&t[4..6]), num(&t[6..8]), clock(&t[9..]))
        }
        "Linux" | "Mac" => civil(year, month(&col("Month")), num(&col("Date")), clock(&col("Time"))),
        "OpenSSH" => civil(year, month(&col("Date")), num(&col("Day")), clock(&col("Time"))),
        "Proxifier" => {
            // 10.30 16:49:06
            let t = col("Time");
            civil(year, num(&t[..2]), num(&t[3..5]), clock(&t[6..]))
        }
        "Spark" => {
            let d = col("Date");
            civil(2000 + num(&d[..2]) as i64, num(&d[3..5]), num(&d[6..8]), clock(&col("Time")))
        }
        "Thunderbird" => civil(year, month(&col("Month")), num(&col("Day")), clock(&col("Time"))),
        other => panic!("no expectation for {other}"),
    }
}

/// The year when the ground truth knows it (the line's own year, or Thunderbird's Date column).
fn known_year(system: &str, col: &dyn Fn(&str) -> String) -> Option<i64> {
    // Android, Linux, Mac, OpenSSH and Proxifier stamps carry no year anywhere.
    (system == "Thunderbird").then(|| num(&col("Date")[..4]) as i64)
}

const SYSTEMS: [(&str, &str); 16] = [
    ("Android", "generic"),
    ("Apache", "apache-error"),
    ("BGL", "generic"),
    ("HDFS", "generic"),
    ("HPC", "generic"),
    ("Hadoop", "generic"),
    ("HealthApp", "generic"),
    ("Linux", "syslog"),
    ("Mac", "syslog"),
    ("OpenSSH", "syslog"),
    ("OpenStack", "generic"),
    ("Proxifier", "generic"),
    ("Spark", "generic"),
    ("Thunderbird", "generic"),
    ("Windows", "generic"),
    ("Zookeeper", "generic"),
];

#[test]
fn every_loghub_line_is_a_timed_record() {
    let Some(dir) = loghub() else { return };
    let mut failures = Vec::new();
    for (system, want_format) in SYSTEMS {
        let log = dir.join(system).join(format!("{system}_2k.log"));
        let csv = std::fs::read_to_string(dir.join(system).join(format!("{system}_2k.log_structured.csv")))
            .unwrap_or_else(|e| panic!("{system}: {e}"));
        let rows = culprit::patterns::ga::parse_csv(&csv);
        let (header, first) = (&rows[0], &rows[1]);
        let col = |name: &str| -> String {
            let i = header.iter().position(|h| h == name).unwrap_or_else(|| panic!("{system}: no column {name}"));
            first[i].clone()
        };
        // Yearless layouts take `--year`: the known year where there is one, else an arbitrary one.
        let year = known_year(system, &col).unwrap_or(2024);
        let opts = IndexOptions { year: Some(year), mine_patterns: false, ..Default::default() };
        let idx = Index::open(std::slice::from_ref(&log), RuleSet::empty(), &opts);
        let info = &idx.inputs[0];
        let want_ts = expected(system, &col, year);
        let got_ts = if idx.records.is_empty() { i64::MIN } else { idx.records.ts(0) };
        let line = format!(
            "{system}: format {} lines {} records {} unparsed {} untimed {} first {} (want {})",
            info.format,
            info.lines,
            info.records,
            info.unparsed,
            info.untimed,
            culprit::time::rfc3339(got_ts),
            culprit::time::rfc3339(want_ts)
        );
        eprintln!("{line}");
        if info.lines != 2000
            || info.records != 2000
            || info.unparsed != 0
            || info.untimed != 0
            || got_ts != want_ts
            || info.format != want_format
        {
            failures.push(line);
        }
    }
    assert!(failures.is_empty(), "failures:\n{}", failures.join("\n"));
}

/// Grouping accuracy of the templates mined from the raw files (not from Loghub's extracted
/// Content column): what the message extraction leaves to the miner. A ratchet on the measured
/// figures, printed per system.
#[test]
fn raw_file_grouping_accuracy() {
    use culprit::patterns::ga;
    let Some(root) = loghub() else { return };
    let (mut sum, mut sum_c) = (0.0, 0.0);
    let mut below = Vec::new();
    for sys in ga::SYSTEMS {
        let log = root.join(sys).join(format!("{sys}_2k.log"));
        let truth = ga::read_truth(&root.join(sys).join(format!("{sys}_2k.log_structured.csv"))).expect("truth");
        let opts = IndexOptions { year: Some(2024), mine_patterns: true, ..Default::default() };
        let idx = Index::open(std::slice::from_ref(&log), RuleSet::empty(), &opts);
        // One prediction per physical line: a record's template for each of its lines.
        let mut pred = vec![u32::MAX; truth.event.len()];
        for i in 0..idx.records.len() {
            let first = idx.line_of(i) as usize - 1;
            let lines = memchr::memchr_iter(b'\n', idx.record_bytes(i)).count() + 1;
            for p in pred.iter_mut().skip(first).take(lines) {
                *p = idx.records.template(i);
            }
        }
        let accuracy = ga::grouping_accuracy(&pred, &truth.event);
        let corrected_path = root.join("corrected").join(sys).join(format!("{sys}_2k.log_structured_corrected.csv"));
        let corrected = ga::read_truth(&corrected_path).expect("corrected truth");
        let accuracy_c = ga::grouping_accuracy(&pred, &corrected.event);
        eprintln!("{sys:<12} {accuracy:.3} {accuracy_c:.3}");
        if accuracy < RAW_GA_MIN_SYSTEM || accuracy_c < RAW_GA_MIN_SYSTEM_CORRECTED {
            below.push(format!("{sys} {accuracy:.3} {accuracy_c:.3}"));
        }
        sum += accuracy;
        sum_c += accuracy_c;
    }
    let (mean, mean_c) = (sum / ga::SYSTEMS.len() as f64, sum_c / ga::SYSTEMS.len() as f64);
    eprintln!("mean         {mean:.3} {mean_c:.3}");
    assert!(below.is_empty(), "systems below {RAW_GA_MIN_SYSTEM} ({RAW_GA_MIN_SYSTEM_CORRECTED} corrected): {below:?}");
    assert!(mean >= RAW_GA_MIN_MEAN, "raw-file mean GA {mean:.3} < {RAW_GA_MIN_MEAN}");
    assert!(
        mean_c >= RAW_GA_MIN_MEAN_CORRECTED,
        "raw-file mean GA (corrected) {mean_c:.3} < {RAW_GA_MIN_MEAN_CORRECTED}"
    );
}

/// The raw-file means measured when this ratchet was set (0.980 original, 0.974 corrected truth;
/// 0.950 / 0.944 before a parenthesised restatement of a quantity (`bytes (1.16 KB) sent`) and a
/// bound with its unit (`<1 sec`) were masked as one value; 0.768 original before header columns
/// were learned), less a little slack.
const RAW_GA_MIN_MEAN: f64 = 0.975;
const RAW_GA_MIN_MEAN_CORRECTED: f64 = 0.97;
/// The lowest system when set: Spark 0.923 on the original truth, Android 0.836 on the corrected one
/// (Proxifier was 0.516 before the masking above).
const RAW_GA_MIN_SYSTEM: f64 = 0.92;
const RAW_GA_MIN_SYSTEM_CORRECTED: f64 = 0.83;
