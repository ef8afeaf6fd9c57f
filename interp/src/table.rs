//! Tables keyed by interned strings: instance fields and class methods.
//!
//! Keys compare by identity (interning makes identity equal to content equality). Lox never
//! deletes a field or method, so a table is an append-only vector of entries; small tables —
//! almost every instance — are searched linearly by pointer, which beats hashing for a handful
//! of entries. Past [`LINEAR_MAX`] entries a hashbrown index over the entry positions, keyed
//! by each string's precomputed hash, takes over.

use gc_arena::{Collect, Gc};
use hashbrown::HashTable;

use crate::value::Str;

/// The most entries searched linearly before the hash index is built.
pub const LINEAR_MAX: usize = 8;

#[derive(Collect, Clone)]
#[collect(no_drop)]
pub struct Table<'gc, V: Collect<'gc> + Copy> {
    entries: Vec<(Str<'gc>, V)>,
    /// Positions in `entries`, hashed by key; empty until the table outgrows linear search.
    #[collect(require_static)]
    index: HashTable<u32>,
}

impl<'gc, V: Collect<'gc> + Copy> Default for Table<'gc, V> {
    fn default() -> Self {
        Table {
            entries: Vec::new(),
            index: HashTable::new(),
        }
    }
}

/// A remembered entry position for one instruction (an inline cache). Tables never move or
/// delete entries, so a position stays valid for the table it came from; for any other table
/// it is only a guess, verified by comparing the key before it is used.
pub type Hint = std::cell::Cell<u32>;

impl<'gc, V: Collect<'gc> + Copy> Table<'gc, V> {
    #[inline]
    pub fn get(&self, key: Str<'gc>) -> Option<V> {
        self.position(key).map(|i| self.entries[i].1)
    }

    /// [`Table::get`], trying the position in `hint` first and remembering the one found.
    #[inline]
    pub fn get_hinted(&self, key: Str<'gc>, hint: &Hint) -> Option<V> {
        if let Some(&(k, v)) = self.entries.get(hint.get() as usize) {
            if Gc::ptr_eq(k, key) {
                return Some(v);
            }
        }
        let i = self.position(key)?;
        hint.set(i as u32);
        Some(self.entries[i].1)
    }

    /// [`Table::set`], trying the position in `hint` first.
    #[inline]
    pub fn set_hinted(&mut self, key: Str<'gc>, value: V, hint: &Hint) -> usize {
        if let Some(entry) = self.entries.get_mut(hint.get() as usize) {
            if Gc::ptr_eq(entry.0, key) {
                entry.1 = value;
                return 0;
            }
        }
        if let Some(i) = self.position(key) {
            self.entries[i].1 = value;
            hint.set(i as u32);
            return 0;
        }
        hint.set(self.entries.len() as u32);
        self.insert_new(key, value)
    }

    /// Sets `key` to `value`. Returns how many bytes the table's buffers grew by (0 unless
    /// the key was new and a buffer had to grow), for the allocation accounting.
    pub fn set(&mut self, key: Str<'gc>, value: V) -> usize {
        if let Some(i) = self.position(key) {
            self.entries[i].1 = value;
            return 0;
        }
        self.insert_new(key, value)
    }

    /// Appends `key`, which is not in the table. Returns how many bytes the buffers grew by.
    fn insert_new(&mut self, key: Str<'gc>, value: V) -> usize {
        let entry_bytes = std::mem::size_of::<(Str<'gc>, V)>();
        let capacity = self.entries.capacity();
        let position = self.entries.len() as u32;
        self.entries.push((key, value));
        let mut grew = (self.entries.capacity() - capacity) * entry_bytes;
        if self.entries.len() > LINEAR_MAX {
            let before = self.index.allocation_size();
            if self.index.is_empty() {
                self.build_index();
            } else {
                let entries = &self.entries;
                self.index
                    .insert_unique(key.hash(), position, |&i| entries[i as usize].0.hash());
            }
            grew += self.index.allocation_size() - before;
        }
        grew
    }

    /// Copies every entry of `other` into this table (clox's `tableAddAll`, for inheritance).
    /// Returns how many bytes the buffers grew by.
    pub fn add_all(&mut self, other: &Table<'gc, V>) -> usize {
        other
            .entries
            .iter()
            .map(|&(key, value)| self.set(key, value))
            .sum()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (Str<'gc>, V)> + '_ {
        self.entries.iter().copied()
    }

    /// Heap bytes owned by the table's buffers.
    pub fn owned_bytes(&self) -> usize {
        self.entries.capacity() * std::mem::size_of::<(Str<'gc>, V)>()
            + self.index.allocation_size()
    }

    #[inline]
    fn position(&self, key: Str<'gc>) -> Option<usize> {
        if self.index.is_empty() {
            self.entries.iter().position(|(k, _)| Gc::ptr_eq(*k, key))
        } else {
            let entries = &self.entries;
            self.index
                .find(key.hash(), |&i| Gc::ptr_eq(entries[i as usize].0, key))
                .map(|&i| i as usize)
        }
    }

    fn build_index(&mut self) {
        let entries = &self.entries;
        for (i, (key, _)) in entries.iter().enumerate() {
            self.index
                .insert_unique(key.hash(), i as u32, |&j| entries[j as usize].0.hash());
        }
    }
}

#[cfg(test)]
mod tests {
    use gc_arena::{arena::rootless_mutate, Gc};

    use super::{Hint, Table, LINEAR_MAX};
    use crate::object::LoxStr;

    #[test]
    fn growth_is_reported_exactly_and_hints_stay_right() {
        rootless_mutate(|mc| {
            let keys: Vec<_> = (0..3 * LINEAR_MAX)
                .map(|i| Gc::new(mc, LoxStr::new(format!("k{i}").into())))
                .collect();
            let mut table: Table<'_, u32> = Table::default();
            let mut owned = table.owned_bytes();
            let hint = Hint::new(u32::MAX);
            for (i, &key) in keys.iter().enumerate() {
                // A new key (through the hint's miss path or not), then an update.
                let grew = if i % 2 == 0 {
                    table.set_hinted(key, i as u32, &hint)
                } else {
                    table.set(key, i as u32)
                };
                assert_eq!(grew, table.owned_bytes() - owned, "key {i}");
                owned = table.owned_bytes();
                assert_eq!(table.set_hinted(key, 100 + i as u32, &hint), 0);
                assert_eq!(hint.get() as usize, i);
                assert_eq!(table.get_hinted(key, &hint), Some(100 + i as u32));
            }
            for (i, &key) in keys.iter().enumerate() {
                assert_eq!(table.get(key), Some(100 + i as u32));
            }
            assert_eq!(table.len(), keys.len());
        });
    }
}
