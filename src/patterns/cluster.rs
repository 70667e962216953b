//! Clustering of masked shapes into templates, in two steps.
//!
//! 1. Drain-like grouping: a fixed-depth prefix tree (token count, then the
//!    leading tokens) picks a leaf; in the leaf the most similar template wins
//!    when its similarity reaches the threshold, and differing positions become
//!    wildcards. Similarity counts positions where template and shape agree,
//!    a masked variable agreeing with a wildcard; a literal word under a
//!    wildcard does not count (as in Drain), so a template that has swallowed
//!    words does not keep swallowing more.
//! 2. Refinement: a wildcard position that, over the whole cluster, holds only
//!    a handful of distinct values is a constant that differs between events
//!    (`VM Paused` / `VM Resumed`, `user=root` / `user=guest`), not a variable
//!    (user names, hosts): the cluster is split on all such positions at once.
//!
//! Both steps see the distinct shapes in order of first occurrence, so the
//! result does not depend on how the input was cut into chunks.

use std::collections::HashMap;

/// Interned token id of a full wildcard.
pub const WILD: u32 = 0;

/// The one default configuration, for every input.
#[derive(Clone, Debug)]
pub struct Config {
    /// Share of agreeing positions needed to join a template.
    pub similarity: f64,
    /// Leading tokens used to route a shape in the prefix tree.
    pub depth: usize,
    /// A wildcard position with at most this many distinct values splits its cluster.
    pub split_values: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config { similarity: 0.5, depth: 2, split_values: 4 }
    }
}

/// Cluster id returned when the cap is reached and no template fits.
pub const OVERFLOW: u32 = u32::MAX;

#[derive(Debug)]
pub struct Clusterer {
    cfg: Config,
    cap: usize,
    ids: HashMap<Box<[u8]>, u32>,
    names: Vec<Box<[u8]>>,
    /// Template tokens per cluster.
    pub clusters: Vec<Vec<u32>>,
    /// Retained member shapes per cluster (indexes into `shapes`).
    pub members: Vec<Vec<u32>>,
    /// Clusters some of whose shapes were not retained: never refined.
    pub overfull: Vec<bool>,
    /// Retained shapes' tokens.
    pub shapes: Vec<Vec<u32>>,
    leaves: HashMap<Vec<u32>, Vec<u32>>,
    buf: Vec<u32>,
    key: Vec<u32>,
}

impl Clusterer {
    pub fn new(cfg: Config, cap: usize) -> Clusterer {
        let mut c = Clusterer {
            cfg,
            cap,
            ids: HashMap::new(),
            names: Vec::new(),
            clusters: Vec::new(),
            members: Vec::new(),
            overfull: Vec::new(),
            shapes: Vec::new(),
            leaves: HashMap::new(),
            buf: Vec::new(),
            key: Vec::new(),
        };
        c.intern(super::mask::WILDCARD);
        c
    }

    fn intern(&mut self, tok: &[u8]) -> u32 {
        if let Some(&id) = self.ids.get(tok) {
            return id;
        }
        let id = self.names.len() as u32;
        self.ids.insert(tok.into(), id);
        self.names.push(tok.into());
        id
    }

    /// Adds one shape (masked tokens joined by `sep`). With `retain`, the shape is
    /// kept as a member (its index is `shapes.len() - 1` afterwards). Returns its cluster.
    pub fn add(&mut self, shape: &[u8], sep: u8, retain: bool) -> u32 {
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        if !shape.is_empty() {
            for t in shape.split(|&c| c == sep) {
                buf.push(self.intern(t));
            }
        }
        let cid = self.add_tokens(&buf);
        if cid != OVERFLOW {
            if retain {
                self.members[cid as usize].push(self.shapes.len() as u32);
                self.shapes.push(buf.clone());
            } else {
                self.overfull[cid as usize] = true;
            }
        }
        self.buf = buf;
        cid
    }

    fn add_tokens(&mut self, toks: &[u32]) -> u32 {
        self.key.clear();
        self.key.push(toks.len() as u32);
        // The last token never routes: in `removing chargen` it is what the similarity must see.
        // A token that holds a variable (`wpad:<*>` beside `<*>` for dotted hosts) routes as one.
        let routes = toks.iter().take(self.cfg.depth.min(toks.len().saturating_sub(1)));
        let names = &self.names;
        self.key.extend(routes.map(|&t| if is_partly_wild(&names[t as usize]) { WILD } else { t }));
        let mut best: Option<(u32, f64, usize)> = None;
        if let Some(leaf) = self.leaves.get(&self.key) {
            for &cid in leaf {
                let (sim, wild) = similarity(&self.clusters[cid as usize], toks);
                if best.is_none_or(|(_, bs, bw)| sim > bs || (sim == bs && wild > bw)) {
                    best = Some((cid, sim, wild));
                }
            }
        }
        if let Some((cid, sim, _)) = best {
            if sim >= self.cfg.similarity {
                generalise(&mut self.clusters[cid as usize], toks);
                return cid;
            }
        }
        if self.clusters.len() >= self.cap {
            return OVERFLOW;
        }
        let cid = self.clusters.len() as u32;
        self.clusters.push(toks.to_vec());
        self.members.push(Vec::new());
        self.overfull.push(false);
        self.leaves.entry(self.key.clone()).or_default().push(cid);
        cid
    }

    /// Splits each cluster into its final templates: returns, per cluster, its parts, each a
    /// template (tokens) and its member shapes. An overfull cluster is one part with no members.
    /// Clusters that differ only in one routing token first become one group (the prefix tree
    /// never compares them: `com.apple.X: … isn't for <*> seconds` for many X), then each group
    /// is split back on its low-cardinality positions. The parts are returned under the group's
    /// first cluster; the others get none.
    pub fn refine(&self) -> Vec<Vec<(Vec<u32>, Vec<u32>)>> {
        let n = self.clusters.len();
        let mut root: Vec<usize> = (0..n).collect();
        let mut seen: HashMap<Vec<u32>, usize> = HashMap::new();
        for cid in 0..n {
            if self.overfull[cid] {
                continue;
            }
            let t = &self.clusters[cid];
            for p in 0..self.cfg.depth.min(t.len().saturating_sub(1)) {
                // Only dotted names (`com.apple.X:`, `org.x.Y`) and masked tokens are taken for variables here; leading
                // words (`Starting` / `Stopping`) are what tells events apart.
                let name = &self.names[t[p] as usize];
                if !(name.contains(&b'.') || name.windows(3).any(|w| w == super::mask::WILDCARD)) {
                    continue;
                }
                let mut key = Vec::with_capacity(t.len() + 1);
                key.push(p as u32);
                key.extend(t.iter().enumerate().map(|(k, &x)| if k == p { WILD } else { x }));
                let other = *seen.entry(key).or_insert(cid);
                let (a, b) = (find(&mut root, cid), find(&mut root, other));
                root[a.max(b)] = a.min(b);
            }
        }
        let mut groups: Vec<Vec<usize>> = vec![Vec::new(); n];
        for cid in 0..n {
            let r = find(&mut root, cid);
            groups[r].push(cid);
        }
        let mut budget = self.cap.saturating_sub(n);
        groups
            .into_iter()
            .enumerate()
            .map(|(cid, group)| {
                if group.is_empty() {
                    return Vec::new();
                }
                let mut members: Vec<u32> = group.iter().flat_map(|&c| self.members[c].iter().copied()).collect();
                if group.len() > 1 {
                    members.sort_unstable();
                }
                if self.overfull[cid] || members.len() < 2 {
                    return vec![(self.clusters[cid].clone(), members)];
                }
                let mut parts = Vec::new();
                self.split(members, &mut parts, &mut budget);
                parts
            })
            .collect()
    }

    /// Splits members on every wildcard position that holds 2..=split_values distinct values
    /// over the whole cluster, at once (the positions are judged on the whole cluster, never
    /// on a part, where any position would look low-cardinality).
    fn split(&self, members: Vec<u32>, out: &mut Vec<(Vec<u32>, Vec<u32>)>, budget: &mut usize) {
        let tpl = self.merged(&members);
        let mut keys: Vec<usize> = Vec::new();
        let mut vals: Vec<u32> = Vec::new();
        for p in (0..tpl.len()).filter(|&p| tpl[p] == WILD) {
            vals.clear();
            for &m in &members {
                let v = self.shapes[m as usize][p];
                if !vals.contains(&v) {
                    vals.push(v);
                    if vals.len() > self.cfg.split_values {
                        break;
                    }
                }
            }
            // A whole variable beside partly masked ones (`<*>`, `wpad:<*>`) is one variable, not a few
            // constants; partly masked ones alone (`"GET <*>"`, `"POST <*>"`) still tell events apart.
            let all_variable = vals.contains(&WILD)
                && vals.iter().all(|&v| self.names[v as usize].windows(3).any(|w| w == super::mask::WILDCARD));
            if (2..=self.cfg.split_values).contains(&vals.len()) && !all_variable {
                keys.push(p);
            }
        }
        if keys.is_empty() {
            out.push((tpl, members));
            return;
        }
        let mut groups: Vec<(Vec<u32>, Vec<u32>)> = Vec::new();
        for m in members {
            let shape = &self.shapes[m as usize];
            match groups.iter_mut().find(|g| keys.iter().zip(&g.0).all(|(&p, &v)| shape[p] == v)) {
                Some(g) => g.1.push(m),
                None => groups.push((keys.iter().map(|&p| shape[p]).collect(), vec![m])),
            }
        }
        if groups.len() - 1 > *budget {
            out.push((tpl, groups.into_iter().flat_map(|g| g.1).collect()));
            return;
        }
        *budget -= groups.len() - 1;
        for (_, g) in groups {
            out.push((self.merged(&g), g));
        }
    }

    /// The template of a set of shapes: their common tokens, wildcards elsewhere.
    fn merged(&self, members: &[u32]) -> Vec<u32> {
        let mut tpl = self.shapes[members[0] as usize].clone();
        for &m in &members[1..] {
            generalise(&mut tpl, &self.shapes[m as usize]);
        }
        tpl
    }

    /// Template text of tokens.
    pub fn text(&self, toks: &[u32]) -> String {
        let mut out = Vec::new();
        for (k, &t) in toks.iter().enumerate() {
            if k > 0 {
                out.push(b' ');
            }
            out.extend_from_slice(&self.names[t as usize]);
        }
        String::from_utf8_lossy(&out).into_owned()
    }
}

/// A token with a masked part (`wpad:<*>`, `"GET <*>"`).
fn is_partly_wild(name: &[u8]) -> bool {
    name.len() > super::mask::WILDCARD.len() && name.windows(3).any(|w| w == super::mask::WILDCARD)
}

/// Union-find root, with path halving.
fn find(root: &mut [usize], mut x: usize) -> usize {
    while root[x] != x {
        root[x] = root[root[x]];
        x = root[x];
    }
    x
}

/// Positions where the template and the shape differ become wildcards.
fn generalise(tpl: &mut [u32], toks: &[u32]) {
    for (a, &b) in tpl.iter_mut().zip(toks) {
        if *a != b {
            *a = WILD;
        }
    }
}

/// Share of positions where the template accepts the token as the same (a wildcard
/// accepting a masked variable counts; a wildcard over a literal does not), and the
/// template's wildcard count for tie-breaking.
fn similarity(tpl: &[u32], toks: &[u32]) -> (f64, usize) {
    if toks.is_empty() {
        return (1.0, 0);
    }
    let mut same = 0usize;
    let mut wild = 0usize;
    for (&a, &b) in tpl.iter().zip(toks) {
        if a == b {
            same += 1;
        }
        if a == WILD {
            wild += 1;
        }
    }
    (same as f64 / toks.len() as f64, wild)
}
