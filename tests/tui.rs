//! TUI screens and state, without a terminal: snapshots of every view on a
//! ratatui TestBackend (80×24 as over SSH, and 160×48), colour-free drawing
//! under NO_COLOR, Action-driven navigation, and hostile log text.

use culprit::findings::{
    Cause, ChangeFacts, Evidence, Findings, Impact, Incident, PatternStat, Series, SignalKind, SignalRef,
    TimelineEntry, Verdict, WindowSource,
};
use culprit::index::{Index, IndexOptions};
use culprit::rules::RuleSet;
use culprit::source::{Data, Source};
use culprit::time::{civil_to_millis, Millis, MS_PER_MIN};
use culprit::tui::{Action, App, EvRow, Loaded, Progress, Prompt, View};
use ratatui::backend::TestBackend;
use ratatui::style::Color;
use ratatui::Terminal;
use std::fmt::Write;
use std::path::PathBuf;

fn t(h: u32, m: u32, s: u32) -> Millis {
    civil_to_millis(2024, 1, 22, h, m, s, 0)
}

fn iso(ms: Millis) -> String {
    culprit::time::rfc3339(ms)
}

/// A small incident: an auth config change at 15:41:50 breaks token signing on
/// auth-2 and auth-3; the database has logged the same duplicate-key error all
/// afternoon; the proxy times out after the auth errors start.
fn incident_logs() -> Vec<(&'static str, String)> {
    let mut auth = String::new();
    let mut pg = String::new();
    let mut proxy = String::new();
    let mut audit = String::new();
    for m in 0..60u32 {
        for (k, host) in ["auth-1", "auth-2", "auth-3"].iter().enumerate() {
            let ts = iso(t(15, m, 5 + k as u32 * 10));
            let broken = m >= 42 && *host != "auth-1";
            if broken {
                let _ = writeln!(
                    auth,
                    r#"{{"ts":"{ts}","level":"error","host":"{host}","service":"auth","msg":"token signing failed: issuer mismatch for key k{m}","user":"u{m}"}}"#
                );
            } else {
                let _ = writeln!(
                    auth,
                    r#"{{"ts":"{ts}","level":"info","host":"{host}","service":"auth","msg":"login ok for user u{m}{k}","latency_ms":{}}}"#,
                    12 + k
                );
            }
        }
        if m % 3 == 0 {
            let _ = writeln!(
                pg,
                "{} ERROR duplicate key value violates unique constraint \"sessions_pkey\" pid={}",
                iso(t(15, m, 30)),
                4000 + m
            );
        }
        if m >= 43 && m % 2 == 1 {
            let _ = writeln!(
                proxy,
                "Jan 22 15:{m:02}:40 lb-1 nginx[99]: upstream timed out (110: Connection timed out) while reading from auth"
            );
        } else {
            let _ = writeln!(proxy, "Jan 22 15:{m:02}:41 lb-1 nginx[99]: GET /login 200 in {}ms", 20 + m);
        }
    }
    let _ = writeln!(audit, "{} INFO deploy-bot changed auth config jwt.issuer on auth-2,auth-3", iso(t(15, 41, 50)));
    let _ = writeln!(audit, "{} INFO config applied on auth-2", iso(t(15, 41, 52)));
    // Attacker-controlled text: a terminal title change, a screen clear, OSC 52, C1 CSI and a bidi override.
    let _ = writeln!(
        audit,
        "{} WARN login rejected for user \x1b]0;pwned\x07\x1b[2J\u{9b}31m\u{202e}gnp.exe\x1b]52;c;Zm9v\x07",
        iso(t(15, 50, 0))
    );
    vec![("auth.json", auth), ("postgresql.log", pg), ("proxy.log", proxy), ("config-audit.log", audit)]
}

fn index_of(files: &[(&str, String)]) -> Index {
    let sources = files
        .iter()
        .enumerate()
        .map(|(i, (name, text))| Source {
            id: i as u32,
            path: PathBuf::from(name),
            stream: culprit::source::stream_name(std::path::Path::new(name)),
            data: Data::Owned(text.as_bytes().to_vec()),
            mtime: None,
            warnings: Vec::new(),
        })
        .collect();
    let opts = IndexOptions { year: Some(2024), ..Default::default() };
    Index::build(sources, Vec::new(), RuleSet::empty(), &opts)
}

/// Record ids whose first line contains `needle`, in file order.
fn records_with(idx: &Index, needle: &str) -> Vec<u32> {
    (0..idx.records.len())
        .filter(|&i| String::from_utf8_lossy(idx.first_line(i)).contains(needle))
        .map(|i| i as u32)
        .collect()
}

fn evidence(idx: &Index, id: u32) -> Evidence {
    let i = id as usize;
    Evidence {
        path: idx.path_of(i),
        line: idx.line_of(i) as u64,
        ts: Some(idx.records.ts(i)),
        text: String::from_utf8_lossy(idx.first_line(i)).into_owned(),
        record: Some(id),
    }
}

fn story(idx: &Index, id: u32, summary: &str) -> TimelineEntry {
    let i = id as usize;
    TimelineEntry {
        ts: idx.records.ts(i),
        path: idx.path_of(i),
        line: idx.line_of(i) as u64,
        summary: summary.into(),
        record: Some(id),
    }
}

/// Per-minute counts of records containing `needle`, 15:00–16:00.
fn series(idx: &Index, label: &str, needle: &str) -> Series {
    let mut counts = vec![0u32; 60];
    for id in records_with(idx, needle) {
        let m = ((idx.records.ts(id as usize) - t(15, 0, 0)) / MS_PER_MIN) as usize;
        if let Some(c) = counts.get_mut(m) {
            *c += 1;
        }
    }
    Series { label: label.into(), start: t(15, 0, 0), bucket_ms: MS_PER_MIN, counts }
}

fn template_id(idx: &Index, needle: &str) -> String {
    idx.templates.templates.iter().find(|t| t.text.contains(needle)).map(|t| t.id.clone()).expect("template mined")
}

fn cause(rank: u32, verdict: Verdict, subsystem: &str, title: &str, reasons: &[&str], ev: Vec<Evidence>) -> Cause {
    Cause {
        rank,
        score: 1.0 - rank as f64 * 0.2,
        verdict,
        subsystem: subsystem.into(),
        service: subsystem.into(),
        hosts: vec![],
        title: title.into(),
        signal: SignalRef { kind: SignalKind::Rule, id: format!("{subsystem}.signal") },
        onset: ev.first().and_then(|e| e.ts),
        baseline_per_min: 0.0,
        incident_per_min: 0.0,
        reasons: reasons.iter().map(|r| r.to_string()).collect(),
        evidence: ev,
        related: vec![],
    }
}

fn fixture() -> Loaded {
    let idx = index_of(&incident_logs());
    let change = records_with(&idx, "changed auth config");
    let signing = records_with(&idx, "token signing failed");
    let dup = records_with(&idx, "duplicate key");
    let timeouts = records_with(&idx, "upstream timed out");
    let mut config = cause(
        1,
        Verdict::LikelyCause,
        "auth-config",
        "auth config change (jwt.issuer) on auth-2, auth-3",
        &[
            "changed 20s before onset on exactly the hosts that then failed (2 of 3)",
            "token signing errors began 15:42:05, new: none in the 42 min baseline",
            "explains the proxy timeouts that followed",
        ],
        vec![evidence(&idx, change[0]), evidence(&idx, signing[0]), evidence(&idx, signing[1])],
    );
    config.hosts = vec!["auth-2".into(), "auth-3".into()];
    config.incident_per_min = 2.0;
    let mut db = cause(
        2,
        Verdict::Chronic,
        "database",
        "duplicate key errors in sessions",
        &["chronic: same rate (0.3/min) for 42 min before the incident"],
        vec![evidence(&idx, dup[0]), evidence(&idx, dup[15])],
    );
    db.baseline_per_min = 0.33;
    db.incident_per_min = 0.33;
    // The chronic cause's signal is the mined template: its evidence view highlights what the template matches.
    db.signal = SignalRef { kind: SignalKind::Pattern, id: template_id(&idx, "duplicate key") };
    let mut proxy = cause(
        3,
        Verdict::Consequence,
        "proxy",
        "upstream timeouts to auth",
        &["consequence: began 35 s after the auth errors"],
        vec![evidence(&idx, timeouts[0])],
    );
    proxy.hosts = vec!["lb-1".into()];
    let findings = Findings {
        schema: culprit::findings::SCHEMA.into(),
        inputs: culprit::analysis::input_summaries(&idx),
        incident: Some(Incident {
            start: t(15, 42, 5),
            onset: t(15, 42, 5),
            end: None,
            source: WindowSource::Auto,
            impact: Impact {
                description: "66.7% of login requests failed (baseline 0.0%), on auth-2, auth-3".into(),
                baseline_ratio: Some(0.0),
                incident_ratio: Some(0.667),
                hosts: vec!["auth-2".into(), "auth-3".into()],
                services: vec!["auth".into()],
                short: "66.7% of login requests failing".into(),
            },
        }),
        causes: vec![config, db, proxy],
        timeline: vec![
            story(&idx, change[0], "auth config changed (jwt.issuer) on auth-2, auth-3"),
            story(&idx, signing[0], "first token signing failure (auth-2)"),
            story(&idx, timeouts[0], "first proxy timeout to auth"),
        ],
        summary: "likely cause: auth config change (jwt.issuer) on auth-2, auth-3".into(),
        notices: vec![],
        charts: vec![
            series(&idx, "auth errors", "token signing failed"),
            series(&idx, "db errors", "duplicate key"),
            series(&idx, "proxy timeout", "upstream timed out"),
            series(&idx, "logins ok", "login ok"),
        ],
        patterns: vec![
            PatternStat {
                id: template_id(&idx, "token signing failed"),
                text: "token signing failed: issuer mismatch for key <*>".into(),
                count: signing.len() as u64,
                services: vec!["auth".into()],
                first: Some(t(15, 42, 5)),
                last: Some(t(15, 59, 25)),
                baseline_per_min: 0.0,
                incident_per_min: 2.0,
                new: true,
                sparkline: series(&idx, "", "token signing failed").counts,
                examples: vec![evidence(&idx, signing[0])],
            },
            PatternStat {
                id: template_id(&idx, "duplicate key"),
                text: "duplicate key value violates unique constraint \"sessions_pkey\" <*>".into(),
                count: dup.len() as u64,
                services: vec!["postgres".into()],
                first: Some(t(15, 0, 30)),
                last: Some(t(15, 57, 30)),
                baseline_per_min: 0.33,
                incident_per_min: 0.33,
                new: false,
                sparkline: series(&idx, "", "duplicate key").counts,
                examples: vec![evidence(&idx, dup[0])],
            },
        ],
        change: Some(ChangeFacts {
            id: None,
            what: "deploy-bot changed auth config jwt.issuer on auth-2,auth-3".into(),
            settings: vec![],
            hosts: vec!["auth-2".into(), "auth-3".into()],
            at: t(15, 41, 50),
        }),
    };
    Loaded::new(idx, findings)
}

fn render(app: &App) -> Terminal<TestBackend> {
    let mut term = Terminal::new(TestBackend::new(app.width, app.height)).expect("test terminal");
    term.draw(|f| app.draw(f)).expect("draw");
    term
}

fn screen(app: &App) -> String {
    render(app).backend().to_string()
}

fn app(w: u16, h: u16) -> App {
    App::with_loaded(fixture(), w, h, true)
}

fn apply_all(app: &mut App, actions: Vec<Action>) {
    for a in actions {
        app.apply(a);
    }
    app.settle();
}

fn type_prompt(app: &mut App, p: Prompt, text: &str) {
    app.apply(Action::OpenPrompt(p));
    for c in text.chars() {
        app.apply(Action::PromptChar(c));
    }
    app.apply(Action::PromptSubmit);
    app.settle();
}

fn selected_line(app: &App) -> String {
    let ld = app.loaded.as_ref().expect("loaded");
    let id = app.log.selected(ld).expect("a selected line");
    String::from_utf8_lossy(ld.index.first_line(id)).into_owned()
}

// ---- snapshots ---------------------------------------------------------------------------------

#[test]
fn snapshot_loading() {
    for (w, h) in [(80, 24), (160, 48)] {
        let mut a = App::new(vec!["/var/log/auth".into(), "/var/log/postgresql".into()], w, h, true);
        a.apply(Action::Progress(Progress {
            stage: "indexing 12 files (1.2 GB)".into(),
            ratio: 0.4,
            elapsed_ms: 2300,
        }));
        insta::assert_snapshot!(format!("loading_{w}x{h}"), screen(&a));
    }
}

#[test]
fn snapshot_load_failed() {
    let mut a = App::new(vec!["/nope".into()], 80, 24, true);
    a.apply(Action::LoadFailed("loading rules: rules/auth.toml line 3: expected a string\x1b[2J".into()));
    let s = screen(&a);
    assert!(s.contains("could not load the inputs") && s.contains("rules/auth.toml line 3"), "{s}");
    insta::assert_snapshot!("load_failed_80x24", s);
}

#[test]
fn snapshot_triage() {
    insta::assert_snapshot!("triage_80x24", screen(&app(80, 24)));
    insta::assert_snapshot!("triage_160x48", screen(&app(160, 48)));
}

#[test]
fn snapshot_evidence() {
    for (w, h) in [(80, 24), (160, 48)] {
        let mut a = app(w, h);
        a.apply(Action::Enter);
        insta::assert_snapshot!(format!("evidence_{w}x{h}"), screen(&a));
    }
}

#[test]
fn snapshot_log() {
    for (w, h) in [(80, 24), (160, 48)] {
        let mut a = app(w, h);
        a.apply(Action::GoView(View::Log));
        a.apply(Action::JumpOnset);
        type_prompt(&mut a, Prompt::Search, "issuer");
        insta::assert_snapshot!(format!("log_{w}x{h}"), screen(&a));
    }
}

#[test]
fn snapshot_log_detail_json() {
    let mut a = app(80, 24);
    a.apply(Action::GoView(View::Log));
    type_prompt(&mut a, Prompt::Search, "token signing");
    a.apply(Action::ToggleDetail);
    let s = screen(&a);
    assert!(s.contains("\"level\": \"error\""), "pretty JSON in the detail pane:\n{s}");
    insta::assert_snapshot!("log_detail_80x24", s);
}

#[test]
fn snapshot_no_causes() {
    // What the triage screen shows when the analysis ranks nothing: the summary and the inputs.
    let mut ld = fixture();
    ld.findings.causes.clear();
    ld.findings.incident = None;
    ld.findings.charts.clear();
    ld.findings.summary = "no incident found: no user-facing symptom departs from its baseline".into();
    let s = screen(&App::with_loaded(ld, 80, 24, true));
    assert!(s.contains("no incident window found") && s.contains("auth.json"), "{s}");
    insta::assert_snapshot!("triage_no_causes_80x24", s);
}

#[test]
fn snapshot_patterns() {
    for (w, h) in [(80, 24), (160, 48)] {
        let mut a = app(w, h);
        a.apply(Action::GoView(View::Patterns));
        insta::assert_snapshot!(format!("patterns_{w}x{h}"), screen(&a));
    }
}

#[test]
fn snapshot_help() {
    for (w, h) in [(80, 24), (160, 48)] {
        let mut a = app(w, h);
        a.apply(Action::ToggleHelp);
        let s = screen(&a);
        // Every key is listed, on the smallest screen too.
        for (key, _) in culprit::tui::draw::HELP {
            assert!(s.contains(key), "{key} missing from help:\n{s}");
        }
        insta::assert_snapshot!(format!("help_{w}x{h}"), s);
    }
}

// ---- no colour -------------------------------------------------------------------------------

fn coloured_cells(term: &Terminal<TestBackend>) -> usize {
    term.backend().buffer().content.iter().filter(|c| c.fg != Color::Reset || c.bg != Color::Reset).count()
}

#[test]
fn no_color_mode_draws_no_colour_but_keeps_meaning() {
    let views: Vec<Vec<Action>> = vec![
        vec![],
        vec![Action::Enter],
        vec![Action::GoView(View::Log), Action::CycleLevel],
        vec![Action::GoView(View::Patterns)],
        vec![Action::ToggleHelp],
    ];
    for actions in views {
        let mut plain = App::with_loaded(fixture(), 80, 24, false);
        let mut colour = App::with_loaded(fixture(), 80, 24, true);
        let label = format!("{actions:?}");
        apply_all(&mut plain, actions);
        let again: Vec<Action> = match label.as_str() {
            "[]" => vec![],
            "[Enter]" => vec![Action::Enter],
            "[ToggleHelp]" => vec![Action::ToggleHelp],
            s if s.contains("Patterns") => vec![Action::GoView(View::Patterns)],
            _ => vec![Action::GoView(View::Log), Action::CycleLevel],
        };
        apply_all(&mut colour, again);
        let p = render(&plain);
        assert_eq!(coloured_cells(&p), 0, "{label}: colour under NO_COLOR");
        assert!(coloured_cells(&render(&colour)) > 0, "{label}: the colour theme should use colour");
        // Same text either way: meaning is in words and marks, not colour.
        assert_eq!(p.backend().to_string(), render(&colour).backend().to_string(), "{label}");
    }
    let s = screen(&App::with_loaded(fixture(), 80, 24, false));
    assert!(s.contains("LIKELY") && s.contains("CHRONIC") && s.contains("CONSEQ"));
    assert!(s.contains('▲') && s.contains('░'), "onset and incident window marked on the axis:\n{s}");
}

#[test]
fn colour_follows_no_color_env() {
    // Only this test touches NO_COLOR.
    std::env::set_var("NO_COLOR", "1");
    assert!(!culprit::tui::colour_allowed());
    std::env::set_var("NO_COLOR", "");
    assert!(culprit::tui::colour_allowed());
    std::env::remove_var("NO_COLOR");
    assert!(culprit::tui::colour_allowed());
}

// ---- state driven by actions -----------------------------------------------------------------

#[test]
fn top_cause_evidence_and_back() {
    let mut a = app(80, 24);
    assert_eq!(a.view, View::Triage);
    a.apply(Action::Enter);
    assert_eq!(a.view, View::Evidence);
    let ld = a.loaded.as_ref().unwrap();
    // The cursor starts on the first evidence line: the config change.
    let EvRow::Line { pos, evidence: true } = a.ev_rows[a.ev.cursor] else { panic!("cursor on evidence") };
    let first = String::from_utf8_lossy(ld.index.first_line(ld.order[pos as usize] as usize)).into_owned();
    assert!(first.contains("changed auth config"), "{first}");
    let s = screen(&a);
    assert!(s.contains("hosts: auth-2, auth-3"), "{s}");
    assert!(s.contains("evidence 1/3"), "{s}");
    // n walks the evidence lines, N walks back.
    a.apply(Action::NextMatch);
    let ld = a.loaded.as_ref().unwrap();
    let EvRow::Line { pos, evidence: true } = a.ev_rows[a.ev.cursor] else { panic!("cursor on evidence") };
    let second = String::from_utf8_lossy(ld.index.first_line(ld.order[pos as usize] as usize)).into_owned();
    assert!(second.contains("token signing failed"), "{second}");
    assert!(screen(&a).contains("evidence 2/3"));
    a.apply(Action::PrevMatch);
    assert!(screen(&a).contains("evidence 1/3"));
    // Enter on a heading opens its evidence line.
    a.apply(Action::Top);
    assert!(matches!(a.ev_rows[a.ev.cursor], EvRow::Header(0)));
    a.apply(Action::Enter);
    assert!(selected_line(&a).contains("changed auth config"));
    a.apply(Action::Back);
    // Enter opens the merged log on that line; Esc comes back to the evidence, then to triage.
    a.apply(Action::Enter);
    assert_eq!(a.view, View::Log);
    assert!(selected_line(&a).contains("changed auth config"));
    a.apply(Action::Back);
    assert_eq!(a.view, View::Evidence);
    a.apply(Action::Back);
    assert_eq!(a.view, View::Triage);
    // Down selects the chronic database cause, and its evidence follows, the template's match highlighted.
    a.apply(Action::Down);
    a.apply(Action::Enter);
    let term = render(&a);
    assert!(term.backend().to_string().contains("CHRONIC database"));
    let buf = term.backend().buffer();
    let row = (0..a.height)
        .find(|&y| (0..a.width).map(|x| buf[(x, y)].symbol()).collect::<String>().starts_with("▶E postgres"))
        .expect("evidence row on screen");
    let marked: String =
        (0..a.width).filter(|&x| buf[(x, row)].bg == Color::Yellow).map(|x| buf[(x, row)].symbol()).collect();
    assert!(marked.starts_with("duplicate key value violates unique"), "highlighted: {marked:?}");
}

#[test]
fn evidence_without_record_ids_is_found_by_path_and_line() {
    // Findings read back from JSON carry path:line but no record ids.
    let mut ld = fixture();
    let want: Vec<Option<u32>> = ld.findings.causes[0].evidence.iter().map(|e| e.record).collect();
    for e in &mut ld.findings.causes[0].evidence {
        e.record = None;
    }
    let got: Vec<Option<u32>> =
        ld.findings.causes[0].evidence.iter().map(|e| ld.record_at_line(&e.path, e.line)).collect();
    assert_eq!(got, want);
    assert_eq!(ld.record_at_line("no-such.log", 1), None);
    assert_eq!(ld.record_at_line("auth.json", 0), None);
    let mut a = App::with_loaded(ld, 80, 24, true);
    a.apply(Action::Enter);
    a.apply(Action::Enter);
    assert!(selected_line(&a).contains("changed auth config"));
}

#[test]
fn search_moves_between_matches_from_the_cursor() {
    let mut a = app(80, 24);
    a.apply(Action::GoView(View::Log));
    type_prompt(&mut a, Prompt::Search, "timed out");
    let first = a.log.cursor;
    assert!(selected_line(&a).contains("upstream timed out"));
    a.apply(Action::NextMatch);
    a.settle();
    assert!(a.log.cursor > first && selected_line(&a).contains("upstream timed out"));
    a.apply(Action::PrevMatch);
    a.settle();
    assert_eq!(a.log.cursor, first);
    // Wraps around from the last match to the first.
    a.apply(Action::Bottom);
    a.apply(Action::NextMatch);
    a.settle();
    assert_eq!(a.log.cursor, first);
    let before = a.log.cursor;
    type_prompt(&mut a, Prompt::Search, "no such text anywhere");
    assert!(a.status.contains("pattern not found"), "{}", a.status);
    assert_eq!(a.log.cursor, before, "a failed search leaves the cursor where it was");
    type_prompt(&mut a, Prompt::Search, "(unclosed");
    assert!(a.status.contains("bad regex"), "{}", a.status);
}

#[test]
fn search_is_bounded_per_step() {
    // One Work step scans at most WORK_BUDGET records, so a big miss cannot freeze the UI.
    let mut lines = String::new();
    for i in 0..(culprit::tui::app::WORK_BUDGET * 2 + 10) {
        let _ = writeln!(lines, "{} INFO line {i}", iso(t(10, 0, 0) + i as i64));
    }
    lines.push_str(&format!("{} ERROR needle\n", iso(t(11, 0, 0))));
    let idx = index_of(&[("big.log", lines)]);
    let f = culprit::analysis::analyse(&idx, &Default::default());
    let mut a = App::with_loaded(Loaded::new(idx, f), 80, 24, true);
    a.apply(Action::GoView(View::Log));
    a.apply(Action::OpenPrompt(Prompt::Search));
    for c in "needle".chars() {
        a.apply(Action::PromptChar(c));
    }
    a.apply(Action::PromptSubmit);
    assert!(a.busy(), "search still running after one step");
    let mut steps = 0;
    while a.busy() {
        a.apply(Action::Work);
        steps += 1;
    }
    assert!(steps >= 2, "{steps}");
    assert!(selected_line(&a).contains("needle"));
}

#[test]
fn filters_narrow_and_clear() {
    let mut a = app(160, 24);
    a.apply(Action::GoView(View::Log));
    let all = a.log.row_count(a.loaded.as_ref().unwrap());
    a.apply(Action::CycleLevel); // warn and up
    a.settle();
    let ld = a.loaded.as_ref().unwrap();
    let n = a.log.row_count(ld);
    assert!(n > 0 && n < all);
    for r in 0..n {
        let id = a.log.record_at(ld, r).unwrap();
        assert!(ld.index.records.level(id) >= culprit::format::Level::Warn);
    }
    a.apply(Action::CycleLevel); // error and up
    a.apply(Action::CycleLevel); // all again
    a.settle();
    assert_eq!(a.log.row_count(a.loaded.as_ref().unwrap()), all);
    // Filter in and out by regex; they combine.
    type_prompt(&mut a, Prompt::FilterIn, "duplicate|signing");
    let ld = a.loaded.as_ref().unwrap();
    let with_both = a.log.row_count(ld);
    type_prompt(&mut a, Prompt::FilterOut, "sessions_pkey");
    let ld = a.loaded.as_ref().unwrap();
    let n = a.log.row_count(ld);
    assert!(n > 0 && n < with_both);
    for r in 0..n {
        assert!(String::from_utf8_lossy(ld.index.first_line(a.log.record_at(ld, r).unwrap())).contains("signing"));
    }
    assert!(screen(&a).contains("+/duplicate|signing/ -/sessions_pkey/"), "{}", screen(&a));
    a.apply(Action::ClearFilters);
    a.settle();
    assert_eq!(a.log.row_count(a.loaded.as_ref().unwrap()), all);

    // One source at a time, then one host.
    a.apply(Action::CycleSource);
    a.settle();
    let ld = a.loaded.as_ref().unwrap();
    let n = a.log.row_count(ld);
    assert_eq!(n as u64, ld.index.inputs[0].records);
    a.apply(Action::CycleSource);
    a.apply(Action::CycleSource);
    a.apply(Action::CycleSource);
    a.apply(Action::CycleSource);
    a.settle();
    assert_eq!(a.log.row_count(a.loaded.as_ref().unwrap()), all, "cycling past the last source shows all");
    a.apply(Action::CycleHost);
    a.settle();
    let ld = a.loaded.as_ref().unwrap();
    let host = ld.index.hosts.get(a.log.filters.host.unwrap()).to_string();
    let n = a.log.row_count(ld);
    assert!(n > 0);
    for r in 0..n {
        assert_eq!(ld.index.hosts.get(ld.index.records.host(a.log.record_at(ld, r).unwrap())), host);
    }
}

#[test]
fn jump_to_onset_and_time() {
    let mut a = app(80, 24);
    // From the evidence view, o opens the merged log at the onset; Esc returns.
    a.apply(Action::Enter);
    a.apply(Action::JumpOnset);
    assert_eq!(a.view, View::Log);
    a.apply(Action::Back);
    assert_eq!(a.view, View::Evidence);
    a.apply(Action::GoView(View::Log));
    a.apply(Action::Top);
    a.apply(Action::JumpOnset);
    let ld = a.loaded.as_ref().unwrap();
    let id = a.log.selected(ld).unwrap();
    assert_eq!(ld.index.records.ts(id), t(15, 42, 5), "first line at the onset");
    // The line before it is earlier: we landed on the first, not any, line at that time.
    let before = a.log.record_at(ld, a.log.cursor - 1).unwrap();
    assert!(ld.index.records.ts(before) < t(15, 42, 5));
    type_prompt(&mut a, Prompt::Time, "15:30");
    let ld = a.loaded.as_ref().unwrap();
    let id = a.log.selected(ld).unwrap();
    assert!(ld.index.records.ts(id) >= t(15, 30, 0) && ld.index.records.ts(id) < t(15, 30, 10));
    type_prompt(&mut a, Prompt::Time, "not a time");
    assert!(a.status.contains("cannot read time"));
    a.apply(Action::Top);
    assert_eq!(a.log.cursor, 0);
    a.apply(Action::Bottom);
    assert_eq!(a.log.cursor, a.log.row_count(a.loaded.as_ref().unwrap()) - 1);
}

#[test]
fn pattern_enter_shows_its_lines() {
    let mut a = app(80, 24);
    a.apply(Action::GoView(View::Patterns));
    a.apply(Action::Enter);
    a.settle();
    assert_eq!(a.view, View::Log);
    let ld = a.loaded.as_ref().unwrap();
    let n = a.log.row_count(ld);
    assert_eq!(n as u64, ld.findings.patterns[0].count);
    for r in 0..n {
        assert!(String::from_utf8_lossy(ld.index.first_line(a.log.record_at(ld, r).unwrap())).contains("token signing"));
    }
    a.apply(Action::Back);
    assert_eq!(a.view, View::Patterns);
}

#[test]
fn copy_reference_and_keys() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let key = |c: KeyCode| KeyEvent::new(c, KeyModifiers::NONE);
    let mut a = app(80, 24);
    let map = |a: &App, c| culprit::tui::keys::map_key(a, key(c));
    // Arrows and vim keys do the same.
    assert!(matches!(map(&a, KeyCode::Char('j')), Some(Action::Down)));
    assert!(matches!(map(&a, KeyCode::Down), Some(Action::Down)));
    assert!(matches!(map(&a, KeyCode::Char('k')), Some(Action::Up)));
    assert!(matches!(map(&a, KeyCode::Char('q')), Some(Action::Quit)));
    let enter = map(&a, KeyCode::Enter).unwrap();
    a.apply(enter);
    assert_eq!(a.view, View::Evidence);
    let y = map(&a, KeyCode::Char('y')).unwrap();
    a.apply(y);
    assert_eq!(a.clipboard.as_deref(), Some("config-audit.log:1"));
    assert!(a.status.contains("copied config-audit.log:1"));
    let esc = map(&a, KeyCode::Esc).unwrap();
    a.apply(esc);
    assert_eq!(a.view, View::Triage);
    // In a prompt, letters are text, not commands.
    a.apply(Action::OpenPrompt(Prompt::Search));
    assert!(matches!(map(&a, KeyCode::Char('q')), Some(Action::PromptChar('q'))));
    assert!(matches!(map(&a, KeyCode::Esc), Some(Action::PromptCancel)));
    // ? opens help; any view's footer names its keys.
    let mut b = app(80, 24);
    let help = map(&b, KeyCode::Char('?')).unwrap();
    b.apply(help);
    assert!(b.help && screen(&b).contains("jump to incident onset"));
    b.apply(Action::Back);
    assert!(!b.help);
    b.apply(Action::Quit);
    assert!(b.quit);
}

#[test]
fn keys_answer_while_loading() {
    let mut a = App::new(vec!["x.log".into()], 80, 24, true);
    a.apply(Action::ToggleHelp);
    assert!(a.help);
    a.apply(Action::Back);
    a.apply(Action::Down);
    a.apply(Action::OpenPrompt(Prompt::Search));
    assert!(a.prompt.is_none() && a.status.contains("loading"));
    assert!(screen(&a).contains("loading"));
    a.apply(Action::Loaded(Box::new(fixture())));
    assert!(screen(&a).contains("auth config change"));
    a.apply(Action::Quit);
    assert!(a.quit);
}

#[test]
fn follow_reload_keeps_the_tail_in_view() {
    let mut a = app(80, 24);
    a.apply(Action::GoView(View::Log));
    a.apply(Action::Bottom);
    let mut files = incident_logs();
    files[1].1.push_str(&format!("{} ERROR connection reset by peer\n", iso(t(16, 0, 10))));
    let idx = index_of(&files);
    let f = culprit::analysis::analyse(&idx, &Default::default());
    a.apply(Action::Reloaded(Box::new(Loaded::new(idx, f)), vec!["postgresql.log: truncated, read again".into()]));
    assert!(selected_line(&a).contains("connection reset"), "{}", selected_line(&a));
    assert!(screen(&a).contains("postgresql.log: truncated, read again"));
}

// ---- hostile text ----------------------------------------------------------------------------

#[test]
fn escape_sequences_never_reach_the_terminal_raw() {
    let dangerous = |s: &str| {
        s.chars().any(|c| c == '\x1b' || c == '\x07' || ('\u{80}'..='\u{9f}').contains(&c) || c == '\u{202e}')
    };
    let mut screens = Vec::new();
    for (w, h) in [(80, 24), (200, 60)] {
        let mut a = app(w, h);
        a.apply(Action::GoView(View::Log));
        type_prompt(&mut a, Prompt::Search, "pwned");
        assert!(selected_line(&a).contains('\x1b'), "the fixture holds a raw ESC");
        screens.push(render(&a));
        a.apply(Action::ToggleDetail);
        screens.push(render(&a));
        a.apply(Action::ToggleWrap);
        screens.push(render(&a));
    }
    for term in &screens {
        for cell in &term.backend().buffer().content {
            assert!(!dangerous(cell.symbol()), "raw control in a cell: {:?}", cell.symbol());
        }
        let text = term.backend().to_string();
        assert!(text.contains("\\x1b]0;pwned"), "shown escaped:\n{text}");
    }
    let wide = screens[3].backend().to_string();
    assert!(wide.contains("\\x1b]0;pwned\\x07\\x1b[2J\\x9b31m\\u{202e}gnp.exe\\x1b]52;c;Zm9v\\x07"), "{wide}");
}

#[test]
fn tiny_and_odd_terminal_sizes_do_not_panic() {
    for (w, h) in [(1, 1), (10, 3), (20, 5), (40, 10), (300, 100)] {
        let mut a = app(w, h);
        for actions in [
            vec![],
            vec![Action::Enter],
            vec![Action::GoView(View::Log), Action::ToggleDetail, Action::ToggleWrap, Action::Right],
            vec![Action::GoView(View::Patterns)],
            vec![Action::ToggleHelp],
        ] {
            for x in actions {
                a.apply(x);
            }
            a.settle();
            let _ = screen(&a);
            a.apply(Action::Back);
            a.apply(Action::Back);
        }
        let _ = screen(&App::new(vec!["a".into()], w, h, false));
    }
}

#[test]
fn page_down_moves_one_screen_and_keeps_the_cursor_visible() {
    let mut a = app(80, 24);
    a.apply(Action::GoView(View::Log));
    // 24 rows: title, 21 lines, status, footer.
    a.apply(Action::PageDown);
    assert_eq!(a.log.cursor, 21);
    let s = screen(&a);
    let marked = s.lines().filter(|l| l.starts_with("\"▶")).count();
    assert_eq!(marked, 1, "cursor line on screen:\n{s}");
    a.apply(Action::ToggleDetail);
    a.apply(Action::PageDown);
    let s = screen(&a);
    assert_eq!(s.lines().filter(|l| l.starts_with("\"▶")).count(), 1, "cursor above the detail pane:\n{s}");
}

/// `y` writes OSC 52 for the terminal it is in: wrapped for tmux's passthrough (each ESC doubled)
/// beside the plain one tmux takes itself, wrapped for screen, and nothing on the Linux console.
#[test]
fn clipboard_sequences_per_terminal() {
    use culprit::tui::Clipboard;
    let plain = "\x1b]52;c;YS5sb2c6Nw==\x07";
    let (seq, status) = Clipboard::Direct.sequence("a.log:7");
    assert_eq!(seq, plain);
    assert_eq!(status, "copied a.log:7");
    let (seq, status) = Clipboard::Tmux.sequence("a.log:7");
    assert_eq!(seq, format!("{plain}\x1bPtmux;\x1b\x1b]52;c;YS5sb2c6Nw==\x07\x1b\\"));
    assert!(status.contains("set-clipboard on") && status.ends_with("a.log:7"), "{status}");
    let (seq, _) = Clipboard::Screen.sequence("a.log:7");
    assert_eq!(seq, format!("\x1bP{plain}\x1b\\"));
    let (seq, status) = Clipboard::None.sequence("a.log:7");
    assert!(seq.is_empty() && status.contains("no clipboard") && status.ends_with("a.log:7"), "{status}");
}
