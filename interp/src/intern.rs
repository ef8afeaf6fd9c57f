//! The string intern table. It holds strings *weakly*: interning must not keep a string alive,
//! so entries are `GcWeak`s, and every cycle's finalization ([`Interner::prune_some`]) removes
//! the strings that the coming sweep frees. Without pruning, a dead string's allocation would
//! stay pinned by its weak entry forever.
//!
//! # Why shards
//!
//! gc-arena traces a table of weak pointers as one object: every weak entry is visited (its
//! target marked "weakly reachable") each time the table is traced, and a table changed during
//! marking is traced again (the lock's backward barrier). With one table of 300 000 strings,
//! one string interned during marking cost a 3 ms step, and pruning the table at mark end
//! 2.5 ms more. So:
//!
//! - the table is split by hash into [`SHARDS`] shards, each its own arena object, so tracing
//!   one (one unit of collector work) visits a few hundred entries at most;
//! - an insert adopts its weak pointer with a *forward* barrier (the new string is marked
//!   weakly reachable at once) instead of re-tracing the shard: with sharding alone, each
//!   slice re-traced every shard it touched (170 µs steps, 28 % GC CPU on that workload);
//! - finalization prunes a few shards per collector step ([`Interner::prune_some`]).
//!
//! Shards are created on first use and live as long as the table (like the table before
//! them, they are never freed, so they need no `Drop`).

use std::cell::Cell;

use gc_arena::{lock::RefLock, Collect, Finalization, Gc, GcWeak, Mutation};
use hashbrown::HashTable;

use crate::object::{hash_str, HeapObject, LoxStr};
use crate::value::Str;

/// Number of shards: a power of two. gc-arena counts a traced shard as one object however many
/// entries it has, so shards must stay small for an object-count step budget to bound time: at
/// 4096, a million interned strings make shards of about 250 entries (a few microseconds to
/// re-trace or prune), while the shard table itself is 32 KiB.
pub const SHARDS: usize = 4096;

/// One shard: (hash, string) pairs. The hash is kept beside the weak pointer so the table can
/// rehash even while an entry's string is being freed.
#[derive(Collect, Default)]
#[collect(no_drop)]
pub struct Shard<'gc> {
    table: HashTable<(u64, GcWeak<'gc, LoxStr>)>,
}

pub type ShardRef<'gc> = Gc<'gc, RefLock<Shard<'gc>>>;

impl HeapObject for Shard<'_> {
    const TYPE_NAME: &'static str = "InternShard";
    fn owned_bytes(&self) -> usize {
        self.table.allocation_size()
    }
}

impl<'gc> Shard<'gc> {
    fn find(&self, mc: &Mutation<'gc>, hash: u64, text: &str) -> Option<Str<'gc>> {
        self.table
            .find(hash, |(h, weak)| {
                *h == hash && weak.upgrade(mc).is_some_and(|s| s.as_str() == text)
            })
            .and_then(|(_, weak)| weak.upgrade(mc))
    }

    /// Records a newly allocated string in `shard`. The caller has checked that it is not
    /// present. Returns how many bytes the shard's buffer grew by (the table is part of the
    /// heap's accounted bytes: it grows with the number of live strings).
    pub fn insert(mc: &Mutation<'gc>, shard: ShardRef<'gc>, string: Str<'gc>) -> usize {
        let weak = Gc::downgrade(string);
        let hash = string.hash();
        #[allow(unsafe_code)]
        // SAFETY: the shard adopts one weak pointer without the lock's backward barrier (which
        // would re-trace the whole shard while marking). The forward barrier below gives the
        // new child, before any collection can run (collection happens only between slices),
        // the color gc-arena requires of what a black object points to weakly; gc-arena
        // documents the forward barrier as a safe way for a lock to adopt a child. No other
        // borrow of the cell is live: shards are borrowed only in this module, within a call.
        let table = unsafe { shard.as_ref().as_ref_cell() };
        let mut shard_table = table.borrow_mut();
        let before = shard_table.table.allocation_size();
        shard_table
            .table
            .insert_unique(hash, (hash, weak), |(h, _)| *h);
        let grew = shard_table.table.allocation_size() - before;
        drop(shard_table);
        mc.forward_barrier_weak(Some(Gc::erase(shard)), GcWeak::erase(weak));
        grew
    }

    /// Removes the entries whose strings the coming sweep frees; returns (removed, examined).
    fn prune(fc: &Finalization<'gc>, shard: ShardRef<'gc>) -> (u64, u64) {
        #[allow(unsafe_code)]
        // SAFETY: removing entries adopts no pointer, so no barrier is needed (the lock's
        // barrier would only queue the shard to be traced again). No other borrow of the cell
        // is live: shards are borrowed only in this module, within a call.
        let table = unsafe { shard.as_ref().as_ref_cell() };
        let mut shard_table = table.borrow_mut();
        let before = shard_table.table.len();
        shard_table.table.retain(|(_, weak)| !weak.is_dead(fc));
        ((before - shard_table.table.len()) as u64, before as u64)
    }
}

/// What one call of [`Interner::prune_some`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    /// Entries removed (strings this cycle's sweep frees).
    pub strings: u64,
    /// Entries examined: the work done.
    pub visited: u64,
    /// Whether every shard has been pruned this cycle.
    pub done: bool,
}

#[derive(Collect)]
#[collect(no_drop)]
pub struct Interner<'gc> {
    shards: Box<[Option<ShardRef<'gc>>]>,
    /// The next shard to prune in the running cycle's finalization (a `Cell`: pruning needs
    /// no barrier on the table of shards).
    #[collect(require_static)]
    prune_cursor: Cell<usize>,
}

impl Default for Interner<'_> {
    fn default() -> Self {
        Interner {
            shards: vec![None; SHARDS].into_boxed_slice(),
            prune_cursor: Cell::new(0),
        }
    }
}

impl<'gc> Interner<'gc> {
    /// The shard a string of this hash belongs to. Bits 44..56 of the hash: independent of
    /// the low bits (a shard's bucket index) and of the top seven (its control bytes).
    pub fn shard_index(hash: u64) -> usize {
        (hash >> 44) as usize & (SHARDS - 1)
    }

    /// The shard for `hash`, if it exists yet.
    pub fn shard(&self, hash: u64) -> Option<ShardRef<'gc>> {
        self.shards[Self::shard_index(hash)]
    }

    /// Installs the (new) shard for `hash`.
    pub fn set_shard(&mut self, hash: u64, shard: ShardRef<'gc>) {
        self.shards[Self::shard_index(hash)] = Some(shard);
    }

    /// The live interned string with this text, if any.
    pub fn find(&self, mc: &Mutation<'gc>, text: &str) -> Option<Str<'gc>> {
        let hash = hash_str(text);
        self.shard(hash)?.borrow().find(mc, hash, text)
    }

    /// Prunes whole shards, starting where the last call stopped (at the first shard when
    /// `start`), until at least `budget` entries have been examined or every shard is done.
    /// Removes the entries whose strings this cycle's sweep will free.
    ///
    /// Every string is interned, so every dead string is one this table referenced weakly when
    /// marking ended: gc-arena drops it in this sweep but frees its allocation (not its text)
    /// only in the next one (see `gclox_gc::Retained`). Between two calls the program runs: a
    /// string interned then into a shard already pruned, and dead by the sweep, stays in the
    /// table until the next cycle prunes it (gc-arena keeps such a weakly referenced object's
    /// allocation and refuses to upgrade it, so this costs memory for one cycle, nothing more).
    pub fn prune_some(&self, fc: &Finalization<'gc>, start: bool, budget: u64) -> Pruned {
        if start {
            self.prune_cursor.set(0);
        }
        let mut pruned = Pruned::default();
        let mut cursor = self.prune_cursor.get();
        while cursor < SHARDS && pruned.visited < budget.max(1) {
            pruned.visited += 1;
            if let Some(shard) = self.shards[cursor] {
                let (removed, examined) = Shard::prune(fc, shard);
                pruned.strings += removed;
                pruned.visited += examined;
            }
            cursor += 1;
        }
        self.prune_cursor.set(cursor);
        pruned.done = cursor == SHARDS;
        pruned
    }

    /// Interned strings (live, or dead but not yet pruned).
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .flatten()
            .map(|s| s.borrow().table.len())
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
