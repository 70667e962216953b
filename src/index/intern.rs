//! String interning for hosts and services: ids are dense and stable in order of first appearance.

use std::collections::HashMap;

/// Past this many distinct names, new names share one overflow id (hostile input cannot exhaust memory).
pub const MAX_NAMES: usize = u16::MAX as usize - 1;
pub const OVERFLOW_NAME: &str = "(other)";

#[derive(Debug, Default, Clone)]
pub struct Interner {
    ids: HashMap<Box<[u8]>, u32>,
    names: Vec<String>,
    overflow: Option<u32>,
}

impl Interner {
    /// An interner whose id 0 is the empty name (absent host/service).
    pub fn with_empty() -> Interner {
        let mut i = Interner::default();
        i.intern(b"");
        i
    }

    pub fn intern(&mut self, name: &[u8]) -> u32 {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        if self.names.len() >= MAX_NAMES {
            if let Some(o) = self.overflow {
                return o;
            }
            let id = self.names.len() as u32;
            self.names.push(OVERFLOW_NAME.into());
            self.overflow = Some(id);
            return id;
        }
        let id = self.names.len() as u32;
        self.ids.insert(name.into(), id);
        self.names.push(String::from_utf8_lossy(name).into_owned());
        id
    }

    pub fn get(&self, id: u32) -> &str {
        self.names.get(id as usize).map(|s| s.as_str()).unwrap_or("")
    }

    pub fn lookup(&self, name: &str) -> Option<u32> {
        self.ids.get(name.as_bytes()).copied()
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Names in id order.
    pub fn names(&self) -> &[String] {
        &self.names
    }
}
