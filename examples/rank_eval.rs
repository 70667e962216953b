//! Ranking accuracy over the generated incident corpus, against the naive baseline.
//!
//!     cargo run --release --example rank_eval -- [--size 8M] [--seeds 1,2,3] [--keep DIR]
//!
//! Prints one row per scenario and the top-1 / top-3 totals.

use culprit::scenario::{self, eval};

fn main() -> Result<(), String> {
    let mut size = None;
    let mut seeds = vec![1u64, 2, 3];
    let mut keep = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--size" => size = args.next().and_then(|v| scenario::parse_size(&v)),
            "--seeds" => {
                seeds = args.next().unwrap_or_default().split(',').filter_map(|s| s.parse().ok()).collect();
            }
            "--keep" => keep = args.next().map(std::path::PathBuf::from),
            _ => return Err(format!("unknown argument {a}")),
        }
    }
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let root = keep.unwrap_or_else(|| tmp.path().to_path_buf());
    let outcomes = eval::run_corpus(&root, &seeds, size)?;
    print!("{}", eval::table(&outcomes));
    Ok(())
}
