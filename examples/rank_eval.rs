//! Ranking accuracy over generated incidents, against the naive baseline.
//!
//!     cargo run --release --example rank_eval -- [--size 8M] [--seeds 1,2,3] [--keep DIR] [--strict]
//!     cargo run --release --example rank_eval -- --kit [--family NAME]... [--seeds 1,2,3] [--keep DIR]
//!     cargo run --release --example rank_eval -- --lofo [--factors 0.5,1,2] [--full-grid] [--size 4M] [--seeds 1,2,3]
//!
//! Without `--kit`: the shop-world scenarios, one row each and the top-1 / top-3 totals. `--strict`
//! counts a top-1 only when its verdict is "likely cause" (the totals also give the count that
//! admits "contributing").
//!
//! With `--kit`: the incident-kit families, graded strictly (as `scripts/grade_incidents.py`),
//! one row per folder, strict/loose per family, the totals and the naive pick.
//!
//! `--lofo` is the leave-one-family-out evaluation of the story score's weights over the
//! shop-world and the kit families: every incident is generated and indexed once, then analysed
//! once per weight set (the default, then each weight alone times each factor, or with
//! `--full-grid` every combination); each family is scored with the weight set that does best on
//! all the other families.

use culprit::analysis::tuning::Weights;
use culprit_scenarios::{self as scenario, eval, kit};

fn main() -> Result<(), String> {
    let mut size = None;
    let mut seeds = vec![1u64, 2, 3];
    let mut keep = None;
    let mut kit_mode = false;
    let mut names: Vec<String> = Vec::new();
    let mut strict = false;
    let mut lofo = false;
    let mut full_grid = false;
    let mut factors = vec![0.5, 1.0, 2.0];
    let mut args = std::env::args().skip(1);
    let list = |v: Option<String>| -> Vec<String> { v.unwrap_or_default().split(',').map(str::to_string).collect() };
    while let Some(a) = args.next() {
        match a.as_str() {
            "--size" => size = args.next().and_then(|v| scenario::parse_size(&v)),
            "--seeds" => seeds = list(args.next()).iter().filter_map(|s| s.parse().ok()).collect(),
            "--keep" => keep = args.next().map(std::path::PathBuf::from),
            "--kit" => kit_mode = true,
            "--family" => names.push(args.next().ok_or("--family needs a name")?),
            "--strict" => strict = true,
            "--lofo" => lofo = true,
            "--full-grid" => full_grid = true,
            "--factors" => factors = list(args.next()).iter().filter_map(|s| s.parse().ok()).collect(),
            _ => return Err(format!("unknown argument {a}")),
        }
    }
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let root = keep.unwrap_or_else(|| tmp.path().to_path_buf());
    if kit_mode {
        let families: Vec<&kit::Family> = if names.is_empty() {
            kit::families::ALL.iter().collect()
        } else {
            names.iter().map(|n| kit::family(n).ok_or(format!("no kit family '{n}'"))).collect::<Result<_, _>>()?
        };
        let outcomes = eval::run_kit(&root, &families, &seeds)?;
        print!("{}", eval::kit_table(&outcomes));
        return Ok(());
    }
    if !names.is_empty() {
        return Err("--family needs --kit".into());
    }
    if lofo {
        let mut cases = eval::generated_cases(&root, &seeds, size)?;
        let families: Vec<&kit::Family> = kit::families::ALL.iter().collect();
        cases.extend(eval::kit_cases(&root.join("kit"), &families, &seeds)?);
        let grid = eval::weight_grid(Weights::DEFAULT, &factors, full_grid);
        let run = eval::run_grid(&cases, &grid)?;
        print!("{}", eval::lofo_table(&run, &eval::leave_one_family_out(&run)));
        return Ok(());
    }
    let outcomes = eval::run_corpus(&root, &seeds, size)?;
    print!("{}", eval::table_with(&outcomes, strict));
    Ok(())
}
