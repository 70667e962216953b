//! Required literals: for a regex, a small set of byte strings such that every
//! match contains at least one of them (compared ASCII case-insensitively).
//! The matcher feeds all of them to one Aho-Corasick automaton, so a line that
//! holds none of a rule's literals never runs that rule's regex.
//!
//! Soundness over cleverness: whenever a sub-expression is not understood the
//! answer is "no literal", and the regex then runs on every line. One known
//! gap, accepted on purpose: in a pattern that opts into Unicode with `(?ui)`,
//! the folds of `k` and `s` (KELVIN SIGN, LATIN SMALL LETTER LONG S) are ignored.

use regex_syntax::hir::{Class, Hir, HirKind};

/// Literals shorter than this filter almost nothing.
const MIN_LEN: usize = 3;
/// A larger alternation is cheaper to leave to the regex itself.
const MAX_SET: usize = 64;

/// A set of lowercase literals, one of which every match contains; `None` when unknown.
pub fn required(hir: &Hir) -> Option<Vec<Vec<u8>>> {
    let set = walk(hir)?;
    if set.iter().any(|l| l.len() < MIN_LEN) {
        return None;
    }
    Some(set)
}

/// One byte when the class is a single ASCII character or the two cases of one letter.
fn class_byte(c: &Class) -> Option<u8> {
    let mut chars: Vec<u32> = Vec::new();
    match c {
        Class::Unicode(u) => {
            for r in u.ranges() {
                let (s, e) = (r.start() as u32, r.end() as u32);
                if e - s > 2 {
                    return None;
                }
                chars.extend(s..=e);
            }
        }
        Class::Bytes(b) => {
            for r in b.ranges() {
                let (s, e) = (r.start() as u32, r.end() as u32);
                if e - s > 2 {
                    return None;
                }
                chars.extend(s..=e);
            }
        }
    }
    // Drop the two exotic Unicode folds (see module docs).
    chars.retain(|&c| c != 0x212A && c != 0x017F);
    let ascii: Vec<u8> = chars.iter().filter(|&&c| c < 128).map(|&c| (c as u8).to_ascii_lowercase()).collect();
    if ascii.len() != chars.len() || ascii.is_empty() || ascii.iter().any(|&b| b != ascii[0]) {
        return None;
    }
    Some(ascii[0])
}

fn score(set: &[Vec<u8>]) -> (usize, usize) {
    let min = set.iter().map(|l| l.len()).min().unwrap_or(0);
    (min, usize::MAX - set.len())
}

fn better(a: Option<Vec<Vec<u8>>>, b: Option<Vec<Vec<u8>>>) -> Option<Vec<Vec<u8>>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if score(&b) > score(&a) { b } else { a }),
        (a, None) => a,
        (None, b) => b,
    }
}

fn walk(hir: &Hir) -> Option<Vec<Vec<u8>>> {
    match hir.kind() {
        HirKind::Literal(l) => Some(vec![l.0.to_ascii_lowercase()]),
        HirKind::Class(c) => class_byte(c).map(|b| vec![vec![b]]),
        HirKind::Capture(c) => walk(&c.sub),
        HirKind::Repetition(r) if r.min >= 1 => walk(&r.sub),
        HirKind::Alternation(alts) => {
            let mut out: Vec<Vec<u8>> = Vec::new();
            for a in alts {
                for l in walk(a)? {
                    if !out.contains(&l) {
                        out.push(l);
                    }
                }
                if out.len() > MAX_SET {
                    return None;
                }
            }
            Some(out)
        }
        HirKind::Concat(parts) => {
            // Contiguous runs of single literals/letters form one literal; any
            // part's own required set is a candidate too. Keep the best.
            let mut best = None;
            let mut run: Vec<u8> = Vec::new();
            for p in parts {
                match p.kind() {
                    HirKind::Literal(l) => run.extend(l.0.to_ascii_lowercase()),
                    HirKind::Class(c) if class_byte(c).is_some() => run.extend(class_byte(c)),
                    // Zero-width assertions keep the bytes around them contiguous.
                    HirKind::Look(_) => {}
                    _ => {
                        if !run.is_empty() {
                            best = better(best, Some(vec![std::mem::take(&mut run)]));
                        }
                        best = better(best, walk(p));
                    }
                }
            }
            if !run.is_empty() {
                best = better(best, Some(vec![run]));
            }
            best
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(re: &str) -> Option<Vec<String>> {
        let hir = crate::rules::matcher::hir(re).unwrap();
        required(&hir).map(|v| v.into_iter().map(|l| String::from_utf8(l).unwrap()).collect())
    }

    #[test]
    fn picks_longest_run() {
        assert_eq!(req(r"Failed password for (\S+) from"), Some(vec!["failed password for ".into()]));
        assert_eq!(req(r"(?i)out of memory: kill(ed)? process"), Some(vec!["out of memory: kill".into()]));
        assert_eq!(req(r"\bdeadlock\b detected"), Some(vec!["deadlock detected".into()]));
    }

    #[test]
    fn alternations_union() {
        assert_eq!(req(r"(?i)(SERVFAIL|NXDOMAIN)"), Some(vec!["servfail".into(), "nxdomain".into()]));
        assert_eq!(req(r"a(bcd|e)"), None, "a one-byte alternative filters nothing");
        assert_eq!(req(r"(?:foo)?bar"), Some(vec!["bar".into()]));
        assert_eq!(req(r"(?:foo)?ba"), None);
        assert_eq!(req(r"x(?:foo)?barbaz"), Some(vec!["barbaz".into()]));
    }

    #[test]
    fn unknown_is_none() {
        assert_eq!(req(r"\d+ \w+"), None);
        assert_eq!(req(r"^5\d\d$"), None);
    }
}
