//! Every incident-kit family: the same seed gives the same bytes, the truth names a real line
//! (the cause line matches an accept regex, every herring regex matches lines of its file, the
//! window brackets the trigger), and culprit reads every file in a recognised format.

use culprit::index::{Index, IndexOptions};
use culprit_scenarios::kit::{self, families};
use regex::Regex;

const SEEDS: [u64; 3] = [1, 2, 3];

fn lines(bytes: &[u8]) -> Vec<&str> {
    std::str::from_utf8(bytes).expect("generated logs are UTF-8").lines().collect()
}

#[test]
fn same_seed_same_bytes_and_seeds_differ() {
    for fam in families::ALL {
        let (a, ta) = kit::render_family(fam, 7).expect("render");
        let (b, tb) = kit::render_family(fam, 7).expect("render");
        assert_eq!(a, b, "{}: seed 7 rendered twice differs", fam.name);
        assert_eq!(ta, tb, "{}: truth of seed 7 differs", fam.name);
        let (c, _) = kit::render_family(fam, 8).expect("render");
        assert_ne!(a, c, "{}: seeds 7 and 8 give the same logs", fam.name);
    }
}

#[test]
fn truth_names_real_lines() {
    for fam in families::ALL {
        for seed in SEEDS {
            let name = format!("{}-{seed}", fam.name);
            let (files, truth) = kit::render_family(fam, seed).expect("render");
            let file = |f: &str| -> Vec<&str> {
                let (_, bytes) = files.iter().find(|(n, _)| n == f).unwrap_or_else(|| panic!("{name}: no file {f}"));
                lines(bytes)
            };
            assert_eq!(truth.cause.is_some(), truth.incident.is_some(), "{name}: cause and window go together");
            if let Some(cause) = &truth.cause {
                let text = file(&cause.file)[cause.line as usize - 1];
                let accept: Vec<Regex> = cause.accept.iter().map(|a| Regex::new(a).expect("accept regex")).collect();
                assert!(
                    accept.iter().any(|a| a.is_match(text)),
                    "{name}: cause line {} is not accepted: {text}",
                    cause.line
                );
                let w = truth.incident.as_ref().expect("window");
                assert!(w.start <= w.end, "{name}: window {w:?}");
            }
            for h in &truth.red_herrings {
                assert!(
                    ["chronic", "unrelated-change", "consequence"].contains(&h.kind.as_str()),
                    "{name}: kind {}",
                    h.kind
                );
                let re = Regex::new(&h.regex).expect("herring regex");
                let hits = file(&h.file).iter().filter(|l| re.is_match(l)).count();
                assert!(hits > 0, "{name}: herring {} /{}/ matches nothing in {}", h.kind, h.regex, h.file);
                if h.kind == "chronic" {
                    assert!(hits >= 3, "{name}: chronic /{}/ matches only {hits} lines", h.regex);
                }
                if let Some(cause) = &truth.cause {
                    if h.kind != "consequence" && h.file == cause.file {
                        let text = file(&cause.file)[cause.line as usize - 1];
                        assert!(
                            !re.is_match(text),
                            "{name}: the trigger line matches the {} herring /{}/",
                            h.kind,
                            h.regex
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn culprit_reads_every_generated_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    for fam in families::ALL {
        let out = dir.path().join(fam.name);
        kit::generate(&out, fam, 1).expect("generate");
        let logs = culprit_scenarios::eval::incident_logs(&out).expect("list");
        // The formats the binary knows, built-in custom ones (Redis, Elasticsearch, Spring Boot) included.
        let options = IndexOptions {
            custom_formats: culprit::format::custom::load_all(&[]).expect("built-in formats"),
            ..IndexOptions::default()
        };
        let (inputs, notices) = Index::survey(&logs, &options);
        assert!(notices.is_empty(), "{}: {notices:?}", fam.name);
        assert_eq!(inputs.len(), logs.len(), "{}: every file is read", fam.name);
        for i in &inputs {
            assert_ne!(i.format, "unknown", "{}: {} has no recognised format", fam.name, i.path);
            assert!(
                i.unparsed * 100 <= i.lines,
                "{}: {} has {} of {} lines unparsed",
                fam.name,
                i.path,
                i.unparsed,
                i.lines
            );
            assert!(
                i.untimed * 10 <= i.records,
                "{}: {} has {} of {} records untimed",
                fam.name,
                i.path,
                i.untimed,
                i.records
            );
        }
    }
}

#[test]
fn generate_refuses_a_folder_of_someone_elses_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("app.log"), "real log\n").expect("write");
    let err = kit::generate(dir.path(), &families::ALL[0], 1).expect_err("must refuse");
    assert!(err.to_string().contains("not a generated incident"), "{err}");
    assert_eq!(std::fs::read_to_string(dir.path().join("app.log")).expect("read"), "real log\n");
}
