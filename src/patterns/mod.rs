//! Pattern mining: group messages into templates (`token signing failed for key <*>`)
//! so that errors no rule anticipated still become signals.
//!
//! Each index chunk runs its own [`Miner`]; [`merge`] folds the chunk miners in
//! chunk order into one [`TemplateTable`], so results depend on the (fixed)
//! chunking, never on thread count.

use std::collections::HashMap;

/// Sentinel for records that were not mined (unparsed lines).
pub const NO_TEMPLATE: u32 = u32::MAX;

/// One mined template.
#[derive(Clone, Debug)]
pub struct Template {
    /// Stable id derived from the template text.
    pub id: String,
    pub text: String,
}

#[derive(Debug, Default)]
pub struct TemplateTable {
    pub templates: Vec<Template>,
}

/// Per-chunk miner.
#[derive(Debug, Default)]
pub struct Miner {
    by_text: HashMap<String, u32>,
    texts: Vec<String>,
}

impl Miner {
    pub fn new() -> Miner {
        Miner::default()
    }

    /// Assigns a message to a local template id.
    pub fn add(&mut self, msg: &[u8]) -> u32 {
        let masked: String = String::from_utf8_lossy(msg)
            .split_whitespace()
            .map(|t| if t.bytes().any(|c| c.is_ascii_digit()) { "<*>" } else { t })
            .collect::<Vec<_>>()
            .join(" ");
        if let Some(&id) = self.by_text.get(&masked) {
            return id;
        }
        let id = self.texts.len() as u32;
        self.by_text.insert(masked.clone(), id);
        self.texts.push(masked);
        id
    }
}

/// Folds chunk miners into one table: returns the table and, per miner, local → global ids.
pub fn merge(miners: Vec<Miner>) -> (TemplateTable, Vec<Vec<u32>>) {
    let mut table = TemplateTable::default();
    let mut global: HashMap<String, u32> = HashMap::new();
    let mut maps = Vec::with_capacity(miners.len());
    for m in miners {
        let mut map = Vec::with_capacity(m.texts.len());
        for text in m.texts {
            let next = table.templates.len() as u32;
            let id = *global.entry(text.clone()).or_insert_with(|| {
                table.templates.push(Template { id: format!("T{next}"), text });
                next
            });
            map.push(id);
        }
        maps.push(map);
    }
    (table, maps)
}
