//! Required literals: for a regex, one or more *groups* of byte strings such
//! that every match contains at least one literal of every group (compared
//! ASCII case-insensitively). The matcher feeds all of them to one
//! Aho-Corasick automaton; a line runs a regex only when each of its groups
//! has a hit, so `shutdown (requested|complete)` no longer runs on every
//! "request completed" line.
//!
//! The analysis follows the classic exact/prefix/suffix scheme (as in trigram
//! indexes): each sub-expression reports the finite set of strings it matches
//! exactly (when small), the strings every match starts and ends with, and the
//! required sets found inside it. Concatenation crosses them, so prefixes that
//! the regex parser factored out (`shut(?:ting down|down …)`) are put back.
//!
//! Soundness over cleverness: whenever a sub-expression is not understood the
//! answer is "nothing known", and a regex with no group runs on every line.
//! One known gap, accepted on purpose: in a pattern that opts into Unicode
//! with `(?ui)`, the folds of `k` and `s` (KELVIN SIGN, LATIN SMALL LETTER LONG
//! S) are ignored.

use regex_syntax::hir::{Class, Hir, HirKind};

/// Literals shorter than this filter almost nothing.
const MIN_LEN: usize = 3;
/// A larger set is cheaper to leave to the regex itself.
const MAX_SET: usize = 64;
/// Classes with more members than this are "any byte" for the analysis.
const MAX_CLASS: usize = 8;
/// Groups kept per regex: the best one triggers, the others confirm.
const MAX_GROUPS: usize = 3;

type Set = Vec<Vec<u8>>;

/// What one sub-expression tells about the strings it matches.
#[derive(Clone, Debug, Default)]
struct Info {
    /// Every match is one of these (lowercased), when known.
    exact: Option<Set>,
    /// Every match starts with one of these.
    prefix: Option<Set>,
    /// Every match ends with one of these.
    suffix: Option<Set>,
    /// Every match contains a literal of each of these sets.
    inner: Vec<Set>,
}

impl Info {
    fn exact(set: Set) -> Info {
        Info { exact: Some(set), ..Info::default() }
    }
    fn starts(&self) -> Option<&Set> {
        self.exact.as_ref().or(self.prefix.as_ref())
    }
    fn ends(&self) -> Option<&Set> {
        self.exact.as_ref().or(self.suffix.as_ref())
    }
    /// Every set this node vouches for, its own shape included.
    fn all_sets(&self) -> impl Iterator<Item = &Set> {
        self.exact.iter().chain(self.prefix.iter()).chain(self.suffix.iter()).chain(self.inner.iter())
    }
}

/// Literal groups for a regex (each a set of lowercase literals, every match
/// containing one of each); `None` when nothing usable is known.
pub fn required(hir: &Hir) -> Option<Vec<Set>> {
    let info = walk(hir);
    let mut groups: Vec<Set> = Vec::new();
    for set in info.all_sets() {
        if !usable(set) {
            continue;
        }
        let mut set = set.clone();
        set.sort();
        set.dedup();
        let set = minimise(set);
        if !groups.contains(&set) {
            groups.push(set);
        }
    }
    groups.sort_by_key(|g| std::cmp::Reverse(score(g)));
    // Greedy, best first, skipping a group that a kept one already implies
    // (` http/` makes ` http` worthless as a second check).
    let mut kept: Vec<Set> = Vec::new();
    for g in groups {
        if kept.len() < MAX_GROUPS && !kept.iter().any(|k| implies(k, &g)) {
            kept.push(g);
        }
    }
    (!kept.is_empty()).then_some(kept)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    needle.len() <= hay.len() && hay.windows(needle.len()).any(|w| w == needle)
}

/// A line holding a literal of `a` necessarily holds one of `b`.
fn implies(a: &Set, b: &Set) -> bool {
    a.iter().all(|x| b.iter().any(|y| contains(x, y)))
}

fn usable(set: &Set) -> bool {
    !set.is_empty() && set.len() <= MAX_SET && set.iter().all(|l| l.len() >= MIN_LEN)
}

/// Drops literals that contain another literal of the set: a line holding the
/// longer one holds the shorter too, so the shorter one alone decides.
fn minimise(set: Set) -> Set {
    let keep: Vec<bool> = set.iter().map(|l| !set.iter().any(|m| m.len() < l.len() && contains(l, m))).collect();
    set.into_iter().zip(keep).filter_map(|(l, k)| k.then_some(l)).collect()
}

/// Longer shortest literal first, then fewer literals.
fn score(set: &Set) -> (usize, usize) {
    let min = set.iter().map(|l| l.len()).min().unwrap_or(0);
    (min, usize::MAX - set.len())
}

/// The lowercase bytes a class matches, when few and all ASCII.
fn class_bytes(c: &Class) -> Option<Vec<u8>> {
    let mut chars: Vec<u32> = Vec::new();
    let mut push_range = |s: u32, e: u32| -> Option<()> {
        if e - s >= 2 * MAX_CLASS as u32 {
            return None;
        }
        chars.extend(s..=e);
        Some(())
    };
    match c {
        Class::Unicode(u) => {
            for r in u.ranges() {
                push_range(r.start() as u32, r.end() as u32)?;
            }
        }
        Class::Bytes(b) => {
            for r in b.ranges() {
                push_range(r.start() as u32, r.end() as u32)?;
            }
        }
    }
    // Drop the two exotic Unicode folds (see module docs).
    chars.retain(|&c| c != 0x212A && c != 0x017F);
    if chars.is_empty() || chars.iter().any(|&c| c >= 128) {
        return None;
    }
    let mut bytes: Vec<u8> = chars.iter().map(|&c| (c as u8).to_ascii_lowercase()).collect();
    bytes.sort_unstable();
    bytes.dedup();
    (bytes.len() <= MAX_CLASS).then_some(bytes)
}

/// Every `a` followed by every `b`, when that stays small.
fn cross(a: &Set, b: &Set) -> Option<Set> {
    if a.len().saturating_mul(b.len()) > MAX_SET {
        return None;
    }
    let mut out = Vec::with_capacity(a.len() * b.len());
    for x in a {
        for y in b {
            let mut s = Vec::with_capacity(x.len() + y.len());
            s.extend_from_slice(x);
            s.extend_from_slice(y);
            if !out.contains(&s) {
                out.push(s);
            }
        }
    }
    Some(out)
}

fn union(sets: &[Option<&Set>]) -> Option<Set> {
    let mut out: Set = Vec::new();
    for s in sets {
        for l in (*s)? {
            if !out.contains(l) {
                out.push(l.clone());
            }
        }
        if out.len() > MAX_SET {
            return None;
        }
    }
    Some(out)
}

fn walk(hir: &Hir) -> Info {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => Info::exact(vec![Vec::new()]),
        HirKind::Literal(l) => Info::exact(vec![l.0.to_ascii_lowercase()]),
        HirKind::Class(c) => match class_bytes(c) {
            Some(bytes) => Info::exact(bytes.into_iter().map(|b| vec![b]).collect()),
            None => Info::default(),
        },
        HirKind::Capture(c) => walk(&c.sub),
        HirKind::Repetition(r) => {
            let sub = walk(&r.sub);
            match (r.min, r.max) {
                (1, Some(1)) => sub,
                (0, Some(1)) => Info {
                    exact: sub.exact.and_then(|e| union(&[Some(&e), Some(&vec![Vec::new()])])),
                    ..Info::default()
                },
                (0, _) => Info::default(),
                _ => {
                    let mut inner = sub.inner;
                    inner.extend(sub.exact.iter().cloned());
                    Info {
                        exact: None,
                        prefix: sub.prefix.or(sub.exact.clone()),
                        suffix: sub.suffix.or(sub.exact),
                        inner,
                    }
                }
            }
        }
        HirKind::Alternation(alts) => {
            let infos: Vec<Info> = alts.iter().map(walk).collect();
            let exact = union(&infos.iter().map(|i| i.exact.as_ref()).collect::<Vec<_>>());
            let prefix = union(&infos.iter().map(Info::starts).collect::<Vec<_>>());
            let suffix = union(&infos.iter().map(Info::ends).collect::<Vec<_>>());
            // Each branch's best usable set; the union is required of the whole.
            let best: Vec<Option<&Set>> =
                infos.iter().map(|i| i.all_sets().filter(|s| usable(s)).max_by_key(|s| score(s))).collect();
            let inner = union(&best).into_iter().collect();
            Info { exact, prefix, suffix, inner }
        }
        HirKind::Concat(parts) => {
            let mut acc = Info::exact(vec![Vec::new()]);
            for p in parts {
                let p = walk(p);
                let joint = match (acc.ends(), p.starts()) {
                    (Some(a), Some(b)) => cross(a, b),
                    _ => None,
                };
                let exact = match (&acc.exact, &p.exact) {
                    (Some(a), Some(b)) => cross(a, b),
                    _ => None,
                };
                let prefix = match &acc.exact {
                    Some(a) => p.starts().and_then(|b| cross(a, b)).or_else(|| Some(a.clone())),
                    None => acc.prefix.clone(),
                };
                let suffix = match &p.exact {
                    Some(b) => acc.ends().and_then(|a| cross(a, b)).or_else(|| Some(b.clone())),
                    None => p.suffix.clone(),
                };
                // The two sides' own shapes stay required even when the cross grows too big.
                // Moved, not cloned: rule loading is mostly this walk, and it runs at every start.
                let mut inner = acc.inner;
                inner.extend(p.inner);
                inner.extend(acc.exact.into_iter().chain(acc.prefix).chain(acc.suffix));
                inner.extend(p.exact.into_iter().chain(p.prefix).chain(p.suffix));
                inner.extend(joint);
                inner.retain(usable);
                inner.sort();
                inner.dedup();
                inner.sort_by_key(|s| std::cmp::Reverse(score(s)));
                inner.truncate(2 * MAX_GROUPS);
                acc = Info { exact, prefix, suffix, inner };
            }
            acc
        }
    }
}

/// The pattern's syntax tree, parsed exactly as the matcher compiles rule patterns.
pub fn hir(pattern: &str) -> Option<regex_syntax::hir::Hir> {
    regex_syntax::ParserBuilder::new().unicode(false).utf8(false).nest_limit(64).build().parse(pattern).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(re: &str) -> Option<Vec<Vec<String>>> {
        let hir = hir(re).unwrap();
        required(&hir).map(|groups| {
            groups
                .into_iter()
                .map(|g| {
                    let mut g: Vec<String> = g.into_iter().map(|l| String::from_utf8(l).unwrap()).collect();
                    g.sort();
                    g
                })
                .collect()
        })
    }

    fn first(re: &str) -> Option<Vec<String>> {
        req(re).map(|mut g| g.remove(0))
    }

    #[test]
    fn picks_longest_run() {
        assert_eq!(first(r"Failed password for (\S+) from"), Some(vec!["failed password for ".into()]));
        assert_eq!(
            first(r"(?i)out of memory: kill(ed)? process"),
            Some(vec!["out of memory: kill process".into(), "out of memory: killed process".into()])
        );
        assert_eq!(first(r"\bdeadlock\b detected"), Some(vec!["deadlock detected".into()]));
    }

    #[test]
    fn alternations_union() {
        assert_eq!(first(r"(?i)(SERVFAIL|NXDOMAIN)"), Some(vec!["nxdomain".into(), "servfail".into()]));
        assert_eq!(first(r"a(bcd|e)"), None, "'ae' is too short to filter on");
        assert_eq!(first(r"(?:foo)?bar"), Some(vec!["bar".into()]));
        assert_eq!(first(r"(?:foo)?ba"), None);
        assert_eq!(first(r"x(?:foo)?barbaz"), Some(vec!["xbarbaz".into(), "xfoobarbaz".into()]));
    }

    #[test]
    fn factored_prefixes_are_put_back() {
        // The parser turns this into `shut(?:ting down|down (?:requested|…))`.
        let g = first(r"(?i)\bshutting down\b|\bshutdown (?:requested|initiated|complete)\b").unwrap();
        assert!(g.contains(&"shutdown complete".to_string()), "{g:?}");
        assert!(!g.iter().any(|l| l == "complete"), "{g:?}");
    }

    #[test]
    fn separated_parts_are_all_required() {
        let groups = req(r#""(?P<m>[A-Z]+) (?P<p>\S+) HTTP/[\d.]+" (?P<s>5\d\d)"#).unwrap();
        assert!(groups.iter().any(|g| g == &vec![" http/".to_string()]), "{groups:?}");
        assert!(groups.iter().any(|g| g == &vec!["\" 5".to_string()]), "{groups:?}");
        assert_eq!(groups.len(), 2, "no group implied by another: {groups:?}");
    }

    #[test]
    fn small_classes_expand() {
        let g = first(r"(?i)log[\s_-]?in failed").unwrap();
        assert!(g.contains(&"login failed".to_string()) && g.contains(&"log-in failed".to_string()), "{g:?}");
    }

    #[test]
    fn unknown_is_none() {
        assert_eq!(req(r"\d+ \w+"), None);
        assert_eq!(req(r"^5\d\d$"), None);
        assert_eq!(req(r".*"), None);
    }
}
