//! The strict grade of findings against an incident folder's `truth.json` (the layout of the
//! real-server sets and of the incident kit), the same rules as `scripts/grade_incidents.py`:
//!
//! - strict: the first cause is a likely cause, the line it is named after (its first evidence
//!   line) matches an accept regex, and none of its evidence lines is a chronic error or an
//!   unrelated change (a herring regex of that kind, in a file of the same name);
//! - loose: some evidence line of some cause matches an accept regex;
//! - quiet: an incident-free folder (cause null) yields no likely cause.

use super::kit::Truth;
use culprit::findings::{Evidence, Findings, Verdict};
use regex::Regex;

/// How one folder went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grade {
    /// Strict pass (on a quiet day: no likely cause).
    pub strict: bool,
    /// Loose pass (on a quiet day: the same as strict).
    pub loose: bool,
    /// The folder had no incident.
    pub quiet: bool,
    /// Why strict failed, empty when it passed.
    pub why: String,
}

/// A truth whose regexes do not compile.
#[derive(Debug)]
pub struct BadTruth(pub String);

impl std::fmt::Display for BadTruth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

fn compile(re: &str) -> Result<Regex, BadTruth> {
    Regex::new(re).map_err(|e| BadTruth(format!("bad regex '{re}' in truth: {e}")))
}

fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

pub fn grade(truth: &Truth, f: &Findings) -> Result<Grade, BadTruth> {
    let first = f.causes.first();
    let Some(cause) = &truth.cause else {
        let ok = !f.causes.iter().any(|c| c.verdict == Verdict::LikelyCause);
        let why = if ok { String::new() } else { "a quiet day got a likely cause".to_string() };
        return Ok(Grade { strict: ok, loose: ok, quiet: true, why });
    };
    let accept: Vec<Regex> = cause.accept.iter().map(|a| compile(a)).collect::<Result<_, _>>()?;
    let mut bad = Vec::new();
    for h in &truth.red_herrings {
        if h.kind == "chronic" || h.kind == "unrelated-change" {
            bad.push((h.kind.as_str(), h.file.as_str(), compile(&h.regex)?));
        }
    }
    let hits_accept = |e: &Evidence| accept.iter().any(|a| a.is_match(&e.text));
    let herring = |e: &Evidence| {
        bad.iter().find(|(_, file, re)| *file == file_name(&e.path) && re.is_match(&e.text)).map(|(k, _, _)| *k)
    };
    let why = match first {
        None => "no cause".to_string(),
        Some(c) if c.verdict != Verdict::LikelyCause => format!("first is {}", c.verdict.as_str()),
        Some(c) if !c.evidence.first().is_some_and(hits_accept) => "headline line is not the trigger".to_string(),
        Some(c) => match c.evidence.iter().find_map(herring) {
            Some(kind) => format!("evidence has {kind}"),
            None => String::new(),
        },
    };
    let loose = f.causes.iter().any(|c| c.evidence.iter().any(hits_accept));
    Ok(Grade { strict: why.is_empty(), loose, quiet: false, why })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kit::{TruthCause, TruthHerring};
    use culprit::findings::{Cause, SignalKind, SignalRef};

    fn truth(cause: bool) -> Truth {
        Truth {
            name: "t".into(),
            description: String::new(),
            incident: None,
            cause: cause.then(|| TruthCause {
                subsystem: "database".into(),
                file: "audit.log".into(),
                line: 3,
                accept: vec!["SET GLOBAL max_connections".into()],
            }),
            red_herrings: vec![
                TruthHerring {
                    file: "audit.log".into(),
                    kind: "unrelated-change".into(),
                    regex: "long_query_time".into(),
                },
                TruthHerring { file: "app.log".into(), kind: "consequence".into(), regex: "Too many".into() },
                TruthHerring { file: "auth.log".into(), kind: "chronic".into(), regex: "Invalid user".into() },
            ],
        }
    }

    fn ev(path: &str, text: &str) -> Evidence {
        Evidence { path: path.into(), line: 1, ts: None, text: text.into(), record: None }
    }

    fn cause(verdict: Verdict, evidence: Vec<Evidence>) -> Cause {
        Cause {
            rank: 1,
            score: 1.0,
            verdict,
            subsystem: "database".into(),
            service: String::new(),
            hosts: Vec::new(),
            title: "t".into(),
            signal: SignalRef { kind: SignalKind::Rule, id: "r".into() },
            onset: None,
            baseline_per_min: 0.0,
            incident_per_min: 0.0,
            reasons: Vec::new(),
            evidence,
            related: Vec::new(),
        }
    }

    fn findings(causes: Vec<Cause>) -> Findings {
        Findings {
            schema: culprit::findings::SCHEMA.into(),
            inputs: Vec::new(),
            incident: None,
            causes,
            timeline: Vec::new(),
            summary: String::new(),
            notices: Vec::new(),
            charts: Vec::new(),
            patterns: Vec::new(),
            change: None,
        }
    }

    const TRIGGER: &str = "20261207 17:13:48,db,root,localhost,699,2208,QUERY,,'SET GLOBAL max_connections = 10',0";

    #[test]
    fn strict_needs_a_likely_cause_headlined_by_the_trigger() {
        let t = truth(true);
        let good = findings(vec![cause(Verdict::LikelyCause, vec![ev("/x/audit.log", TRIGGER)])]);
        let g = grade(&t, &good).unwrap();
        assert!(g.strict && g.loose && !g.quiet, "{g:?}");

        let contributing = findings(vec![cause(Verdict::Contributing, vec![ev("/x/audit.log", TRIGGER)])]);
        let g = grade(&t, &contributing).unwrap();
        assert!(!g.strict && g.loose);
        assert_eq!(g.why, "first is contributing");

        // The trigger only as a second evidence line: loose, not strict.
        let late = findings(vec![cause(
            Verdict::LikelyCause,
            vec![ev("/x/app.log", "ERROR 1040 (08004): Too many connections"), ev("/x/audit.log", TRIGGER)],
        )]);
        let g = grade(&t, &late).unwrap();
        assert!(!g.strict && g.loose);
        assert_eq!(g.why, "headline line is not the trigger");

        let none = findings(Vec::new());
        let g = grade(&t, &none).unwrap();
        assert!(!g.strict && !g.loose);
        assert_eq!(g.why, "no cause");
    }

    #[test]
    fn chronic_or_unrelated_evidence_fails_strict_only_in_its_own_file() {
        let t = truth(true);
        let herring = ev("/x/audit.log", "QUERY,,'SET GLOBAL long_query_time = 0.5',0");
        let with_change = findings(vec![cause(Verdict::LikelyCause, vec![ev("audit.log", TRIGGER), herring.clone()])]);
        let g = grade(&t, &with_change).unwrap();
        assert!(!g.strict && g.loose);
        assert_eq!(g.why, "evidence has unrelated-change");

        let with_chronic = findings(vec![cause(
            Verdict::LikelyCause,
            vec![ev("audit.log", TRIGGER), ev("/var/log/auth.log", "sshd[1]: Invalid user x from 1.2.3.4")],
        )]);
        assert_eq!(grade(&t, &with_chronic).unwrap().why, "evidence has chronic");

        // The same text in another file is not the herring; a consequence never fails strict.
        let elsewhere = findings(vec![cause(
            Verdict::LikelyCause,
            vec![
                ev("audit.log", TRIGGER),
                ev("/x/other.log", "long_query_time"),
                ev("/x/app.log", "Too many connections"),
            ],
        )]);
        assert!(grade(&t, &elsewhere).unwrap().strict);
    }

    #[test]
    fn quiet_days_pass_without_a_likely_cause() {
        let t = truth(false);
        let chronic = findings(vec![cause(Verdict::Chronic, vec![ev("auth.log", "Invalid user x")])]);
        let g = grade(&t, &chronic).unwrap();
        assert!(g.strict && g.quiet);
        let blamed = findings(vec![cause(Verdict::Unrelated, vec![]), cause(Verdict::LikelyCause, vec![])]);
        assert!(!grade(&t, &blamed).unwrap().strict);
    }

    #[test]
    fn a_bad_regex_is_an_error_not_a_panic() {
        let mut t = truth(true);
        t.cause.as_mut().unwrap().accept = vec!["(unclosed".into()];
        let err = grade(&t, &findings(Vec::new())).unwrap_err();
        assert!(err.0.contains("(unclosed"), "{err}");
    }
}
