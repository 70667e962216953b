//! Unit tests of loading, stacking and ranking; every example of the built-in
//! pack runs in `tests/rules_examples.rs`.

use super::*;
use crate::format::Span;

fn layer(files: &[(&str, &str)]) -> Layer {
    Layer { files: files.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect(), built_in: false }
}

fn msg(line: &str) -> Parsed {
    Parsed { msg: Span::new(0, line.len()), ..Parsed::default() }
}

fn err_text(files: &[(&str, &str)]) -> String {
    match RuleSet::from_layers(&[layer(files)]) {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

const TWO: &str = r#"
subsystem = "auth"
[[rules]]
id = "a"
kind = "error"
match = ['boom']

[[rules]]
id = "b"
kind = "change"
match = ['boom']
"#;

#[test]
fn builtin_pack_loads() {
    let set = RuleSet::builtin().unwrap_or_else(|e| panic!("{e}"));
    assert!(set.len() > 50, "{} rules", set.len());
}

/// The built-in pack skips regex validation at start-up; loaded as a user's folder it gets it.
#[test]
fn builtin_pack_passes_the_checks_a_users_folder_gets() {
    let mut as_user = Layer::builtin();
    as_user.built_in = false;
    let set = RuleSet::from_layers(&[as_user]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(set.len(), RuleSet::builtin().unwrap().len());
    // And a bad pattern in a trusted layer is still refused, by the matcher, with its rule named.
    let bad =
        "[[rules]]\nid = \"x.bad\"\ntitle = \"t\"\nkind = \"error\"\nsubsystem = \"s\"\nmatch = [\"(unclosed\"]\n";
    let trusted = Layer { files: vec![("bad.toml".into(), bad.into())], built_in: true };
    let Err(e) = RuleSet::from_layers(&[trusted]) else { panic!("a bad regex in a trusted layer was accepted") };
    let e = e.to_string();
    assert!(e.contains("x.bad") && e.contains("regex"), "{e}");
}

#[test]
fn load_errors_name_file_line_and_rule() {
    let unknown = "[[rules]]\nid = \"x\"\nkind = \"error\"\nsubsystem = \"a\"\nmatchs = ['boom']\n";
    let e = err_text(&[("u.toml", unknown)]);
    assert!(e.starts_with("u.toml:5: rule 'x': "), "{e}");
    assert!(e.contains("matchs"), "{e}");

    let dup = "[[rules]]\nid = \"x\"\nkind = \"error\"\nsubsystem = \"a\"\nmatch = ['a']\n\n[[rules]]\nid = \"x\"\nkind = \"error\"\nsubsystem = \"a\"\nmatch = ['b']\n";
    let e = err_text(&[("d.toml", dup)]);
    assert!(e.starts_with("d.toml:7: rule 'x': duplicate id (first defined at d.toml:1)"), "{e}");

    let bad_re = "[[rules]]\nid = \"x\"\nkind = \"error\"\nsubsystem = \"a\"\nmatch = [\n  'ok',\n  '(unclosed',\n]\n";
    let e = err_text(&[("r.toml", bad_re)]);
    assert!(e.starts_with("r.toml:7: rule 'x': bad regex"), "{e}");

    let bad_kind = "[[rules]]\nid = \"x\"\nkind = \"mistake\"\nsubsystem = \"a\"\nmatch = ['a']\n";
    let e = err_text(&[("k.toml", bad_kind)]);
    assert!(e.starts_with("k.toml:3: rule 'x': unknown kind 'mistake'"), "{e}");

    let no_name = "[[rules]]\nid = \"x\"\nkind = \"error\"\nsubsystem = \"a\"\n[rules.fields]\n\"\" = 'a'\n";
    let e = err_text(&[("n.toml", no_name)]);
    assert!(e.starts_with("n.toml:6: rule 'x': a field condition needs a field name"), "{e}");

    let unknown_in_examples =
        "[[rules]]\nid = \"x\"\nkind = \"error\"\nsubsystem = \"a\"\nmatch = ['a']\nexamples = { matches = ['a'] }\n";
    let e = err_text(&[("e.toml", unknown_in_examples)]);
    assert!(e.starts_with("e.toml:6: rule 'x': ") && e.contains("matches"), "{e}");

    // Duplicates across files of one layer are errors too.
    let one = "[[rules]]\nid = \"x\"\nkind = \"error\"\nsubsystem = \"a\"\nmatch = ['a']\n";
    let e = err_text(&[("1.toml", one), ("2.toml", one)]);
    assert!(e.starts_with("2.toml:1: rule 'x': duplicate id (first defined at 1.toml:1)"), "{e}");
}

#[test]
fn pathological_regex_is_refused() {
    let huge = "[[rules]]\nid = \"x\"\nkind = \"error\"\nsubsystem = \"a\"\nmatch = ['(?:\\w{1000}){1000}']\n";
    let e = err_text(&[("h.toml", huge)]);
    assert!(e.starts_with("h.toml:5: rule 'x': bad regex"), "{e}");
}

#[test]
fn later_layers_override_and_disable() {
    let base = layer(&[("base.toml", TWO)]);
    let over = layer(&[(
        "over.toml",
        "[[rules]]\nid = \"a\"\nsubsystem = \"db\"\nkind = \"symptom\"\nmatch = ['bang']\n\n[[rules]]\nid = \"b\"\ndisabled = true\n",
    )]);
    let set = RuleSet::from_layers(&[base, over]).unwrap();
    assert_eq!(set.len(), 1);
    let a = set.find("a").unwrap();
    assert_eq!(set.get(a).unwrap().subsystem, "db");
    assert_eq!(set.get(a).unwrap().source_file, "over.toml");
    let line = "bang";
    assert_eq!(set.match_record(line.as_bytes(), &msg(line)), a);
    assert_eq!(set.match_record(b"boom", &msg("boom")), NO_RULE);
}

#[test]
fn ranking_weight_then_kind_then_order() {
    let set = RuleSet::from_layers(&[layer(&[("t.toml", TWO)])]).unwrap();
    // Same weight: change beats error.
    assert_eq!(set.match_record(b"boom", &msg("boom")), set.find("b").unwrap());
    let heavier = TWO.replacen("kind = \"error\"", "kind = \"error\"\nweight = 2.0", 1);
    let set = RuleSet::from_layers(&[layer(&[("t.toml", &heavier)])]).unwrap();
    assert_eq!(set.match_record(b"boom", &msg("boom")), set.find("a").unwrap());
    let same = TWO.replace("\"change\"", "\"error\"");
    let set = RuleSet::from_layers(&[layer(&[("t.toml", &same)])]).unwrap();
    assert_eq!(set.match_record(b"boom", &msg("boom")), set.find("a").unwrap(), "file order breaks ties");
}

#[test]
fn fields_and_messages_must_both_hold() {
    let text = r#"
[[rules]]
id = "x"
subsystem = "web"
kind = "symptom"
match = ['request']
[rules.fields]
status = '^5\d\d$'
level = '^error$'
"#;
    let set = RuleSet::from_layers(&[layer(&[("f.toml", text)])]).unwrap();
    let hit = br#"{"ts":"2024-01-22T15:30:01Z","level":"error","msg":"request done","status_code":502}"#;
    let p = parse_line(hit).parsed;
    assert_eq!(set.match_record(hit, &p), 0);
    let wrong_level = br#"{"ts":"2024-01-22T15:30:01Z","level":"info","msg":"request done","status":502}"#;
    assert_eq!(set.match_record(wrong_level, &parse_line(wrong_level).parsed), NO_RULE);
    let wrong_msg = br#"{"ts":"2024-01-22T15:30:01Z","level":"error","msg":"done","status":502}"#;
    assert_eq!(set.match_record(wrong_msg, &parse_line(wrong_msg).parsed), NO_RULE);
}

#[test]
fn captures_are_named_groups() {
    let set = RuleSet::builtin().unwrap();
    let line = "Dec 10 06:55:48 LabSZ sshd[24200]: Failed password for invalid user webmaster from 173.234.31.186 port 38926 ssh2";
    let p = parse_line(line.as_bytes()).parsed;
    let r = set.match_record(line.as_bytes(), &p);
    assert_eq!(set.get(r).map(|r| r.id.as_str()), Some("auth.ssh-failed-password"));
    let caps = set.captures(r, line.as_bytes(), &p);
    assert_eq!(
        caps,
        vec![("user".to_string(), "webmaster".to_string()), ("host".to_string(), "173.234.31.186".to_string())]
    );
}

#[test]
fn missing_user_dir_is_fine_and_user_dir_respects_xdg() {
    // Only reads the environment; does not change it.
    if let Some(d) = user_dir() {
        assert!(d.ends_with("culprit/rules"));
    }
}

#[test]
fn topics_merge_over_files_and_relates_is_kept() {
    let a = r#"
subsystem = "system"
[topics]
time = ["chrony", "ntp"]
[[rules]]
id = "clock"
kind = "change"
relates = ["time"]
match = ['clock stepped']
"#;
    let b = r#"
subsystem = "auth"
[topics]
time = ["NTP", "timesyncd"]
[[rules]]
id = "tok"
kind = "error"
match = ['not yet valid']
"#;
    let set = RuleSet::from_layers(&[layer(&[("a.toml", a), ("b.toml", b)])]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(set.topics["time"], vec!["chrony", "ntp", "timesyncd"]);
    assert_eq!(set.get(set.find("clock").unwrap()).unwrap().relates, vec!["time"]);
    assert!(set.get(set.find("tok").unwrap()).unwrap().relates.is_empty());
}

#[test]
fn bad_topics_are_reported_with_their_line() {
    let bad_tag =
        "subsystem = \"x\"\n[[rules]]\nid = \"r\"\nkind = \"error\"\nrelates = [\"Time Sync\"]\nmatch = ['x']\n";
    let e = err_text(&[("r.toml", bad_tag)]);
    assert!(e.contains("r.toml:5") && e.contains("relates"), "{e}");
    let short_word = "subsystem = \"x\"\n[topics]\ntime = [\"a\"]\n";
    let e = err_text(&[("t.toml", short_word)]);
    assert!(e.contains("t.toml:3") && e.contains("too short"), "{e}");
}

/// An access log's request line is what a client asked for, not what a program said: a page
/// about OOM kills or a rollback endpoint answering 200 is no OOM kill and no rollback. Status
/// and path carry an access record's meaning.
#[test]
fn access_records_are_judged_by_their_fields_not_their_request_text() {
    let set = RuleSet::builtin().unwrap();
    let access = |path: &str, status: &str| {
        format!(r#"10.0.0.7 - - [22/Jan/2024:15:30:01 +0000] "GET {path} HTTP/1.1" {status} 512 "-" "curl/8.0""#)
    };
    let verdicts = |line: &str| {
        let parsed = check::parse_line(line.as_bytes());
        assert_eq!(parsed.format, crate::format::FormatKind::Access, "{line}");
        let mut scratch = MatchScratch::default();
        let id = |r: u32| set.get(r).map(|r| r.id.clone());
        let cached = set.match_record_with(line.as_bytes(), &parsed.parsed, &mut scratch);
        (id(set.match_record(line.as_bytes(), &parsed.parsed)), id(cached))
    };
    assert_eq!(verdicts(&access("/wiki/OOMKilled", "200")), (None, None));
    assert_eq!(verdicts(&access("/api/deploy/rollback", "200")), (None, None));
    let success = Some("web.auth-success".to_string());
    assert_eq!(verdicts(&access("/api/v1/oauth/token?error=invalid_grant", "200")), (success.clone(), success));
    let failed = Some("web.5xx".to_string());
    assert_eq!(verdicts(&access("/api/deploy/rollback", "503")), (failed.clone(), failed));

    // The same words written by a program keep their meaning.
    let text =
        "2024-01-22T15:30:01+00:00 node1 kernel: [1234.5] Memory cgroup out of memory: Killed process 812 (java)";
    let parsed = check::parse_line(text.as_bytes());
    let rule = set.match_record(text.as_bytes(), &parsed.parsed);
    assert_eq!(set.get(rule).map(|r| r.id.as_str()), Some("sys.oom-kill"));
}

/// Message regexes compile on first use, so load-time validation must refuse what `compile`
/// would, and the fallback for a regex the engine still refuses must match nothing.
#[test]
fn validation_refuses_what_compile_refuses_and_the_fallback_matches_nothing() {
    for bad in ["(unclosed", "a{1001}{1001}{1001}", "[z-a]"] {
        assert!(matcher::validate(bad).is_err(), "{bad}");
        assert!(matcher::compile(bad).is_err(), "{bad}");
    }
    for good in [r"(?i)connection refused", r"^5\d\d$", r"(?u)\w+ failed"] {
        assert!(matcher::validate(good).is_ok(), "{good}");
    }
    let nothing = matcher::compile(r"[^\x00-\xFF]").unwrap();
    assert!(!nothing.is_match(b"") && !nothing.is_match(b"any \xff bytes"));
}
