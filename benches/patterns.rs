//! Template mining speed.
//!
//!     cargo bench --bench patterns                  # Miner::add lines/s (criterion)
//!     CULPRIT_MINE_RATIO_MB=200 cargo bench --bench patterns -- ratio
//!         # one-shot: index a generated file of that size with and without mining
//!
//! The generated lines mix syslog (sshd, kernel), JSON and generic timestamp+level
//! lines, with numbers, IPs, user names and ids varying line to line.

use criterion::{criterion_group, Criterion, Throughput};
use culprit::index::{Index, IndexOptions};
use culprit::patterns::{merge, Miner};
use culprit::rules::RuleSet;
use culprit_scenarios::rng::Rng;
use std::io::Write;
use std::time::Instant;

const USERS: [&str; 12] =
    ["root", "admin", "alice", "bob", "deploy", "git", "oracle", "test", "guest", "ubuntu", "pi", "www"];

/// One log line (without newline): its shape varies over a few dozen templates.
fn line(r: &mut Rng, i: u64) -> String {
    let (h, m, s) = ((i / 3_600_000) % 24, (i / 60_000) % 60, (i / 1000) % 60);
    let ip = format!("{}.{}.{}.{}", r.below(223) + 1, r.below(256), r.below(256), r.below(256));
    let user = USERS[r.below(USERS.len() as u64) as usize];
    match r.below(10) {
        0 => format!("Jan 22 {h:02}:{m:02}:{s:02} web{} sshd[{}]: Failed password for {user} from {ip} port {} ssh2", r.below(9), r.below(60000), r.below(65535)),
        1 => format!("Jan 22 {h:02}:{m:02}:{s:02} web{} sshd[{}]: Accepted publickey for {user} from {ip} port {} ssh2: RSA SHA256:{:x}", r.below(9), r.below(60000), r.below(65535), r.next_u64()),
        2 => format!("Jan 22 {h:02}:{m:02}:{s:02} web{} kernel: [{}.{:06}] TCP: request_sock_TCP: Possible SYN flooding on port {}. Sending cookies.", r.below(9), r.below(99999), r.below(999999), r.below(65535)),
        3 => format!("{{\"ts\":\"2024-01-22T{h:02}:{m:02}:{s:02}.{:03}Z\",\"level\":\"error\",\"service\":\"auth\",\"msg\":\"token signing failed for key {:x}: {}\",\"request_id\":\"{:016x}\"}}", r.below(1000), r.next_u64() & 0xffff, ["expired", "revoked", "unknown kid"][r.below(3) as usize], r.next_u64()),
        4 => format!("{{\"ts\":\"2024-01-22T{h:02}:{m:02}:{s:02}.{:03}Z\",\"level\":\"info\",\"service\":\"api\",\"msg\":\"GET /api/v1/users/{} 200 in {}ms\",\"user\":\"{user}\"}}", r.below(1000), r.below(100000), r.below(3000)),
        5 => format!("2024-01-22T{h:02}:{m:02}:{s:02}.{:03}Z WARN pool db-{} exhausted: {} waiting, {} active, timeout {}ms", r.below(1000), r.below(4), r.below(200), r.below(50), r.below(30000)),
        6 => format!("2024-01-22T{h:02}:{m:02}:{s:02}.{:03}Z INFO job {} state {} on worker {}", r.below(1000), r.next_u64() % 100000, ["queued", "running", "done", "failed"][r.below(4) as usize], r.below(64)),
        7 => format!("2024-01-22T{h:02}:{m:02}:{s:02}.{:03}Z ERROR connection to {ip}:{} refused after {} retries (last error: \"connection reset by peer\")", r.below(1000), r.below(65535), r.below(10)),
        8 => format!("2024-01-22T{h:02}:{m:02}:{s:02}.{:03}Z DEBUG cache {} key=sess:{:x} ttl={}s size={}B", r.below(1000), ["hit", "miss", "evict"][r.below(3) as usize], r.next_u64(), r.below(3600), r.below(1 << 20)),
        _ => format!("Jan 22 {h:02}:{m:02}:{s:02} db{} postgres[{}]: LOG:  duration: {}.{:03} ms  statement: SELECT * FROM users WHERE id = {}", r.below(3), r.below(60000), r.below(5000), r.below(1000), r.below(1_000_000)),
    }
}

/// Whole lines stand in for messages: the miner sees more tokens than after parsing, so the figure is conservative.
fn messages(n: usize) -> Vec<String> {
    let mut r = Rng::new(0x2545_f491_4f6c_dd1d);
    (0..n as u64).map(|i| line(&mut r, i * 37)).collect()
}

fn bench_add(c: &mut Criterion) {
    let msgs = messages(100_000);
    let mut g = c.benchmark_group("patterns");
    g.throughput(Throughput::Elements(msgs.len() as u64));
    g.sample_size(10);
    g.bench_function("miner_add_100k_lines", |b| {
        b.iter(|| {
            let mut m = Miner::new();
            for msg in &msgs {
                std::hint::black_box(m.add(msg.as_bytes()));
            }
            m
        })
    });
    g.bench_function("miner_add_and_merge_100k_lines", |b| {
        b.iter(|| {
            let mut m = Miner::new();
            for msg in &msgs {
                m.add(msg.as_bytes());
            }
            merge(vec![m])
        })
    });
    g.finish();
}

/// One-shot ratio of indexing time with and without mining on a generated file.
fn ratio(mb: usize) {
    let dir = std::env::temp_dir().join(format!("culprit-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("mixed.log");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
        let mut r = Rng::new(0x9e37_79b9_7f4a_7c15);
        let (mut written, mut i) = (0usize, 0u64);
        while written < mb << 20 {
            let l = line(&mut r, i * 37);
            writeln!(f, "{l}").expect("write");
            written += l.len() + 1;
            i += 1;
        }
    }
    let paths = vec![path.clone()];
    let time = |mine: bool| {
        let opts = IndexOptions { mine_patterns: mine, year: Some(2024), ..Default::default() };
        let t = Instant::now();
        let idx = Index::open(&paths, RuleSet::empty(), &opts);
        let secs = t.elapsed().as_secs_f64();
        (secs, idx.records.len(), idx.templates.templates.len())
    };
    let _ = time(false); // warm the page cache
    let mut best = [f64::MAX; 2];
    let (mut recs, mut tpls) = (0, 0);
    for _ in 0..3 {
        best[0] = best[0].min(time(false).0);
        let (s, n, t) = time(true);
        best[1] = best[1].min(s);
        (recs, tpls) = (n, t);
    }
    println!(
        "{mb} MB, {recs} records, {tpls} templates, {} threads: index without mining {:.2} s, with mining {:.2} s, ratio {:.2} (mining adds {:.0}%); {:.1} M lines/s with mining",
        rayon::current_num_threads(),
        best[0],
        best[1],
        best[1] / best[0],
        (best[1] / best[0] - 1.0) * 100.0,
        recs as f64 / best[1] / 1e6
    );
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, bench_add);

fn main() {
    if let Some(mb) = std::env::var("CULPRIT_MINE_RATIO_MB").ok().and_then(|v| v.parse().ok()) {
        ratio(mb);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
