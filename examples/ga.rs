//! Grouping accuracy (GA) of culprit's template miner on the Loghub 2k samples.
//!
//!     CULPRIT_LOGHUB=/path/to/loghub cargo run --release --example ga
//!
//! Feeds each system's ground-truth `Content` column (one message per line) to
//! the miner with its one default configuration, and scores the grouping
//! against the original and the corrected ground truth. `--verbose SYSTEM`
//! prints the mis-grouped events of one system.

use culprit::patterns::ga;
use std::path::PathBuf;

fn main() {
    let Some(root) = std::env::var_os("CULPRIT_LOGHUB").map(PathBuf::from) else {
        eprintln!("skipped: CULPRIT_LOGHUB not set (point it at the Loghub 2k folder)");
        return;
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let verbose = args.iter().position(|a| a == "--verbose").and_then(|i| args.get(i + 1)).cloned();
    let rows = match ga::evaluate_all(&root) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("ga: {e}");
            std::process::exit(2);
        }
    };
    println!("{:<12} {:>9} {:>10} {:>10}", "system", "original", "corrected", "templates");
    let (mut so, mut sc) = (0.0, 0.0);
    for r in &rows {
        println!("{:<12} {:>9.3} {:>10.3} {:>10}", r.system, r.original, r.corrected, r.templates);
        so += r.original;
        sc += r.corrected;
    }
    let n = rows.len().max(1) as f64;
    println!("{:<12} {:>9.3} {:>10.3}", "mean", so / n, sc / n);
    if let Some(sys) = verbose {
        match ga::explain(&root, &sys) {
            Ok(text) => print!("{text}"),
            Err(e) => eprintln!("ga: {e}"),
        }
    }
}
