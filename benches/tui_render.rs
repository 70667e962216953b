//! Frame time of the TUI over a large index: the log view renders only the
//! visible rows, so a frame should cost the same over 1.5 million records as
//! over a hundred (target < 16 ms per frame; first frame < 100 ms).
//!
//! `CULPRIT_BENCH_RECORDS` overrides the generated record count.

use criterion::{criterion_group, criterion_main, Criterion};
use culprit::findings::{Cause, Evidence, Series, SignalKind, SignalRef, Verdict};
use culprit::index::{Index, IndexOptions};
use culprit::rules::RuleSet;
use culprit::source::{Data, Source};
use culprit::time::{civil_to_millis, rfc3339, MS_PER_MIN};
use culprit::tui::{Action, App, Loaded, Prompt, View};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::fmt::Write;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::Instant;

fn generate(n: usize) -> Loaded {
    let t0 = civil_to_millis(2024, 1, 22, 12, 0, 0, 0);
    let mut sources = Vec::new();
    for (sid, name) in ["auth.json", "app.log"].iter().enumerate() {
        let mut text = String::with_capacity(n / 2 * 110);
        for i in 0..n / 2 {
            let ts = rfc3339(t0 + (i as i64) * 7 + sid as i64);
            if sid == 0 {
                let _ = writeln!(
                    text,
                    r#"{{"ts":"{ts}","level":"info","host":"auth-{}","msg":"login ok for user u{i}","latency_ms":{}}}"#,
                    i % 3,
                    i % 97
                );
            } else {
                let lvl = if i % 50 == 0 { "ERROR" } else { "INFO" };
                let _ = writeln!(text, "{ts} {lvl} request {i} served in {} ms by worker {}", i % 300, i % 8);
            }
        }
        sources.push(Source {
            id: sid as u32,
            path: PathBuf::from(name),
            stream: name.to_string(),
            data: Data::Owned(text.into_bytes()),
            mtime: None,
            warnings: Vec::new(),
        });
    }
    let index = Index::build(sources, Vec::new(), RuleSet::empty(), &IndexOptions::default());
    let mut findings = culprit::analysis::analyse(&index, &Default::default());
    let ev = |id: usize| Evidence {
        path: index.path_of(id),
        line: index.line_of(id) as u64,
        ts: Some(index.records.ts(id)),
        text: String::new(),
        record: Some(id as u32),
    };
    let (lo, hi) = index.time_span().unwrap_or((t0, t0 + 1));
    let buckets = ((hi - lo) / MS_PER_MIN + 1) as usize;
    findings.causes = vec![Cause {
        rank: 1,
        score: 0.9,
        verdict: Verdict::LikelyCause,
        subsystem: "app".into(),
        service: "app".into(),
        hosts: vec!["auth-1".into()],
        title: "errors in app".into(),
        signal: SignalRef { kind: SignalKind::Rule, id: "app.errors".into() },
        onset: Some(lo),
        baseline_per_min: 1.0,
        incident_per_min: 9.0,
        reasons: vec!["rate rose 9×".into()],
        evidence: (0..20).map(|k| ev(k * index.records.len() / 20)).collect(),
        related: vec![],
    }];
    findings.charts = (0..3)
        .map(|k| Series {
            label: format!("series {k}"),
            start: lo,
            bucket_ms: MS_PER_MIN,
            counts: (0..buckets).map(|b| ((b * 31 + k * 7) % 50) as u32).collect(),
        })
        .collect();
    Loaded::new(index, findings)
}

fn bench(c: &mut Criterion) {
    let n: usize = std::env::var("CULPRIT_BENCH_RECORDS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_500_000);
    let built = Instant::now();
    let loaded = generate(n);
    eprintln!("generated and indexed {} records in {:?}", loaded.index.records.len(), built.elapsed());

    // First frame of a session: the loading screen, drawn before any indexing.
    let started = Instant::now();
    let app = App::new(vec!["/var/log/big".into()], 80, 24, true);
    let mut term = Terminal::new(TestBackend::new(80, 24)).unwrap();
    term.draw(|f| app.draw(f)).unwrap();
    eprintln!("first frame (loading screen): {:?}", started.elapsed());

    let mut app = App::with_loaded(loaded, 160, 48, true);
    let started = Instant::now();
    let mut term = Terminal::new(TestBackend::new(160, 48)).unwrap();
    term.draw(|f| app.draw(f)).unwrap();
    eprintln!("first frame with findings (triage, 160x48): {:?}", started.elapsed());

    let mut g = c.benchmark_group("tui_frame");
    g.sample_size(30);
    g.measurement_time(std::time::Duration::from_secs(3));
    g.bench_function("triage_160x48", |b| b.iter(|| term.draw(|f| black_box(&app).draw(f)).map(|_| ())));

    app.apply(Action::GoView(View::Log));
    app.apply(Action::OpenPrompt(Prompt::Time));
    for ch in "+3m".chars() {
        app.apply(Action::PromptChar(ch));
    }
    app.apply(Action::PromptSubmit);
    app.log.search = culprit::tui::logview::Pattern::new("user u1").ok();
    g.bench_function("log_mid_160x48_highlight", |b| b.iter(|| term.draw(|f| black_box(&app).draw(f)).map(|_| ())));
    // Scrolling a page and drawing: the common case of holding PgDn.
    g.bench_function("log_pagedown_and_draw", |b| {
        b.iter(|| {
            app.apply(Action::PageDown);
            term.draw(|f| app.draw(f)).map(|_| ())
        })
    });
    app.apply(Action::ToggleWrap);
    g.bench_function("log_wrapped_160x48", |b| b.iter(|| term.draw(|f| black_box(&app).draw(f)).map(|_| ())));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
