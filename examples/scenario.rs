//! Writes incident scenarios with ground truth.
//!
//!     cargo run --release --example scenario -- --family auth-config --seed 7 --out DIR [--size 1G]
//!     cargo run --release --example scenario -- --all --out DIR [--size 8M]
//!     cargo run --release --example scenario -- --sample --out DIR
//!
//! Each scenario is `DIR/logs/...` (run culprit on it) and `DIR/truth.json`.

use culprit_scenarios::{self as scenario, Family, Options};
use std::path::PathBuf;
use std::process::ExitCode;

fn usage() -> String {
    let fams: Vec<&str> = Family::ALL.iter().map(|f| f.name()).collect();
    format!(
        "usage: scenario (--family NAME [--seed N] | --all | --sample) --out DIR [--size BYTES|64M|1G]\nfamilies: {}",
        fams.join(", ")
    )
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut family = None;
    let mut seed = 1u64;
    let mut out = None;
    let mut size = None;
    let mut all = false;
    let mut sample = false;
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        let r: Result<(), String> = (|| {
            match a.as_str() {
                "--family" => {
                    let v = value("--family")?;
                    family = Some(Family::from_name(&v).ok_or_else(|| format!("unknown family {v:?}"))?);
                }
                "--seed" => seed = value("--seed")?.parse().map_err(|_| "--seed needs a number".to_string())?,
                "--out" => out = Some(PathBuf::from(value("--out")?)),
                "--size" => {
                    let v = value("--size")?;
                    size = Some(scenario::parse_size(&v).ok_or_else(|| format!("bad size {v:?}"))?);
                }
                "--all" => all = true,
                "--sample" => sample = true,
                "-h" | "--help" => return Err(String::new()),
                other => return Err(format!("unknown argument {other:?}")),
            }
            Ok(())
        })();
        if let Err(e) = r {
            if !e.is_empty() {
                eprintln!("scenario: {e}");
            }
            eprintln!("{}", usage());
            return ExitCode::from(2);
        }
    }
    let Some(out) = out else {
        eprintln!("scenario: --out DIR is required\n{}", usage());
        return ExitCode::from(2);
    };
    let started = std::time::Instant::now();
    let result = if all {
        scenario::generate_all(&out, size).map(|t| t.len())
    } else {
        let opts = if sample {
            Options::sample()
        } else {
            match family {
                Some(f) => Options { family: f, seed, size, sample: false },
                None => {
                    eprintln!("scenario: give --family NAME, --all or --sample\n{}", usage());
                    return ExitCode::from(2);
                }
            }
        };
        scenario::generate(&out, &opts).map(|_| 1)
    };
    match result {
        Ok(n) => {
            eprintln!("wrote {n} scenario(s) to {} in {:.1?}", out.display(), started.elapsed());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("scenario: {}: {e}", out.display());
            ExitCode::FAILURE
        }
    }
}
