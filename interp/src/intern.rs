//! The string intern table. It holds strings *weakly*: interning must not keep a string alive,
//! so entries are `GcWeak`s, and every cycle's finalization ([`Interner::prune`]) removes the
//! strings that the coming sweep frees. Without pruning, a dead string's allocation would stay
//! pinned by its weak entry forever.

use gc_arena::{Collect, Finalization, GcWeak, Mutation};
use hashbrown::HashTable;

use crate::object::{hash_str, LoxStr};
use crate::value::Str;

#[derive(Collect, Default)]
#[collect(no_drop)]
pub struct Interner<'gc> {
    /// (hash, string): the hash is kept beside the weak pointer so the table can rehash even
    /// while an entry's string is being freed.
    table: HashTable<(u64, GcWeak<'gc, LoxStr>)>,
}

impl<'gc> Interner<'gc> {
    /// The live interned string with this text, if any.
    pub fn find(&self, mc: &Mutation<'gc>, text: &str) -> Option<Str<'gc>> {
        self.find_hashed(mc, hash_str(text), text)
    }

    pub fn find_hashed(&self, mc: &Mutation<'gc>, hash: u64, text: &str) -> Option<Str<'gc>> {
        self.table
            .find(hash, |(h, weak)| {
                *h == hash && weak.upgrade(mc).is_some_and(|s| s.as_str() == text)
            })
            .and_then(|(_, weak)| weak.upgrade(mc))
    }

    /// Records a newly allocated string. The caller has checked that it is not present.
    /// Returns how many bytes the table's buffer grew by (the table is part of the heap's
    /// accounted bytes: it grows with the number of live strings).
    pub fn insert(&mut self, string: Str<'gc>) -> usize {
        let before = self.table.allocation_size();
        let hash = string.hash();
        self.table
            .insert_unique(hash, (hash, gc_arena::Gc::downgrade(string)), |(h, _)| *h);
        self.table.allocation_size() - before
    }

    /// Removes the entries whose strings this cycle's sweep will free, and returns how many.
    ///
    /// Every string is interned, so every dead string is one this table referenced weakly when
    /// marking ended: gc-arena drops it in this sweep but frees its allocation (not its text)
    /// only in the next one (see `gclox_gc::Retained`).
    pub fn prune(&mut self, fc: &Finalization<'gc>) -> u64 {
        let before = self.table.len();
        self.table.retain(|(_, weak)| !weak.is_dead(fc));
        (before - self.table.len()) as u64
    }

    pub fn len(&self) -> usize {
        self.table.len()
    }

    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }
}
