//! The shape of `src/`: the pipeline runs one way, so no two modules may depend on each other
//! (directly or round a loop), no two sibling files of a module either, and no source file grows
//! past 800 lines. Dependencies are read from the `crate::` and `super::` paths in the source.
//!
//! The few known exceptions are listed below; each must still hold (so the lists only shrink).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Module cycles not yet broken (each pair must still form a cycle).
const KNOWN_MODULE_CYCLES: &[(&str, &str)] = &[];
/// Files not yet split below the limit (each must still be over it).
const KNOWN_LONG_FILES: &[&str] = &[];
const MAX_LINES: usize = 800;

fn src_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(&src_root(), &mut out);
    out.sort();
    out
}

fn src_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Module path of a file: `format/syslog.rs` → ["format", "syslog"]; `format/mod.rs` → ["format"].
fn module_of(file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src_root()).unwrap();
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let last = parts.pop().unwrap();
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" && stem != "main" {
        parts.push(stem.to_string());
    }
    parts
}

/// Paths named after `crate::` or a run of `super::` in the text (comments included: a doc
/// link is a dependency too), resolved to absolute module paths.
fn references(text: &str, module: &[String]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let ident = |i: usize| {
        let mut j = i;
        while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_') {
            j += 1;
        }
        j
    };
    let mut i = 0;
    while i < bytes.len() {
        let rest = &bytes[i..];
        let boundary = i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        if boundary && (rest.starts_with(b"crate::") || rest.starts_with(b"super::")) {
            // Each `super` steps up once from the file's module (`a/b.rs` is `a::b`, `a/mod.rs` is `a`).
            let mut base: Vec<String> = if rest.starts_with(b"crate::") { Vec::new() } else { module.to_vec() };
            let mut j = i;
            if rest.starts_with(b"crate::") {
                j += "crate::".len();
            } else {
                while bytes[j..].starts_with(b"super::") {
                    base.pop();
                    j += "super::".len();
                }
            }
            let mut path = base;
            loop {
                let end = ident(j);
                if end == j {
                    break;
                }
                path.push(text[j..end].to_string());
                if bytes[end..].starts_with(b"::") {
                    j = end + 2;
                } else {
                    break;
                }
            }
            out.push(path);
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

struct Graph {
    modules: BTreeSet<Vec<String>>,
    /// (from module, to module) for every reference that lands in another known module.
    edges: BTreeSet<(Vec<String>, Vec<String>)>,
}

fn graph() -> Graph {
    let files = src_files();
    let modules: BTreeSet<Vec<String>> = files.iter().map(|f| module_of(f)).collect();
    let mut edges = BTreeSet::new();
    for file in &files {
        let from = module_of(file);
        let text = std::fs::read_to_string(file).unwrap();
        for mut target in references(&text, &from) {
            // The longest known module that prefixes the path is the one depended on.
            while !target.is_empty() && !modules.contains(&target) {
                target.pop();
            }
            if !target.is_empty() && target != from {
                edges.insert((from.clone(), target));
            }
        }
    }
    Graph { modules, edges }
}

/// Edges between the children of `parent` (or the top-level modules when `parent` is empty),
/// each file folded into the child it lies under; edges to or from `parent` itself are ignored
/// (a `mod.rs` holding what its children share is the usual Rust shape).
fn sibling_edges(g: &Graph, parent: &[String]) -> BTreeMap<String, BTreeSet<String>> {
    let child = |m: &Vec<String>| -> Option<String> {
        (m.len() > parent.len() && m[..parent.len()] == *parent).then(|| m[parent.len()].clone())
    };
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (a, b) in &g.edges {
        if let (Some(ca), Some(cb)) = (child(a), child(b)) {
            if ca != cb {
                out.entry(ca).or_default().insert(cb);
            }
        }
    }
    out
}

/// One cycle through the graph, if any, as the list of nodes on it.
fn find_cycle(edges: &BTreeMap<String, BTreeSet<String>>, skip: &[(&str, &str)]) -> Option<Vec<String>> {
    let skipped = |a: &str, b: &str| skip.iter().any(|&(x, y)| (x == a && y == b) || (x == b && y == a));
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        skipped: &dyn Fn(&str, &str) -> bool,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(pos) = stack.iter().position(|n| n == node) {
            let mut cycle = stack[pos..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_string());
        for next in edges.get(node).into_iter().flatten() {
            if skipped(node, next) {
                continue;
            }
            if let Some(c) = visit(next, edges, skipped, stack, done) {
                return Some(c);
            }
        }
        stack.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for node in edges.keys() {
        if let Some(c) = visit(node, edges, &skipped, &mut Vec::new(), &mut done) {
            return Some(c);
        }
    }
    None
}

#[test]
fn no_two_modules_depend_on_each_other() {
    let g = graph();
    let parents: BTreeSet<Vec<String>> =
        g.modules.iter().filter(|m| !m.is_empty()).map(|m| m[..m.len() - 1].to_vec()).collect();
    let mut problems = Vec::new();
    for parent in &parents {
        let edges = sibling_edges(&g, parent);
        let skip = if parent.is_empty() { KNOWN_MODULE_CYCLES } else { &[] };
        if let Some(cycle) = find_cycle(&edges, skip) {
            let prefix = if parent.is_empty() { String::new() } else { format!("{}::", parent.join("::")) };
            problems.push(cycle.iter().map(|n| format!("{prefix}{n}")).collect::<Vec<_>>().join(" → "));
        }
    }
    assert!(problems.is_empty(), "dependency cycles in src/:\n{}", problems.join("\n"));
    let top = sibling_edges(&g, &[]);
    for &(a, b) in KNOWN_MODULE_CYCLES {
        let both = top.get(a).is_some_and(|s| s.contains(b)) && top.get(b).is_some_and(|s| s.contains(a));
        assert!(both, "{a} ↔ {b} is no longer a cycle: remove it from KNOWN_MODULE_CYCLES");
    }
}

#[test]
fn the_cycle_finder_sees_a_sibling_loop() {
    // A synthetic graph: the check must be able to fail.
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    edges.entry("generic".into()).or_default().insert("syslog".into());
    edges.entry("syslog".into()).or_default().insert("time".into());
    assert!(find_cycle(&edges, &[]).is_none());
    edges.entry("time".into()).or_default().insert("generic".into());
    let cycle = find_cycle(&edges, &[]).expect("a loop of three");
    assert_eq!(cycle.first(), cycle.last());
    assert_eq!(cycle.len(), 4);
}

#[test]
fn super_and_crate_paths_resolve_to_modules() {
    let leaf = vec!["format".to_string(), "syslog".to_string()];
    // In `format/syslog.rs`, `super` is `format`.
    let refs = references("use super::level::Level; x = crate::time::parse_iso(b);", &leaf);
    assert_eq!(refs[0], ["format", "level", "Level"]);
    assert_eq!(refs[1], ["time", "parse_iso"]);
    let m = vec!["format".to_string()];
    assert_eq!(references("super::text::x", &m)[0], ["text", "x"]);
}

#[test]
fn no_source_file_is_over_800_lines() {
    let mut long = Vec::new();
    for file in src_files() {
        let rel = file.strip_prefix(src_root()).unwrap().to_string_lossy().replace('\\', "/");
        let lines = std::fs::read_to_string(&file).unwrap().lines().count();
        let known = KNOWN_LONG_FILES.contains(&rel.as_str());
        if lines > MAX_LINES && !known {
            long.push(format!("{rel}: {lines} lines"));
        }
        if known && lines <= MAX_LINES {
            long.push(format!("{rel} is {lines} lines now: remove it from KNOWN_LONG_FILES"));
        }
    }
    assert!(long.is_empty(), "files over {MAX_LINES} lines:\n{}", long.join("\n"));
}

/// Message text belongs in rule files, with examples (`rules/vocabulary.toml` for the words the
/// analysis reads outside rules). The analysis may name structured field keys (`old`, `new`),
/// never a list of words to find in a message, nor a quoted word it looks for in one.
#[test]
fn the_analysis_matches_no_message_text_of_its_own() {
    let word_list = |line: &str| line.contains(": &[&str] = &[") || line.contains(": &[(&str,");
    let looks_for_word = |line: &str| {
        ["contains(\"", "mentions(text, \"", "starts_with(\"", "ends_with(\"", "find(\""]
            .iter()
            .any(|p| line.contains(p))
    };
    let mut found = Vec::new();
    for file in src_files() {
        let rel = file.strip_prefix(src_root()).unwrap().to_string_lossy().replace('\\', "/");
        if !rel.starts_with("analysis/") || rel.ends_with("tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        // A file's own unit tests may quote lines.
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        for (n, line) in code.lines().enumerate() {
            if !line.trim_start().starts_with("//") && (word_list(line) || looks_for_word(line)) {
                found.push(format!("src/{rel}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    assert!(found.is_empty(), "message text in the analysis (move it to a rule file):\n{}", found.join("\n"));
}
