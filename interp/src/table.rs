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
        let grew = self.set(key, value);
        if let Some(i) = self.position(key) {
            hint.set(i as u32);
        }
        grew
    }

    /// Sets `key` to `value`. Returns how many bytes the table's buffers grew by (0 unless
    /// the key was new and a buffer had to grow), for the allocation accounting.
    pub fn set(&mut self, key: Str<'gc>, value: V) -> usize {
        if let Some(i) = self.position(key) {
            self.entries[i].1 = value;
            return 0;
        }
        let before = self.owned_bytes();
        let position = self.entries.len() as u32;
        self.entries.push((key, value));
        if self.entries.len() > LINEAR_MAX {
            if self.index.is_empty() {
                self.build_index();
            } else {
                let entries = &self.entries;
                self.index
                    .insert_unique(key.hash(), position, |&i| entries[i as usize].0.hash());
            }
        }
        self.owned_bytes() - before
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
