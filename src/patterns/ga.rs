//! Grouping accuracy (GA) against the Loghub 2k ground truth, shared by
//! `examples/ga.rs` and `tests/patterns_ga.rs`. The data is read from a folder
//! given at run time; it is never part of the project.
//!
//! GA: a line is correct when the set of lines the miner grouped with it is
//! exactly the set of lines sharing its ground-truth `EventId`.

use super::{mine_all, TemplateTable};
use std::collections::HashMap;
use std::fmt::Write;
use std::path::Path;

pub const SYSTEMS: [&str; 16] = [
    "Android",
    "Apache",
    "BGL",
    "HDFS",
    "HPC",
    "Hadoop",
    "HealthApp",
    "Linux",
    "Mac",
    "OpenSSH",
    "OpenStack",
    "Proxifier",
    "Spark",
    "Thunderbird",
    "Windows",
    "Zookeeper",
];

#[derive(Clone, Debug)]
pub struct Row {
    pub system: String,
    pub original: f64,
    pub corrected: f64,
    pub templates: usize,
}

/// One ground-truth file: `Content` and `EventId` per line, plus the template per event.
pub struct Truth {
    pub content: Vec<String>,
    pub event: Vec<String>,
    pub template: Vec<String>,
}

/// Splits CSV text into records of fields (RFC 4180 quoting; CRLF or LF).
pub fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    field.push('"');
                    chars.next();
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' => quoted = true,
            ',' => row.push(std::mem::take(&mut field)),
            '\r' => {}
            '\n' => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            _ => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

pub fn read_truth(path: &Path) -> Result<Truth, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let rows = parse_csv(&String::from_utf8_lossy(&bytes));
    let header = rows.first().ok_or_else(|| format!("{}: empty", path.display()))?;
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}') == name)
            .ok_or_else(|| format!("{}: no {name} column", path.display()))
    };
    let (c, e, t) = (col("Content")?, col("EventId")?, col("EventTemplate")?);
    let mut truth = Truth { content: Vec::new(), event: Vec::new(), template: Vec::new() };
    for (i, r) in rows.iter().enumerate().skip(1) {
        let get =
            |k: usize| r.get(k).cloned().ok_or_else(|| format!("{}: line {}: missing field", path.display(), i + 1));
        truth.content.push(get(c)?);
        truth.event.push(get(e)?);
        truth.template.push(get(t)?);
    }
    Ok(truth)
}

/// GA of a predicted grouping against truth labels.
pub fn grouping_accuracy<P: Eq + std::hash::Hash, T: Eq + std::hash::Hash>(pred: &[P], truth: &[T]) -> f64 {
    if pred.is_empty() {
        return 1.0;
    }
    let mut truth_size: HashMap<&T, usize> = HashMap::new();
    for t in truth {
        *truth_size.entry(t).or_default() += 1;
    }
    let mut groups: HashMap<&P, Vec<usize>> = HashMap::new();
    for (i, p) in pred.iter().enumerate() {
        groups.entry(p).or_default().push(i);
    }
    let mut correct = 0usize;
    for lines in groups.values() {
        let t0 = &truth[lines[0]];
        if lines.iter().all(|&i| &truth[i] == t0) && truth_size[t0] == lines.len() {
            correct += lines.len();
        }
    }
    correct as f64 / pred.len() as f64
}

fn mine(truth: &Truth) -> (TemplateTable, Vec<u32>) {
    mine_all(truth.content.iter().map(|s| s.as_bytes()))
}

fn paths(root: &Path, sys: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    (
        root.join(sys).join(format!("{sys}_2k.log_structured.csv")),
        root.join("corrected").join(sys).join(format!("{sys}_2k.log_structured_corrected.csv")),
    )
}

/// GA for one system against both truths.
pub fn evaluate(root: &Path, sys: &str) -> Result<Row, String> {
    let (orig, corr) = paths(root, sys);
    let o = read_truth(&orig)?;
    let c = read_truth(&corr)?;
    let (table, pred) = mine(&o);
    let original = grouping_accuracy(&pred, &o.event);
    // The corrected files carry the same lines; mine their own Content all the same.
    let (_, pred_c) = mine(&c);
    let corrected = grouping_accuracy(&pred_c, &c.event);
    Ok(Row { system: sys.to_string(), original, corrected, templates: table.templates.len() })
}

pub fn evaluate_all(root: &Path) -> Result<Vec<Row>, String> {
    SYSTEMS.iter().map(|s| evaluate(root, s)).collect()
}

/// The mis-grouped ground-truth events of one system (original truth), for tuning by eye.
pub fn explain(root: &Path, sys: &str) -> Result<String, String> {
    let (orig, _) = paths(root, sys);
    let o = read_truth(&orig)?;
    let (table, pred) = mine(&o);
    let mut by_event: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, e) in o.event.iter().enumerate() {
        by_event.entry(e).or_default().push(i);
    }
    let mut pred_size: HashMap<u32, usize> = HashMap::new();
    for &p in &pred {
        *pred_size.entry(p).or_default() += 1;
    }
    let mut events: Vec<_> = by_event.into_iter().collect();
    events.sort_by_key(|(_, lines)| std::cmp::Reverse(lines.len()));
    let mut out = String::new();
    for (e, lines) in events {
        let p0 = pred[lines[0]];
        if lines.iter().all(|&i| pred[i] == p0) && pred_size[&p0] == lines.len() {
            continue;
        }
        let _ = writeln!(out, "\n{e} ({} lines): {}", lines.len(), o.template[lines[0]]);
        let mut seen = Vec::new();
        for &i in &lines {
            if !seen.contains(&pred[i]) {
                seen.push(pred[i]);
                let t = table.get(pred[i]).map(|t| t.text.as_str()).unwrap_or("-");
                let _ =
                    writeln!(out, "   -> [{} lines in group] {t}\n      e.g. {}", pred_size[&pred[i]], o.content[i]);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_crlf() {
        let rows = parse_csv("a,b\r\n\"x, \"\"y\"\"\",2\r\nlast,");
        assert_eq!(rows, vec![vec!["a", "b"], vec!["x, \"y\"", "2"], vec!["last", ""]]);
    }

    #[test]
    fn ga_counts_exact_groups_only() {
        // Truth groups {0,1} {2} {3}; prediction merges 2 and 3.
        assert_eq!(grouping_accuracy(&[1, 1, 2, 2], &["a", "a", "b", "c"]), 0.5);
        assert_eq!(grouping_accuracy(&[1, 1, 2, 3], &["a", "a", "b", "c"]), 1.0);
        // Splitting a truth group makes all of its lines wrong.
        assert_eq!(grouping_accuracy(&[1, 2, 3, 4], &["a", "a", "b", "c"]), 0.5);
    }
}
