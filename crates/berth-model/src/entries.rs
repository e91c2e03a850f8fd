//! The ordered map of the value tree.
//!
//! Nearly every mapping of a Compose file is small (a service's attributes, a healthcheck, a
//! port): for those a linear scan of the entries beats hashing the key. Only a map that grows
//! past [`INDEX_AT`] entries (the services of a large project, a long environment) gets a hash
//! index, which holds positions into the entries, so keys are stored once.

use std::hash::BuildHasher;

use hashbrown::HashTable;

use crate::value::{FxBuild, Key, Value};

/// Entry count from which lookups go through a hash index.
const INDEX_AT: usize = 16;

/// Insertion-ordered entries with unique keys.
#[derive(Clone, Default)]
pub struct Entries {
    items: Vec<(Key, Value)>,
    index: Option<HashTable<usize>>,
}

fn hash(name: &str) -> u64 {
    FxBuild::default().hash_one(name)
}

impl Entries {
    #[must_use]
    pub fn len(&self) -> usize {
        self.items.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    fn position(&self, key: &str) -> Option<usize> {
        match &self.index {
            Some(table) => table
                .find(hash(key), |&i| self.items[i].0.name == key)
                .copied(),
            None => self.items.iter().position(|(k, _)| k.name == key),
        }
    }

    fn rebuild_index(&mut self) {
        if self.items.len() <= INDEX_AT {
            self.index = None;
            return;
        }
        let mut table = HashTable::with_capacity(self.items.len());
        for (i, (k, _)) in self.items.iter().enumerate() {
            let items = &self.items;
            table.insert_unique(hash(&k.name), i, |&j| hash(&items[j].0.name));
        }
        self.index = Some(table);
    }

    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.position(key).map(|i| &self.items[i].1)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.position(key).map(|i| &mut self.items[i].1)
    }

    #[must_use]
    pub fn get_key_value(&self, key: &str) -> Option<(&Key, &Value)> {
        self.position(key).map(|i| {
            let (k, v) = &self.items[i];
            (k, v)
        })
    }

    #[must_use]
    pub fn contains_key(&self, key: &str) -> bool {
        self.position(key).is_some()
    }

    /// Inserts at the end, or, when the key is present, replaces its value in place (keeping
    /// the first key and its span) and returns the old value.
    pub fn insert(&mut self, key: Key, value: Value) -> Option<Value> {
        if let Some(i) = self.position(&key.name) {
            return Some(std::mem::replace(&mut self.items[i].1, value));
        }
        let i = self.items.len();
        let h = hash(&key.name);
        self.items.push((key, value));
        match &mut self.index {
            Some(table) => {
                let items = &self.items;
                table.insert_unique(h, i, |&j| hash(&items[j].0.name));
            }
            None if self.items.len() > INDEX_AT => self.rebuild_index(),
            None => {}
        }
        None
    }

    /// Removes a key, keeping the order of the others.
    pub fn shift_remove_entry(&mut self, key: &str) -> Option<(Key, Value)> {
        let i = self.position(key)?;
        let entry = self.items.remove(i);
        if self.index.is_some() {
            self.rebuild_index();
        }
        Some(entry)
    }

    pub fn shift_remove(&mut self, key: &str) -> Option<Value> {
        self.shift_remove_entry(key).map(|(_, v)| v)
    }

    pub fn reserve(&mut self, additional: usize) {
        self.items.reserve(additional);
    }

    #[must_use]
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&Key, &Value)> + ExactSizeIterator {
        self.items.iter().map(|(k, v)| (k, v))
    }

    pub fn iter_mut(
        &mut self,
    ) -> impl DoubleEndedIterator<Item = (&Key, &mut Value)> + ExactSizeIterator {
        self.items.iter_mut().map(|(k, v)| (&*k, v))
    }

    #[must_use]
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &Key> + ExactSizeIterator {
        self.items.iter().map(|(k, _)| k)
    }

    #[must_use]
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &Value> + ExactSizeIterator {
        self.items.iter().map(|(_, v)| v)
    }

    /// Sorts the entries (stable) by a comparison of keys and values.
    pub fn sort_by(
        &mut self,
        mut cmp: impl FnMut(&Key, &Value, &Key, &Value) -> std::cmp::Ordering,
    ) {
        self.items.sort_by(|(k1, v1), (k2, v2)| cmp(k1, v1, k2, v2));
        if self.index.is_some() {
            self.rebuild_index();
        }
    }

    /// Takes every entry out, in order.
    pub fn drain(&mut self) -> std::vec::Drain<'_, (Key, Value)> {
        self.index = None;
        self.items.drain(..)
    }
}

impl IntoIterator for Entries {
    type Item = (Key, Value);
    type IntoIter = std::vec::IntoIter<(Key, Value)>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl FromIterator<(Key, Value)> for Entries {
    fn from_iter<I: IntoIterator<Item = (Key, Value)>>(iter: I) -> Entries {
        let mut out = Entries::default();
        for (k, v) in iter {
            out.insert(k, v);
        }
        out
    }
}

impl std::fmt::Debug for Entries {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(self.items.iter().map(|(k, v)| (&k.name, v)))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_replacement_and_removal_across_the_index_threshold() {
        let mut e = Entries::default();
        for i in 0..40 {
            assert!(e
                .insert(
                    Key::synthetic(format!("k{i}")),
                    Value::int(i, crate::Span::SYNTHETIC)
                )
                .is_none());
            assert!(e.contains_key(&format!("k{i}")));
        }
        assert_eq!(e.len(), 40);
        let old = e.insert(
            Key::synthetic("k3"),
            Value::int(100, crate::Span::SYNTHETIC),
        );
        assert_eq!(old.and_then(|v| v.as_i64()), Some(3));
        assert_eq!(e.keys().nth(3).map(|k| k.name.as_str()), Some("k3"));
        for i in (0..40).step_by(2) {
            assert!(e.shift_remove(&format!("k{i}")).is_some());
        }
        assert_eq!(e.len(), 20);
        let names: Vec<&str> = e.keys().map(|k| k.name.as_str()).collect();
        assert_eq!(names[..3], ["k1", "k3", "k5"]);
        for i in 0..40 {
            assert_eq!(e.get(&format!("k{i}")).is_some(), i % 2 == 1, "k{i}");
        }
        assert_eq!(e.get("k3").and_then(Value::as_i64), Some(100));
    }
}
