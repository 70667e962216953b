//! The report views against hand-built findings: snapshots of the text and
//! Markdown renderings, the 80-column layout, honest "no incident"/"no likely
//! cause" statements, terminal safety and redaction across all formats.

use culprit::cli::report::{exit_code, FailOn};
use culprit::findings::{Evidence, Findings, Verdict, SCHEMA};
use culprit::report::{redact_findings, render, RedactOptions, ReportFormat, ReportOptions};
use culprit::text::is_dangerous;
use culprit_scenarios::example::example;
use unicode_width::UnicodeWidthStr;

const ALL: [ReportFormat; 3] = [ReportFormat::Text, ReportFormat::Markdown, ReportFormat::Json];

fn text(f: &Findings) -> String {
    render(f, ReportFormat::Text, &ReportOptions::default())
}

fn markdown(f: &Findings) -> String {
    render(f, ReportFormat::Markdown, &ReportOptions { redacted: true, ..Default::default() })
}

#[test]
fn text_snapshot() {
    insta::assert_snapshot!("report_text", text(&example()));
}

#[test]
fn markdown_snapshot() {
    insta::assert_snapshot!("report_markdown", markdown(&example()));
}

#[test]
fn text_fits_80_columns() {
    let mut f = example();
    // Long unbroken text must be cut or wrapped too.
    f.causes[0].evidence[0].text = "x".repeat(500);
    f.causes[0].reasons.push("y".repeat(300));
    f.timeline[0].summary = "z ".repeat(200);
    f.inputs[0].path = format!("/var/log/{}/auth.log", "deep/".repeat(40));
    for line in text(&f).lines() {
        assert!(line.width() <= 80, "{} columns: {line}", line.width());
    }
}

#[test]
fn text_has_every_part_a_responder_needs() {
    let out = text(&example());
    let find = |s: &str| out.find(s).unwrap_or_else(|| panic!("missing {s:?} in\n{out}"));
    // Order: header, incident, causes, ruled out, timeline.
    assert!(find("Inputs:") < find("INCIDENT"));
    assert!(find("INCIDENT") < find("LIKELY CAUSES"));
    assert!(find("LIKELY CAUSES") < find("RULED OUT"));
    assert!(find("RULED OUT") < find("TIMELINE (UTC)"));
    assert!(out.contains("6 files (3 json, 1 access, 1 logfmt, 1 postgres), 686,674 records"));
    assert!(out.contains("#1 [LIKELY CAUSE] score 0.91"));
    assert!(out.contains("logs/config-audit.log:1187"));
    assert!(out.contains("[CHRONIC]") && out.contains("[CONSEQUENCE]") && out.contains("[UNRELATED]"));
    // Ruled-out causes are not presented as candidates.
    let candidates = &out[find("LIKELY CAUSES")..find("RULED OUT")];
    assert!(!candidates.contains("connection reset"), "{candidates}");
    assert!(out.contains("Window:   14:02:40 .. 14:27:09 UTC (24m28s, detected from the logs)"));
    assert!(out.contains("Notice:   logs/archive/core.dump: binary file, skipped"));
}

#[test]
fn evidence_is_capped_at_four_per_cause() {
    let mut f = example();
    let e = f.causes[0].evidence[0].clone();
    f.causes[0].evidence = (0..5).map(|i| Evidence { line: 100 + i, ..e.clone() }).collect();
    let out = text(&f);
    assert!(out.contains("config-audit.log:103") && !out.contains("config-audit.log:104"));
    assert!(out.contains("(and 1 more in the JSON report)"));
}

fn no_incident() -> Findings {
    let mut f = example();
    f.incident = None;
    f.causes.clear();
    f.timeline.clear();
    f.summary = "no incident found: no user-facing symptom departs from its baseline".into();
    f
}

#[test]
fn no_incident_is_said_plainly_and_no_cause_is_invented() {
    let f = no_incident();
    let t = text(&f);
    assert!(t.contains("No incident found"), "{t}");
    assert!(t.contains("No likely cause"), "{t}");
    assert!(!t.contains("[LIKELY CAUSE]") && !t.contains("LIKELY CAUSES"));
    let m = markdown(&f);
    assert!(m.starts_with("# Postmortem draft: no incident found"), "{m}");
    assert!(m.contains("No incident found"));
    assert!(m.contains("No likely cause"));
}

#[test]
fn incident_without_likely_cause_says_so() {
    let mut f = example();
    f.causes.retain(|c| c.verdict != Verdict::LikelyCause);
    let t = text(&f);
    assert!(t.contains("No likely cause: nothing changed before the onset"), "{t}");
    assert!(!t.contains("[LIKELY CAUSE]"));
    // The ruled-out subsystems are still explained.
    assert!(t.contains("RULED OUT") && t.contains("[CHRONIC]"));
    let m = markdown(&f);
    assert!(m.contains("**Likely cause:** none identified"), "{m}");

    // Only a contributing factor: shown, but not promoted to a likely cause.
    f.causes[0].verdict = Verdict::Contributing;
    let t = text(&f);
    assert!(t.contains("No likely cause: the evidence is too weak"), "{t}");
    assert!(t.contains("[CONTRIBUTING]"));
}

#[test]
fn colour_only_when_asked() {
    let f = example();
    assert!(!text(&f).contains('\x1b'));
    let coloured = render(&f, ReportFormat::Text, &ReportOptions { color: true, ..Default::default() });
    assert!(coloured.contains("\x1b[1;31m[LIKELY CAUSE]\x1b[0m"));
    // Colour never changes the words or the layout.
    assert_eq!(strip_sgr(&coloured), text(&f));
    for fmt in [ReportFormat::Markdown, ReportFormat::Json] {
        assert!(!render(&f, fmt, &ReportOptions { color: true, ..Default::default() }).contains('\x1b'));
    }
}

/// Removes the SGR sequences the text view emits (`ESC [ digits;… m`), and nothing else.
fn strip_sgr(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("\x1b[") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let end = after.find(|c: char| !(c.is_ascii_digit() || c == ';')).unwrap_or(after.len());
        if after[end..].starts_with('m') {
            rest = &after[end + 1..];
        } else {
            out.push_str("\x1b[");
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

const HOSTILE: &str =
    "a\x1b]0;pwned\x07b\x1b[2Jc\x1b]52;c;ZXZpbA==\x07d\u{9b}31me\u{202e}fdp.exe\u{85}g\rh\ni\x08j\x00k";

fn hostile() -> Findings {
    let mut f = example();
    let h = |s: &str| format!("{s} {HOSTILE}");
    f.summary = h("summary");
    f.notices.push(h("notice"));
    f.inputs[0].path = h("path");
    f.inputs[0].format = h("fmt");
    if let Some(i) = &mut f.incident {
        i.impact.description = h("impact");
        i.impact.hosts.push(h("host"));
        i.impact.services.push(h("svc"));
    }
    for c in &mut f.causes {
        c.title = h("title");
        c.subsystem = h("sub");
        c.service = h("svc");
        c.hosts.push(h("host"));
        c.reasons.push(h("reason"));
        for e in &mut c.evidence {
            e.path = h("path");
            e.text = h("text");
        }
    }
    for t in &mut f.timeline {
        t.summary = h("event");
        t.path = h("path");
    }
    f
}

#[test]
fn log_text_cannot_reach_the_terminal_raw() {
    let f = hostile();
    for (name, out) in [
        ("text", text(&f)),
        ("markdown", markdown(&f)),
        (
            "text+colour",
            strip_sgr(&render(&f, ReportFormat::Text, &ReportOptions { color: true, ..Default::default() })),
        ),
    ] {
        for (n, line) in out.lines().enumerate() {
            if let Some(c) = line.chars().find(|&c| is_dangerous(c)) {
                panic!("{name} line {}: raw U+{:04X} in {line:?}", n + 1, c as u32);
            }
        }
        // Every injected sequence is shown, escaped.
        assert!(out.contains("\\x1b]0;pwned\\x07") || out.contains("\\\\x1b\\]0;pwned\\\\x07"), "{name}:\n{out}");
        assert!(out.contains("u{202e}"), "{name}");
        assert!(!out.contains('\r'), "{name}");
    }
    // Text lines still fit: escaping happens before layout.
    for line in text(&f).lines() {
        assert!(line.width() <= 80, "{line}");
    }
}

#[test]
fn markdown_text_cannot_break_out_of_fences_or_inject_markup() {
    let mut f = example();
    f.causes[0].evidence[0].text = "before ``` ```````` after".into();
    f.causes[0].evidence[1].text = "```".into();
    f.causes[0].reasons.push("# heading <img src=x onerror=alert(1)> [link](http://evil) | cell".into());
    f.timeline[0].summary = "a | b `c`".into();
    let m = markdown(&f);
    // The evidence block: opened by a fence longer than any run inside, closed after all three lines.
    let lines: Vec<&str> = m.lines().collect();
    let open = lines.iter().position(|l| l.starts_with("```") && l.ends_with("text")).expect("fence");
    let fence = lines[open].trim_end_matches("text");
    assert!(fence.len() > 8, "{fence}");
    let close = open + 1 + lines[open + 1..].iter().position(|l| l.starts_with(fence)).expect("close");
    assert_eq!(close - open - 1, 3, "{m}");
    assert!(lines[open + 1].contains("before ``` ```````` after"));
    // Markup in reasons is escaped, not rendered.
    assert!(m.contains("- \\# heading \\<img src=x onerror=alert(1)\\> \\[link\\](http://evil) \\| cell"), "{m}");
    // A table cell's pipe cannot split the row.
    let row = lines.iter().find(|l| l.contains("a \\| b")).expect("timeline row");
    assert_eq!(row.matches(" | ").count(), 2, "{row}");
}

/// Seeds a secret into every string field a view prints.
fn secret_findings() -> (Findings, Vec<&'static str>) {
    let secrets = vec![
        "hunter2pass",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJib2IifQ.c2lnbmF0dXJlc2lnbmF0dXJl",
        "AKIAIOSFODNN7EXAMPLE",
        "oncall@example.com",
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b",
        "s3cr3t-Value",
        "tok-4242-abcd",
    ];
    let line = "user bob password=hunter2pass Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJib2IifQ.c2lnbmF0dXJlc2lnbmF0dXJl \
                key AKIAIOSFODNN7EXAMPLE mail oncall@example.com api_key: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b \
                {\"client_secret\":\"s3cr3t-Value\"} token=tok-4242-abcd from 10.1.2.3 and 2001:db8::7";
    let mut f = example();
    let s = |p: &str| format!("{p} {line}");
    f.summary = s("summary");
    f.notices.push(s("notice"));
    f.inputs[0].path = "logs/oncall@example.com/auth.log".into();
    if let Some(i) = &mut f.incident {
        i.impact.description = s("impact");
    }
    for c in &mut f.causes {
        c.title = s("title");
        c.reasons.push(s("reason"));
        for e in &mut c.evidence {
            e.text = s("text");
        }
    }
    for t in &mut f.timeline {
        t.summary = s("event");
    }
    for p in &mut f.patterns {
        p.text = s("pattern");
        for e in &mut p.examples {
            e.text = s("example");
        }
    }
    (f, secrets)
}

#[test]
fn redaction_leaves_no_secret_in_any_format() {
    let (mut f, secrets) = secret_findings();
    // Unredacted, every secret is there (the seeding works).
    let raw = render(&f, ReportFormat::Json, &ReportOptions::default());
    for s in &secrets {
        assert!(raw.contains(s), "{s} not seeded");
    }
    redact_findings(&mut f, &RedactOptions::default());
    for fmt in ALL {
        let out = render(&f, fmt, &ReportOptions::default());
        for s in &secrets {
            assert!(!out.contains(s), "{s} survived in {fmt:?}:\n{out}");
        }
        assert!(out.contains("[REDACTED]") || out.contains("\\[REDACTED\\]"));
        // IPs stay unless asked for.
        assert!(out.contains("10.1.2.3"), "{fmt:?}");
    }
    let (mut f, _) = secret_findings();
    redact_findings(&mut f, &RedactOptions { ips: true });
    for fmt in ALL {
        let out = render(&f, fmt, &ReportOptions::default());
        assert!(!out.contains("10.1.2.3") && !out.contains("2001:db8::7"), "{fmt:?}:\n{out}");
    }
}

#[test]
fn json_is_the_findings_exactly() {
    let f = example();
    let json = render(&f, ReportFormat::Json, &ReportOptions::default());
    assert_eq!(json.lines().count(), 1);
    let back: Findings = serde_json::from_str(&json).expect("parses back");
    assert_eq!(back, f);
    assert_eq!(back.schema, SCHEMA);
    let pretty = render(&f, ReportFormat::Json, &ReportOptions { pretty: true, ..Default::default() });
    assert!(pretty.lines().count() > 50);
    assert_eq!(serde_json::from_str::<Findings>(&pretty).expect("parses back"), f);
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(v["incident"]["onset"], "2024-03-14T14:02:40.118Z");
    assert_eq!(v["causes"][0]["verdict"], "likely-cause");
}

#[test]
fn hosts_in_natural_order_and_counts_in_number() {
    let mut f = example();
    let first =
        f.causes.iter().position(|c| matches!(c.verdict, Verdict::LikelyCause | Verdict::Contributing)).unwrap();
    f.causes[first].hosts = ["auth-3", "auth-10", "auth-2"].map(String::from).to_vec();
    f.inputs.truncate(1);
    f.inputs[0].records = 1;
    f.inputs[0].unparsed = 1;
    let text = render(&f, ReportFormat::Text, &ReportOptions::default());
    assert!(text.contains("hosts auth-2, auth-3, auth-10"), "{text}");
    assert!(text.contains("1 file (") && text.contains(", 1 record, 1 unparsed line\n"), "{text}");
    let md = render(&f, ReportFormat::Markdown, &ReportOptions::default());
    assert!(md.contains("`auth-2`, `auth-3`, `auth-10`"), "{md}");
}

/// `--fail-on likely-cause` exits 1 only when the findings name one; an unreadable input (2) outranks it.
#[test]
fn fail_on_likely_cause() {
    let mut f = example();
    assert_eq!(exit_code(&f, None, false), 0);
    assert_eq!(exit_code(&f, Some(FailOn::LikelyCause), false), 1);
    assert_eq!(exit_code(&f, Some(FailOn::LikelyCause), true), 2);
    f.causes.retain(|c| c.verdict != Verdict::LikelyCause);
    assert_eq!(exit_code(&f, Some(FailOn::LikelyCause), false), 0);
    assert_eq!(exit_code(&f, None, true), 2);
}

#[test]
fn a_cause_without_rates_says_none_rather_than_zero_per_minute() {
    let mut f = example();
    let first =
        f.causes.iter().position(|c| matches!(c.verdict, Verdict::LikelyCause | Verdict::Contributing)).unwrap();
    f.causes[first].baseline_per_min = 0.0;
    f.causes[first].incident_per_min = 0.0;
    for format in [ReportFormat::Text, ReportFormat::Markdown] {
        let out = render(&f, format, &ReportOptions::default());
        assert!(!out.contains("0/min before, 0/min during"), "{out}");
    }
    f.causes[first].incident_per_min = 0.05;
    assert_eq!(culprit::report::rate_phrase(&f.causes[first]).as_deref(), Some("0/min before, 3/h during"));
    let text = render(&f, ReportFormat::Text, &ReportOptions::default());
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("0/min before, 3/h during"), "{text}");
}
