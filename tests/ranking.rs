//! Ranking accuracy over the generated incident corpus (every family × three seeds, scaled down
//! to 4 MiB each so the test stays quick). The scenarios are deterministic, so the counts are
//! exact: a drop below the levels reached so far fails the test (a ratchet).
//! The full-size figures come from `cargo run --release --example rank_eval`.

use culprit_scenarios::eval;

/// Levels reached at 4 MiB per scenario, seeds 1–3 (update upward as the ranking improves).
const MIN_TOP1: usize = 30;
const MIN_TOP3: usize = 30;

#[test]
fn ranking_beats_the_naive_baseline_and_does_not_regress() {
    let tmp = tempfile::tempdir().unwrap();
    let outcomes = eval::run_corpus(tmp.path(), &[1, 2, 3], Some(4 << 20)).expect("corpus");
    let table = eval::table(&outcomes);
    println!("{table}");
    let top1 = outcomes.iter().filter(|o| o.top1).count();
    let top3 = outcomes.iter().filter(|o| o.top3).count();
    let naive = outcomes.iter().filter(|o| o.naive_hosts).count();
    for quiet in outcomes.iter().filter(|o| o.name.starts_with("quiet")) {
        assert!(quiet.top1, "a quiet day must not get a likely cause: {}", quiet.top_title);
    }
    assert!(top1 >= MIN_TOP1, "top-1 fell to {top1} (ratchet {MIN_TOP1})\n{table}");
    assert!(top3 >= MIN_TOP3, "top-3 fell to {top3} (ratchet {MIN_TOP3})\n{table}");
    assert!(top1 > naive, "the naive baseline ({naive}) must not match the ranking ({top1})");
}

/// Strict top-1 over the incident kit's families (seeds 1–3): the first cause is a likely cause
/// named after the trigger line, with no chronic error or unrelated change in its evidence — the
/// grade of `scripts/grade_incidents.py`. A ratchet: raise it as the ranking improves.
const MIN_KIT_STRICT: usize = 75;

#[test]
fn kit_families_strict_top1_does_not_regress() {
    use culprit_scenarios::kit;
    let tmp = tempfile::tempdir().unwrap();
    let families: Vec<&kit::Family> = kit::families::ALL.iter().collect();
    let outcomes = eval::run_kit(tmp.path(), &families, &[1, 2, 3]).expect("kit corpus");
    let table = eval::kit_table(&outcomes);
    println!("{table}");
    for quiet in outcomes.iter().filter(|o| o.grade.quiet) {
        assert!(
            quiet.grade.strict,
            "a quiet day must not get a likely cause: {}-{} {}",
            quiet.family, quiet.seed, quiet.top
        );
    }
    let strict = outcomes.iter().filter(|o| o.grade.strict && !o.grade.quiet).count();
    let naive = outcomes.iter().filter(|o| o.naive == Some(true)).count();
    assert!(strict >= MIN_KIT_STRICT, "kit strict top-1 fell to {strict} (ratchet {MIN_KIT_STRICT})\n{table}");
    assert!(strict > naive, "the naive pick ({naive}) must not match the ranking ({strict})");
}
