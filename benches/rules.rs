//! Rule matching throughput on a mix of realistic lines (syslog, JSON, PostgreSQL,
//! plain timestamped; about half hit a rule). Lines are parsed once up front, so
//! this measures `match_record` alone.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use culprit::rules::{parse_line, RuleSet};

const LINES: &[&str] = &[
    "Dec 10 06:55:48 LabSZ sshd[24200]: Failed password for invalid user webmaster from 173.234.31.186 port 38926 ssh2",
    "Dec 10 09:32:20 LabSZ sshd[24680]: Accepted password for fztu from 119.137.62.142 port 49116 ssh2",
    "Dec 10 06:55:46 LabSZ sshd[24200]: Received disconnect from 173.234.31.186: 11: Bye Bye [preauth]",
    "Jan 22 15:30:01 web-1 CRON[3411]: pam_unix(cron:session): session opened for user root by (uid=0)",
    "Jan 22 15:30:01 web-1 kernel: [1234.5678] e1000e: eth0 NIC Copper Link setup",
    r#"{"ts":"2024-01-22T15:30:01.250Z","level":"info","service":"auth","host":"auth-2","msg":"token issued","kid":"k1","user":"alice"}"#,
    r#"{"ts":"2024-01-22T15:30:01.250Z","level":"error","service":"auth","host":"auth-2","msg":"token signing failed","kid":"k2"}"#,
    r#"{"ts":"2024-01-22T15:30:01Z","level":"info","msg":"request","method":"GET","path":"/api/orders","status":200,"duration_ms":12}"#,
    r#"{"ts":"2024-01-22T15:30:01Z","level":"debug","msg":"cache hit","key":"user:1234","ttl":300}"#,
    "2024-01-22 15:30:01.123 UTC [812] LOG:  duration: 0.512 ms  statement: SELECT * FROM sessions WHERE id = $1",
    "2024-01-22 15:30:01.123 UTC [812] FATAL:  remaining connection slots are reserved for non-replication superuser connections",
    "2024-01-22 15:30:01.123 UTC [812] LOG:  checkpoint complete: wrote 12 buffers (0.1%); 0 WAL file(s) added",
    "2015-10-18 18:01:47,978 INFO [main] org.apache.hadoop.mapreduce.v2.app.MRAppMaster: Created MRAppMaster for application",
    "2024-01-22T15:30:01Z INFO GET /healthz 200 0.3ms",
    "2024-01-22T15:30:01Z WARN dial tcp 10.0.0.5:5432: i/o timeout",
    "Jan 22 15:30:01 web-1 systemd[1]: Started Session 42 of user alice.",
];

fn bench(c: &mut Criterion) {
    let set = RuleSet::builtin().expect("built-in rules load");
    let parsed: Vec<_> = LINES.iter().map(|l| parse_line(l.as_bytes()).parsed).collect();
    let bytes: u64 = LINES.iter().map(|l| l.len() as u64).sum();
    // CULPRIT_BENCH_PER_LINE=1 prints the cost of each line on its own, to find slow rules. It takes
    // the fastest of many short runs, which stays meaningful on a busy machine.
    if std::env::var_os("CULPRIT_BENCH_PER_LINE").is_some() {
        let min_ns = |f: &dyn Fn() -> u32| {
            (0..200)
                .map(|_| {
                    let t = std::time::Instant::now();
                    for _ in 0..200 {
                        std::hint::black_box(f());
                    }
                    t.elapsed().as_nanos() as f64 / 200.0
                })
                .fold(f64::INFINITY, f64::min)
        };
        let mut total = 0.0;
        for (l, p) in LINES.iter().zip(&parsed) {
            let ns = min_ns(&|| set.match_record(std::hint::black_box(l.as_bytes()), p));
            total += ns;
            let hit = set.get(set.match_record(l.as_bytes(), p)).map(|r| r.id.as_str()).unwrap_or("-");
            eprintln!("{ns:>7.0} ns  {hit:<28} {}", &l[..l.len().min(70)]);
        }
        let per_line = total / LINES.len() as f64;
        eprintln!("mean {per_line:.0} ns/line = {:.2} M lines/s per core", 1e3 / per_line);
    }
    if let Some(dir) = std::env::var_os("CULPRIT_LOGHUB") {
        loghub(&set, std::path::Path::new(&dir));
    }
    let mut g = c.benchmark_group("rules");
    g.throughput(Throughput::Elements(LINES.len() as u64));
    g.bench_function("match_record_mix", |b| {
        b.iter(|| {
            let mut hits = 0u32;
            for (l, p) in LINES.iter().zip(&parsed) {
                hits = hits.wrapping_add(set.match_record(l.as_bytes(), p));
            }
            hits
        })
    });
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function("match_record_mix_bytes", |b| {
        b.iter(|| LINES.iter().zip(&parsed).filter(|(l, p)| set.match_record(l.as_bytes(), p) != u32::MAX).count())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

/// Every line of the Loghub samples (16 systems, real and varied), when CULPRIT_LOGHUB is set:
/// match_record against one RegexSet pass over the same messages.
fn loghub(set: &RuleSet, dir: &std::path::Path) {
    let mut lines: Vec<String> = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        if let Ok(text) = std::fs::read_to_string(e.path().join(format!("{name}_2k.log"))) {
            lines.extend(text.lines().map(|l| l.trim_end_matches('\r').to_string()));
        }
    }
    let parsed: Vec<_> = lines.iter().map(|l| parse_line(l.as_bytes()).parsed).collect();
    let pats: Vec<&String> = set.rules.iter().flat_map(|r| r.patterns.iter()).collect();
    let rs = regex::bytes::RegexSetBuilder::new(&pats).unicode(false).build().expect("regex set");
    let time = |f: &dyn Fn() -> usize| {
        (0..5)
            .map(|_| {
                let t = std::time::Instant::now();
                std::hint::black_box(f());
                t.elapsed().as_nanos() as f64 / lines.len() as f64
            })
            .fold(f64::INFINITY, f64::min)
    };
    let ours =
        time(&|| lines.iter().zip(&parsed).filter(|(l, p)| set.match_record(l.as_bytes(), p) != u32::MAX).count());
    let set_pass =
        time(&|| lines.iter().zip(&parsed).map(|(l, p)| rs.matches(p.msg.get(l.as_bytes())).iter().count()).sum());
    eprintln!(
        "loghub: {} lines: match_record {ours:.0} ns/line ({:.2} M lines/s); one RegexSet pass over {} patterns {set_pass:.0} ns/line",
        lines.len(),
        1e3 / ours,
        pats.len()
    );
}
