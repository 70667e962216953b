//! Ranking accuracy over generated incidents, against the naive baseline.
//!
//!     cargo run --release --example rank_eval -- [--size 8M] [--seeds 1,2,3] [--keep DIR]
//!     cargo run --release --example rank_eval -- --kit [--family NAME]... [--seeds 1,2,3] [--keep DIR]
//!
//! Without `--kit`: the shop-world scenarios, one row each and the top-1 / top-3 totals.
//! With `--kit`: the incident-kit families, graded strictly (as `scripts/grade_incidents.py`),
//! one row per folder, strict/loose per family, the totals and the naive pick.

use culprit::scenario::{self, eval, kit};

fn main() -> Result<(), String> {
    let mut size = None;
    let mut seeds = vec![1u64, 2, 3];
    let mut keep = None;
    let mut kit_mode = false;
    let mut names: Vec<String> = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--size" => size = args.next().and_then(|v| scenario::parse_size(&v)),
            "--seeds" => {
                seeds = args.next().unwrap_or_default().split(',').filter_map(|s| s.parse().ok()).collect();
            }
            "--keep" => keep = args.next().map(std::path::PathBuf::from),
            "--kit" => kit_mode = true,
            "--family" => names.push(args.next().ok_or("--family needs a name")?),
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
    let outcomes = eval::run_corpus(&root, &seeds, size)?;
    print!("{}", eval::table(&outcomes));
    Ok(())
}
