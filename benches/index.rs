//! Indexing throughput: line splitting + format parsing + rules + mining, in memory,
//! on a syslog + JSON lines mix. Reports bytes/s. The whole-program comparison with
//! ripgrep lives in scripts/bench.sh.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use culprit::index::{Index, IndexOptions};
use culprit::rules::RuleSet;
use culprit::source::{Data, Source};
use std::path::PathBuf;

fn syslog(n: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(n * 100);
    for i in 0..n {
        let s = i % 60;
        let m = (i / 60) % 60;
        let line = match i % 7 {
            0 => format!("Jan 22 15:{m:02}:{s:02} auth-{} sshd[{}]: Failed password for invalid user admin{} from 10.0.{}.{} port {} ssh2\n", i % 3, 1000 + i % 500, i % 97, i % 255, i % 254, 30000 + i % 20000),
            1 => format!("Jan 22 15:{m:02}:{s:02} db-1 kernel: [{}.{}] TCP: request_sock_TCP: Possible SYN flooding on port 5432\n", i, i % 1000),
            _ => format!("Jan 22 15:{m:02}:{s:02} web-{} nginx[{}]: 10.1.{}.{} GET /api/v1/items/{} 200 {}ms\n", i % 4, 2000 + i % 300, i % 255, i % 254, i, i % 300),
        };
        out.extend_from_slice(line.as_bytes());
    }
    out
}

fn json(n: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(n * 180);
    for i in 0..n {
        let s = i % 60;
        let m = (i / 60) % 60;
        let (lvl, msg) =
            if i % 13 == 0 { ("error", "token signing failed: key id k2 not found") } else { ("info", "login ok") };
        out.extend_from_slice(format!(
            "{{\"ts\":\"2024-01-22T15:{m:02}:{s:02}.{:03}Z\",\"level\":\"{lvl}\",\"service\":\"auth\",\"host\":\"auth-{}\",\"msg\":\"{msg}\",\"user\":\"u{}\",\"request_id\":\"{:016x}\",\"latency_ms\":{}}}\n",
            i % 1000, i % 3, i % 5000, i * 7919, i % 120
        ).as_bytes());
    }
    out
}

fn source(id: u32, name: &str, data: Vec<u8>) -> Source {
    Source {
        id,
        path: PathBuf::from(name),
        stream: name.into(),
        data: Data::Owned(data),
        mtime: None,
        warnings: Vec::new(),
    }
}

fn bench_index(c: &mut Criterion) {
    let a = syslog(300_000);
    let b = json(200_000);
    let bytes = (a.len() + b.len()) as u64;
    let rules = || RuleSet::load(&[]).expect("built-in rules");
    let mut g = c.benchmark_group("index");
    g.throughput(Throughput::Bytes(bytes));
    g.sample_size(10);
    for (name, mine) in [("parse+rules+mine", true), ("parse+rules", false)] {
        g.bench_function(name, |bench| {
            bench.iter(|| {
                let sources = vec![source(0, "syslog", a.clone()), source(1, "auth.json", b.clone())];
                let opts = IndexOptions { mine_patterns: mine, year: Some(2024), ..Default::default() };
                Index::build(sources, Vec::new(), rules(), &opts).records.len()
            })
        });
    }
    g.bench_function("parse only", |bench| {
        bench.iter(|| {
            let sources = vec![source(0, "syslog", a.clone()), source(1, "auth.json", b.clone())];
            let opts = IndexOptions { mine_patterns: false, year: Some(2024), ..Default::default() };
            Index::build(sources, Vec::new(), RuleSet::empty(), &opts).records.len()
        })
    });
    g.finish();
}

criterion_group!(benches, bench_index);
criterion_main!(benches);
