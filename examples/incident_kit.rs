//! Writes incident-kit folders with their truth.
//!
//!     cargo run --release --example incident_kit -- --out DIR [--family NAME] [--seeds 1,2,3]
//!
//! Each family and seed goes to DIR/FAMILY-SEED/ (the logs and truth.json); `--family` may be
//! given more than once, and `--list` prints the family names.

use culprit_scenarios::kit;

fn main() -> Result<(), String> {
    let mut out = None;
    let mut names: Vec<String> = Vec::new();
    let mut seeds = vec![1u64, 2, 3];
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--out" => out = args.next().map(std::path::PathBuf::from),
            "--family" => names.push(args.next().ok_or("--family needs a name")?),
            "--seeds" => {
                seeds = args
                    .next()
                    .unwrap_or_default()
                    .split(',')
                    .map(|s| s.trim().parse().map_err(|_| format!("bad seed '{s}'")))
                    .collect::<Result<_, _>>()?;
            }
            "--list" => {
                for f in kit::families::ALL {
                    println!("{}", f.name);
                }
                return Ok(());
            }
            _ => return Err(format!("unknown argument {a}")),
        }
    }
    let out = out.ok_or("--out DIR is required")?;
    let families: Vec<&kit::Family> = if names.is_empty() {
        kit::families::ALL.iter().collect()
    } else {
        names.iter().map(|n| kit::family(n).ok_or(format!("no family '{n}' (see --list)"))).collect::<Result<_, _>>()?
    };
    for f in families {
        for &seed in &seeds {
            let dir = out.join(format!("{}-{seed}", f.name));
            kit::generate(&dir, f, seed).map_err(|e| format!("{}: {e}", dir.display()))?;
            println!("{}", dir.display());
        }
    }
    Ok(())
}
