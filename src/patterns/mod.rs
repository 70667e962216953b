//! Pattern mining: group messages into templates (`token signing failed for key <*>`)
//! so that errors no rule anticipated still become signals.
//!
//! Two passes, so the result never depends on chunking or thread count:
//! - in the parallel index pass each chunk's [`Miner`] tokenises and masks every
//!   message ([`mask`]) and dedupes the masked *shapes* (exact, no clustering);
//! - [`merge`] walks the chunks' shapes in chunk order — the order of first
//!   occurrence in the input — clusters them ([`cluster`], Drain-like), then splits
//!   clusters on positions that hold only a few distinct words, into one
//!   [`TemplateTable`]. Template ids are a hash of the final template text.
//!
//! Method and accuracy figures: `docs/patterns.md`.
//!
//! Memory is bounded by a cap on templates: once reached, shapes that fit no
//! template go to one overflow template, counted in [`TemplateTable::overflow_records`].

pub mod cluster;
pub mod ga;
pub mod mask;
mod miner;

pub use miner::{fnv1a, Miner, DEFAULT_CAP, MAX_TOKENS};

use cluster::{Clusterer, Config, OVERFLOW};
use std::collections::{HashMap, HashSet};

/// Sentinel for records that were not mined (unparsed lines).
pub const NO_TEMPLATE: u32 = u32::MAX;

/// Text of the overflow template.
pub const OVERFLOW_TEXT: &str = "<overflow: too many distinct templates>";

/// One mined template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    /// Stable id derived from the template text (`T3f9a12c0`).
    pub id: String,
    pub text: String,
    /// Records mined into this template.
    pub count: u64,
    /// True for the overflow template.
    pub overflow: bool,
}

#[derive(Debug, Default)]
pub struct TemplateTable {
    pub templates: Vec<Template>,
    /// The cap on templates this table was built with.
    pub cap: usize,
    /// Records that went to the overflow template because the cap was reached.
    pub overflow_records: u64,
}

impl TemplateTable {
    pub fn get(&self, i: u32) -> Option<&Template> {
        self.templates.get(i as usize)
    }

    /// Index of the template with this id.
    pub fn find(&self, id: &str) -> Option<u32> {
        self.templates.iter().position(|t| t.id == id).map(|i| i as u32)
    }
}

/// Shapes retained per template of the cap while merging; beyond, shapes are clustered
/// without being kept (and their clusters are not refined).
const SHAPES_PER_TEMPLATE: usize = 16;

/// Where a chunk's local shape went.
#[derive(Clone, Copy)]
enum Slot {
    Shape(u32),
    Cluster(u32),
    Overflow,
}

/// Folds chunk miners, in chunk order, into one table: returns the table and, per
/// miner, local id → index into the table.
pub fn merge(miners: Vec<Miner>) -> (TemplateTable, Vec<Vec<u32>>) {
    let cap = miners.first().map(|m| m.cap).unwrap_or(DEFAULT_CAP);
    let mut cl = Clusterer::new(Config::default(), cap);
    let mut memo: HashMap<Box<[u8]>, u32> = HashMap::new();
    let keep = cap.saturating_mul(SHAPES_PER_TEMPLATE);
    let mut slots: Vec<Vec<Slot>> = Vec::with_capacity(miners.len());
    for m in &miners {
        let mut map = Vec::with_capacity(m.shapes.len());
        for &(s, e) in &m.shapes {
            if (s, e) == miner::OVERFLOW_SHAPE {
                map.push(Slot::Overflow);
                continue;
            }
            let text = &m.arena[s as usize..e as usize];
            if let Some(&g) = memo.get(text) {
                map.push(Slot::Shape(g));
                continue;
            }
            let retain = cl.shapes.len() < keep;
            let cid = cl.add(text, miner::SEP, retain);
            map.push(if cid == OVERFLOW {
                Slot::Overflow
            } else if retain {
                let g = cl.shapes.len() as u32 - 1;
                memo.insert(text.into(), g);
                Slot::Shape(g)
            } else {
                Slot::Cluster(cid)
            });
        }
        slots.push(map);
    }
    drop(memo);

    // Final templates: each cluster's parts, in order; equal texts are one template.
    let mut table = TemplateTable { templates: Vec::new(), cap, overflow_records: 0 };
    let mut by_text: HashMap<String, u32> = HashMap::new();
    let mut used_ids: HashSet<String> = HashSet::new();
    let mut shape_template = vec![NO_TEMPLATE; cl.shapes.len()];
    let mut cluster_template = vec![NO_TEMPLATE; cl.clusters.len()];
    for (cid, parts) in cl.refine().into_iter().enumerate() {
        for (toks, members) in parts {
            let text = cl.text(&toks);
            let t = *by_text.entry(text.clone()).or_insert_with(|| {
                let id = unique_id(&text, &mut used_ids);
                table.templates.push(Template { id, text, count: 0, overflow: false });
                table.templates.len() as u32 - 1
            });
            for m in members {
                shape_template[m as usize] = t;
            }
            if cluster_template[cid] == NO_TEMPLATE {
                cluster_template[cid] = t;
            }
        }
    }
    let mut overflow_template = NO_TEMPLATE;
    let mut maps = Vec::with_capacity(slots.len());
    for (m, slot) in miners.iter().zip(slots) {
        let map: Vec<u32> = slot
            .into_iter()
            .enumerate()
            .map(|(k, s)| {
                let t = match s {
                    Slot::Shape(g) => shape_template[g as usize],
                    Slot::Cluster(c) => cluster_template[c as usize],
                    Slot::Overflow => {
                        table.overflow_records += m.counts[k];
                        if overflow_template == NO_TEMPLATE {
                            let id = unique_id(OVERFLOW_TEXT, &mut used_ids);
                            table.templates.push(Template { id, text: OVERFLOW_TEXT.into(), count: 0, overflow: true });
                            overflow_template = table.templates.len() as u32 - 1;
                        }
                        overflow_template
                    }
                };
                if let Some(tpl) = table.templates.get_mut(t as usize) {
                    tpl.count += m.counts[k];
                }
                t
            })
            .collect();
        maps.push(map);
    }
    (table, maps)
}

/// `T` + 8 hex digits of the text's hash; a (rare) clash is resolved by rehashing with a counter,
/// so ids stay a function of the set of texts in table order.
fn unique_id(text: &str, used: &mut HashSet<String>) -> String {
    let mut salt = 0u32;
    loop {
        let h = if salt == 0 { fnv1a(text.as_bytes()) } else { fnv1a(format!("{text}\u{0}{salt}").as_bytes()) };
        let id = format!("T{:08x}", (h ^ (h >> 32)) as u32);
        if used.insert(id.clone()) {
            return id;
        }
        salt += 1;
    }
}

/// Mines a list of messages in one chunk and returns, per message, the template index
/// into the returned table (for evaluation and tests).
pub fn mine_all<'a>(msgs: impl IntoIterator<Item = &'a [u8]>) -> (TemplateTable, Vec<u32>) {
    let mut m = Miner::new();
    let local: Vec<u32> = msgs.into_iter().map(|msg| m.add(msg)).collect();
    let (table, maps) = merge(vec![m]);
    let map = &maps[0];
    (table, local.into_iter().map(|l| map.get(l as usize).copied().unwrap_or(NO_TEMPLATE)).collect())
}

#[cfg(test)]
mod tests;
