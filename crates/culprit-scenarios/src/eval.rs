//! Scoring findings against a scenario's truth, and the naive baseline they must beat
//! ("the signal with the most errors in the window wins").

use super::Truth;
use culprit::analysis::tuning::Weights;
use culprit::findings::{Findings, Verdict};
use culprit::format::Level;
use culprit::index::Index;
use std::collections::HashMap;

/// How one scenario went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub name: String,
    /// The rank-1 cause's evidence holds the trigger line and it is a likely cause or a
    /// contributing one (or, on a quiet day, no likely cause).
    pub top1: bool,
    /// The same, counting only a likely-cause verdict (see [`holds_trigger_strict`]).
    pub top1_strict: bool,
    /// One of the first three causes holds the trigger line.
    pub top3: bool,
    /// The rank-1 cause's hosts overlap the hosts the cause hit.
    pub top1_hosts: bool,
    /// The naive pick's hosts overlap the hosts the cause hit.
    pub naive_hosts: bool,
    /// What came first, for the printed table.
    pub top_title: String,
}

/// The cause at `rank` is a likely or contributing cause whose evidence holds the line.
fn holds_trigger(f: &Findings, rank: usize, path: &str, line: u64) -> bool {
    f.causes
        .get(rank)
        .is_some_and(|c| matches!(c.verdict, Verdict::LikelyCause | Verdict::Contributing) && cites(c, path, line))
}

/// The first cause is a likely cause whose evidence holds the line: what a responder acts on.
pub fn holds_trigger_strict(f: &Findings, path: &str, line: u64) -> bool {
    f.causes.first().is_some_and(|c| c.verdict == Verdict::LikelyCause && cites(c, path, line))
}

fn cites(c: &culprit::findings::Cause, path: &str, line: u64) -> bool {
    c.evidence.iter().any(|e| e.line == line && e.path.replace('\\', "/").ends_with(&format!("/{path}")))
}

pub fn evaluate(name: &str, truth: &Truth, index: &Index, f: &Findings) -> Outcome {
    let top_title = f.causes.first().map(|c| format!("[{}] {}", c.verdict.as_str(), c.title)).unwrap_or_default();
    let Some(cause) = &truth.cause else {
        let quiet_ok = f.likely_cause().is_none();
        return Outcome {
            name: name.into(),
            top1: quiet_ok,
            top1_strict: quiet_ok,
            top3: quiet_ok,
            top1_hosts: quiet_ok,
            naive_hosts: naive_pick(index, truth).is_none(),
            top_title,
        };
    };
    let top1 = holds_trigger(f, 0, &cause.path, cause.line);
    let top1_strict = holds_trigger_strict(f, &cause.path, cause.line);
    let top3 = (0..3).any(|r| holds_trigger(f, r, &cause.path, cause.line));
    let top1_hosts = f.causes.first().is_some_and(|c| {
        matches!(c.verdict, Verdict::LikelyCause | Verdict::Contributing)
            && c.hosts.iter().any(|h| cause.hosts.contains(h))
    });
    let naive_hosts = naive_pick(index, truth).is_some_and(|hosts| hosts.iter().any(|h| cause.hosts.contains(h)));
    Outcome { name: name.into(), top1, top1_strict, top3, top1_hosts, naive_hosts, top_title }
}

/// The naive answer: the mined template with the most error-level lines inside the true
/// incident window; returns the hosts that logged it.
pub fn naive_pick(index: &Index, truth: &Truth) -> Option<Vec<String>> {
    let window = truth.incident.as_ref()?;
    let parse = |s: &str| chrono::DateTime::parse_from_rfc3339(s).ok().map(|d| d.timestamp_millis());
    let (lo, hi) = (parse(&window.start)?, parse(&window.end)?);
    let r = &index.records;
    let mut counts: HashMap<u32, u64> = HashMap::new();
    for i in 0..r.len() {
        if r.ts(i) >= lo && r.ts(i) <= hi && r.level(i) >= Level::Error {
            *counts.entry(r.template(i)).or_default() += 1;
        }
    }
    let (&top, _) = counts.iter().max_by_key(|(t, c)| (**c, std::cmp::Reverse(**t)))?;
    let mut hosts: HashMap<u32, u64> = HashMap::new();
    for i in 0..r.len() {
        if r.ts(i) >= lo && r.ts(i) <= hi && r.level(i) >= Level::Error && r.template(i) == top {
            *hosts.entry(r.host(i)).or_default() += 1;
        }
    }
    Some(hosts.keys().filter(|&&h| h != 0).map(|&h| index.hosts.get(h).to_string()).collect())
}

/// Generates every family for each seed under `root`, runs the whole pipeline with the built-in
/// rules on each, and scores the findings.
pub fn run_corpus(root: &std::path::Path, seeds: &[u64], size: Option<u64>) -> Result<Vec<Outcome>, String> {
    let mut outcomes = Vec::new();
    for g in generate_corpus(root, seeds, size)? {
        let rules = culprit::rules::RuleSet::load(&[]).map_err(|e| e.to_string())?;
        let index = Index::open(&[g.dir.join("logs")], rules, &culprit::index::IndexOptions::default());
        let findings = culprit::analysis::analyse(&index, &culprit::analysis::AnalysisOptions::default());
        outcomes.push(evaluate(&g.name, &g.truth, &index, &findings));
    }
    Ok(outcomes)
}

/// One generated scenario on disk.
struct Generated {
    family: super::Family,
    name: String,
    dir: std::path::PathBuf,
    truth: Truth,
}

/// Every family for each seed, generated under `root` (`FAMILY-SEED/`).
fn generate_corpus(root: &std::path::Path, seeds: &[u64], size: Option<u64>) -> Result<Vec<Generated>, String> {
    use super::{generate, Family, Options};
    let mut out = Vec::new();
    for family in Family::ALL {
        for &seed in seeds {
            let name = format!("{}-{seed}", family.name());
            let dir = root.join(&name);
            let truth =
                generate(&dir, &Options { family, seed, size, sample: false }).map_err(|e| format!("{name}: {e}"))?;
            out.push(Generated { family, name, dir, truth });
        }
    }
    Ok(out)
}

/// One row per scenario, then the totals.
pub fn table(outcomes: &[Outcome]) -> String {
    table_with(outcomes, false)
}

/// [`table`]; with `strict`, each row's top-1 counts only a likely-cause verdict, and the totals
/// give the strict count beside the one that also counts a contributing verdict.
pub fn table_with(outcomes: &[Outcome], strict: bool) -> String {
    let mut out = String::new();
    for o in outcomes {
        out.push_str(&format!(
            "{:<20} top1={} top3={} hosts={} naive-hosts={}  {}\n",
            o.name,
            if strict { o.top1_strict } else { o.top1 } as u8,
            o.top3 as u8,
            o.top1_hosts as u8,
            o.naive_hosts as u8,
            culprit::text::truncate_chars(&o.top_title, 90)
        ));
    }
    let n = outcomes.len();
    let count = |f: fn(&Outcome) -> bool| outcomes.iter().filter(|o| f(o)).count();
    let top1 = if strict {
        format!(
            "top-1 strict (likely cause only) {}/{n}, top-1 likely or contributing {}/{n}",
            count(|o| o.top1_strict),
            count(|o| o.top1)
        )
    } else {
        format!("top-1 {}/{n}", count(|o| o.top1))
    };
    out.push_str(&format!(
        "\n{n} scenarios: {top1}, top-3 {}/{n}, top-1 hosts {}/{n}; naive (most errors in the window) hosts {}/{n}\n",
        count(|o| o.top3),
        count(|o| o.top1_hosts),
        count(|o| o.naive_hosts)
    ));
    out
}

/// How one incident-kit folder went under the strict grade.
#[derive(Clone, Debug)]
pub struct KitOutcome {
    pub family: String,
    pub seed: u64,
    pub grade: super::grade::Grade,
    /// The naive pick (the file with the most error lines in the true window) is the cause's
    /// file; `None` on a quiet day.
    pub naive: Option<bool>,
    /// The first cause as the report shows it.
    pub top: String,
}

/// The log files of an incident folder, truth left out (as a responder has them), sorted.
pub fn incident_logs(dir: &std::path::Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    let mut v: Vec<std::path::PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != "truth.json"))
        .collect();
    v.sort();
    Ok(v)
}

/// The naive answer on an incident folder: the file with the most error-level lines inside the
/// true window (its file name).
pub fn naive_file(index: &Index, truth: &super::kit::Truth) -> Option<String> {
    let window = truth.incident.as_ref()?;
    let parse = |s: &str| chrono::DateTime::parse_from_rfc3339(s).ok().map(|d| d.timestamp_millis());
    let (lo, hi) = (parse(&window.start)?, parse(&window.end)?);
    let r = &index.records;
    let mut counts: HashMap<u32, u64> = HashMap::new();
    for i in 0..r.len() {
        if r.ts(i) >= lo && r.ts(i) <= hi && r.level(i) >= Level::Error {
            *counts.entry(r.source(i)).or_default() += 1;
        }
    }
    let (&top, _) = counts.iter().max_by_key(|(s, c)| (**c, std::cmp::Reverse(**s)))?;
    let path = index.sources.get(top as usize)?.display();
    Some(path.rsplit(['/', '\\']).next().unwrap_or(&path).to_string())
}

/// Generates each kit family for each seed under `root`, runs the whole pipeline with the
/// built-in rules (as `culprit report` on the folder's log files) and grades the findings.
pub fn run_kit(
    root: &std::path::Path,
    families: &[&super::kit::Family],
    seeds: &[u64],
) -> Result<Vec<KitOutcome>, String> {
    let mut outcomes = Vec::new();
    for family in families {
        for &seed in seeds {
            let dir = root.join(format!("{}-{seed}", family.name));
            let truth = super::kit::generate(&dir, family, seed).map_err(|e| format!("{}: {e}", dir.display()))?;
            let logs = incident_logs(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            let rules = culprit::rules::RuleSet::load(&[]).map_err(|e| e.to_string())?;
            let index = Index::open(&logs, rules, &culprit::index::IndexOptions::default());
            let findings = culprit::analysis::analyse(&index, &culprit::analysis::AnalysisOptions::default());
            let grade = super::grade::grade(&truth, &findings).map_err(|e| format!("{}: {e}", dir.display()))?;
            let naive = truth.cause.as_ref().map(|c| naive_file(&index, &truth).is_some_and(|f| f == c.file));
            let top = findings
                .causes
                .first()
                .map(|c| {
                    let line = c.evidence.first().map(|e| e.text.as_str()).unwrap_or("");
                    format!("[{}] {} | {}", c.verdict.as_str(), c.title, line)
                })
                .unwrap_or_else(|| "-".to_string());
            outcomes.push(KitOutcome { family: family.name.to_string(), seed, grade, naive, top });
        }
    }
    Ok(outcomes)
}

/// One row per folder, one per family, then the totals and the naive baseline.
pub fn kit_table(outcomes: &[KitOutcome]) -> String {
    let mut out = String::new();
    for o in outcomes {
        let verdict = if o.grade.strict { "PASS" } else { "FAIL" };
        let why = if o.grade.why.is_empty() { String::new() } else { format!("{} | ", o.grade.why) };
        out.push_str(&format!(
            "{verdict} {:<24} loose={} naive={}  {why}{}\n",
            format!("{}-{}", o.family, o.seed),
            o.grade.loose as u8,
            o.naive.map_or("-", |n| if n { "1" } else { "0" }),
            culprit::text::truncate_chars(&o.top, 150)
        ));
    }
    out.push('\n');
    let mut families: Vec<&str> = Vec::new();
    for o in outcomes {
        if !families.contains(&o.family.as_str()) {
            families.push(&o.family);
        }
    }
    for fam in &families {
        let of: Vec<&KitOutcome> = outcomes.iter().filter(|o| o.family == *fam).collect();
        let n = of.len();
        let strict = of.iter().filter(|o| o.grade.strict).count();
        let loose = of.iter().filter(|o| o.grade.loose).count();
        let naive = of.iter().filter(|o| o.naive == Some(true)).count();
        if of.iter().all(|o| o.grade.quiet) {
            out.push_str(&format!("{fam:<22} quiet {strict}/{n}\n"));
        } else {
            out.push_str(&format!("{fam:<22} strict {strict}/{n}  loose {loose}/{n}  naive {naive}/{n}\n"));
        }
    }
    let incidents: Vec<&KitOutcome> = outcomes.iter().filter(|o| !o.grade.quiet).collect();
    let quiet: Vec<&KitOutcome> = outcomes.iter().filter(|o| o.grade.quiet).collect();
    let n = incidents.len();
    out.push_str(&format!(
        "\n{} families, {n} incidents: strict {}/{n}, loose {}/{n}; naive (file with the most error lines in the window) {}/{n}; quiet {}/{}\n",
        families.len(),
        incidents.iter().filter(|o| o.grade.strict).count(),
        incidents.iter().filter(|o| o.grade.loose).count(),
        incidents.iter().filter(|o| o.naive == Some(true)).count(),
        quiet.iter().filter(|o| o.grade.strict).count(),
        quiet.len()
    ));
    out
}

// ---- Leave-one-family-out

/// How one analysis of a case went.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Grade {
    /// The first cause is a likely cause named after the trigger (or, with no cause, no likely cause).
    pub strict: bool,
    /// The first cause is a likely or contributing cause whose evidence holds the trigger.
    pub loose: bool,
    /// The naive pick (most error lines in the true window) lands on the cause's hosts.
    pub naive: bool,
}

/// Grades findings on one case's index.
pub type Grader = Box<dyn Fn(&Index, &Findings) -> Grade + Send + Sync>;

/// One graded incident for the leave-one-family-out evaluation. Any generator (or a folder of real
/// logs with its truth) can make cases: the family groups the cases a fitted weight must not see
/// when that family is scored.
pub struct Case {
    pub family: String,
    pub name: String,
    /// The files or folders to index.
    pub inputs: Vec<std::path::PathBuf>,
    pub grade: Grader,
}

/// Grades findings against a generated scenario's truth (see [`evaluate`]).
pub fn truth_grader(truth: Truth) -> Grader {
    Box::new(move |index: &Index, f: &Findings| {
        let o = evaluate("", &truth, index, f);
        Grade { strict: o.top1_strict, loose: o.top1, naive: o.naive_hosts }
    })
}

/// Generates every family of the built-in generator for each seed under `root`: one case each.
pub fn generated_cases(root: &std::path::Path, seeds: &[u64], size: Option<u64>) -> Result<Vec<Case>, String> {
    Ok(generate_corpus(root, seeds, size)?
        .into_iter()
        .map(|g| Case {
            family: g.family.name().to_string(),
            name: g.name,
            inputs: vec![g.dir.join("logs")],
            grade: truth_grader(g.truth),
        })
        .collect())
}

/// Generates each kit family for each seed under `root`: one case each, graded strictly by its
/// truth.json (as `scripts/grade_incidents.py`); the naive pick is the file with the most error
/// lines in the true window.
pub fn kit_cases(root: &std::path::Path, families: &[&super::kit::Family], seeds: &[u64]) -> Result<Vec<Case>, String> {
    let mut cases = Vec::new();
    for family in families {
        for &seed in seeds {
            let dir = root.join(format!("{}-{seed}", family.name));
            let truth = super::kit::generate(&dir, family, seed).map_err(|e| format!("{}: {e}", dir.display()))?;
            let inputs = incident_logs(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            let grade: Grader = Box::new(move |index: &Index, f: &Findings| {
                let g = super::grade::grade(&truth, f).ok();
                let naive =
                    truth.cause.as_ref().is_some_and(|c| naive_file(index, &truth).is_some_and(|f| f == c.file));
                Grade { strict: g.as_ref().is_some_and(|g| g.strict), loose: g.is_some_and(|g| g.loose), naive }
            });
            cases.push(Case {
                family: family.name.to_string(),
                name: format!("{}-{seed}", family.name),
                inputs,
                grade,
            });
        }
    }
    Ok(cases)
}

/// Weight sets around `base`: `base` itself first, then each weight alone times each factor
/// (`axes`), or every combination of factors (`full`, factors^5 points).
pub fn weight_grid(base: Weights, factors: &[f64], full: bool) -> Vec<Weights> {
    let set = |w: Weights, k: usize, f: f64| {
        let mut w = w;
        let v = match k {
            0 => &mut w.timing,
            1 => &mut w.order,
            2 => &mut w.strength,
            3 => &mut w.novelty,
            _ => &mut w.change,
        };
        *v *= f;
        w
    };
    let mut grid = vec![base];
    if full {
        let mut points = vec![base];
        for k in 0..WEIGHT_COUNT {
            points = points.iter().flat_map(|&w| factors.iter().map(move |&f| set(w, k, f))).collect();
        }
        grid.extend(points.into_iter().filter(|w| *w != base));
    } else {
        for k in 0..WEIGHT_COUNT {
            grid.extend(factors.iter().filter(|&&f| f != 1.0).map(|&f| set(base, k, f)));
        }
    }
    grid
}

const WEIGHT_COUNT: usize = 5;

/// How far a weight set lies from `base`: the sum over weights of |log2(ratio)| (ties between
/// equally good weight sets go to the nearest).
pub fn distance(w: &Weights, base: &Weights) -> f64 {
    let pairs = [
        (w.timing, base.timing),
        (w.order, base.order),
        (w.strength, base.strength),
        (w.novelty, base.novelty),
        (w.change, base.change),
    ];
    pairs.iter().map(|&(a, b)| if a == b { 0.0 } else { (a / b).log2().abs() }).sum()
}

/// Every case analysed at every grid point: `grades[case][point]`.
pub struct GridRun {
    pub grid: Vec<Weights>,
    pub families: Vec<String>,
    pub names: Vec<String>,
    pub family_of: Vec<usize>,
    pub grades: Vec<Vec<Grade>>,
}

/// Indexes each case once and analyses it once per weight set.
pub fn run_grid(cases: &[Case], grid: &[Weights]) -> Result<GridRun, String> {
    let mut families: Vec<String> = Vec::new();
    let mut family_of = Vec::new();
    let mut grades = Vec::new();
    for case in cases {
        let fam = match families.iter().position(|f| *f == case.family) {
            Some(i) => i,
            None => {
                families.push(case.family.clone());
                families.len() - 1
            }
        };
        family_of.push(fam);
        let rules = culprit::rules::RuleSet::load(&[]).map_err(|e| e.to_string())?;
        let index = Index::open(&case.inputs, rules, &culprit::index::IndexOptions::default());
        let row = grid
            .iter()
            .map(|&weights| {
                let opts = culprit::analysis::AnalysisOptions { weights, ..Default::default() };
                (case.grade)(&index, &culprit::analysis::analyse(&index, &opts))
            })
            .collect();
        grades.push(row);
    }
    Ok(GridRun {
        grid: grid.to_vec(),
        families,
        names: cases.iter().map(|c| c.name.clone()).collect(),
        family_of,
        grades,
    })
}

/// One family's row of the leave-one-family-out table.
#[derive(Clone, Debug)]
pub struct FamilyResult {
    pub family: String,
    pub cases: usize,
    /// Strict successes with the default weights (grid point 0).
    pub default_strict: usize,
    /// Likely-or-contributing successes with the default weights.
    pub default_loose: usize,
    /// Strict successes with the weights chosen without this family.
    pub lofo_strict: usize,
    /// The grid point chosen without this family.
    pub chosen: usize,
    pub naive: usize,
}

/// For each family, picks the grid point with the most strict successes on all other families
/// (ties: nearest to grid point 0, then the earlier point) and scores the family with it.
pub fn leave_one_family_out(run: &GridRun) -> Vec<FamilyResult> {
    let base = run.grid[0];
    let successes = |point: usize, keep: &dyn Fn(usize) -> bool| {
        run.grades.iter().enumerate().filter(|(c, g)| keep(*c) && g[point].strict).count()
    };
    (0..run.families.len())
        .map(|fam| {
            let other = |c: usize| run.family_of[c] != fam;
            let own = |c: usize| run.family_of[c] == fam;
            let chosen = (0..run.grid.len())
                .map(|p| (p, successes(p, &other)))
                .max_by(|a, b| {
                    a.1.cmp(&b.1)
                        .then(distance(&run.grid[b.0], &base).total_cmp(&distance(&run.grid[a.0], &base)))
                        .then(b.0.cmp(&a.0))
                })
                .map_or(0, |(p, _)| p);
            let count = |pick: fn(&Grade) -> bool| {
                run.grades.iter().enumerate().filter(|(c, g)| own(*c) && pick(&g[0])).count()
            };
            FamilyResult {
                family: run.families[fam].clone(),
                cases: run.family_of.iter().filter(|&&f| f == fam).count(),
                default_strict: count(|g| g.strict),
                default_loose: count(|g| g.loose),
                lofo_strict: successes(chosen, &own),
                chosen,
                naive: count(|g| g.naive),
            }
        })
        .collect()
}

fn weights_label(w: &Weights) -> String {
    format!("t={:.3} o={:.3} s={:.3} n={:.3} c={:.3}", w.timing, w.order, w.strength, w.novelty, w.change)
}

/// The leave-one-family-out table: per family, the default weights' strict and loose results, the
/// result with weights fitted on the other families, the naive baseline; then the totals.
pub fn lofo_table(run: &GridRun, rows: &[FamilyResult]) -> String {
    let mut out = format!(
        "{} cases, {} families, {} weight sets (point 0 = Weights::DEFAULT: {})\n\n",
        run.names.len(),
        rows.len(),
        run.grid.len(),
        weights_label(&run.grid[0])
    );
    out.push_str(&format!(
        "{:<20} {:>5} {:>15} {:>15} {:>12} {:>8}  weights chosen without the family\n",
        "family", "cases", "default strict", "default loose", "LOFO strict", "naive"
    ));
    for r in rows {
        out.push_str(&format!(
            "{:<20} {:>5} {:>15} {:>15} {:>12} {:>8}  {}{}\n",
            r.family,
            r.cases,
            r.default_strict,
            r.default_loose,
            r.lofo_strict,
            r.naive,
            if r.chosen == 0 { "default " } else { "" },
            weights_label(&run.grid[r.chosen])
        ));
    }
    let sum = |f: fn(&FamilyResult) -> usize| rows.iter().map(f).sum::<usize>();
    let n = sum(|r| r.cases);
    let mut sensitivity = String::from("\nstrict successes per weight set over all cases:\n");
    for (p, w) in run.grid.iter().enumerate() {
        let ok = run.grades.iter().filter(|g| g[p].strict).count();
        sensitivity.push_str(&format!("  {:>3}/{n}  {}\n", ok, weights_label(w)));
    }
    let pct = |k: usize| if n == 0 { 0.0 } else { 100.0 * k as f64 / n as f64 };
    out.push_str(&format!(
        "{:<20} {:>5} {:>15} {:>15} {:>12} {:>8}\n\nLOFO strict top-1 {}/{n} ({:.0} %); default weights strict {}/{n} ({:.0} %), likely or contributing {}/{n}; naive (most errors in the window) hosts {}/{n}\n",
        "total",
        n,
        sum(|r| r.default_strict),
        sum(|r| r.default_loose),
        sum(|r| r.lofo_strict),
        sum(|r| r.naive),
        sum(|r| r.lofo_strict),
        pct(sum(|r| r.lofo_strict)),
        sum(|r| r.default_strict),
        pct(sum(|r| r.default_strict)),
        sum(|r| r.default_loose),
        sum(|r| r.naive),
    ));
    out.push_str(&sensitivity);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grade(strict: bool) -> Grade {
        Grade { strict, loose: strict, naive: false }
    }

    /// Two families, three weight sets: each family does best at a set the other does badly at.
    fn run(grades: Vec<Vec<Grade>>, family_of: Vec<usize>) -> GridRun {
        let base = Weights::DEFAULT;
        GridRun {
            grid: vec![
                base,
                Weights { change: base.change * 2.0, ..base },
                Weights { timing: base.timing * 0.5, ..base },
            ],
            families: vec!["a".into(), "b".into()],
            names: (0..family_of.len()).map(|i| format!("case-{i}")).collect(),
            family_of,
            grades,
        }
    }

    #[test]
    fn a_family_is_scored_with_weights_chosen_without_it() {
        // Family a succeeds only at set 1, family b only at set 2 (two cases of b).
        let r = run(
            vec![
                vec![grade(false), grade(true), grade(false)],
                vec![grade(false), grade(false), grade(true)],
                vec![grade(false), grade(false), grade(true)],
            ],
            vec![0, 1, 1],
        );
        let rows = leave_one_family_out(&r);
        // Without a, set 2 wins (b's two successes), and a fails there: its own best set is not used.
        assert_eq!((rows[0].chosen, rows[0].lofo_strict, rows[0].default_strict), (2, 0, 0));
        // Without b, set 1 wins, where b fails.
        assert_eq!((rows[1].chosen, rows[1].lofo_strict, rows[1].cases), (1, 0, 2));
        let table = lofo_table(&r, &rows);
        assert!(table.contains("LOFO strict top-1 0/3"), "{table}");
    }

    #[test]
    fn ties_go_to_the_weights_nearest_the_default() {
        // Every set does equally well on the other family: the default is kept.
        let all = vec![grade(true), grade(true), grade(true)];
        let r = run(vec![all.clone(), all.clone(), all], vec![0, 1, 1]);
        let rows = leave_one_family_out(&r);
        assert!(rows.iter().all(|row| row.chosen == 0 && row.lofo_strict == row.cases));
        assert_eq!(distance(&Weights::DEFAULT, &Weights::DEFAULT), 0.0);
        let doubled = Weights { change: Weights::DEFAULT.change * 2.0, ..Weights::DEFAULT };
        assert!((distance(&doubled, &Weights::DEFAULT) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn the_grid_starts_at_its_base_and_varies_each_weight() {
        let axes = weight_grid(Weights::DEFAULT, &[0.5, 1.0, 2.0], false);
        assert_eq!(axes.len(), 1 + 5 * 2);
        assert_eq!(axes[0], Weights::DEFAULT);
        let full = weight_grid(Weights::DEFAULT, &[0.5, 1.0, 2.0], true);
        assert_eq!(full.len(), 3usize.pow(5));
        assert_eq!(full[0], Weights::DEFAULT);
        assert_eq!(full.iter().filter(|w| **w == Weights::DEFAULT).count(), 1);
    }
}
