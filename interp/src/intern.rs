//! The string intern table. It holds strings *weakly*: interning must not keep a string alive.
//! Every cycle's finalization ([`Interner::prune_some`]) removes the strings that the coming
//! sweep frees.
//!
//! # Why the weak entries are not traced
//!
//! gc-arena traces a `GcWeak` by marking its target "weakly reachable", so that a dead target's
//! allocation outlives the sweep as long as a weak pointer to it exists. For a table of every
//! string that costs one header access per entry per trace, and the table is traced again each
//! time it changes while marking: with 300 000 strings, one string interned during marking
//! cost a 3 ms step, and pruning the table at mark end 2.5 ms more.
//!
//! The table needs none of that, because it never keeps a weak entry whose string the sweep
//! frees. Its invariant, **no entry outlives its string's allocation**, holds by:
//!
//! 1. finalization removes every entry whose string is unmarked ([`Interner::prune_some`]),
//!    and sweeping starts only after every shard has been pruned (the heap calls
//!    finalization until it reports done);
//! 2. the program may run between two finalization calls; a string interned then is marked
//!    at once (a forward barrier in [`Shard::insert`]), so it survives this cycle even if the
//!    shard it went into was already pruned;
//! 3. a string interned while sweeping was allocated after marking ended, and gc-arena's sweep
//!    never frees those.
//!
//! So the shards implement `Collect` without tracing their entries (`NEEDS_TRACE = false`),
//! and the sweep frees a dead string in the same cycle (no weak reference holds its memory).
//! Debug builds check the invariant when finalization ends ([`Interner::assert_no_dead`]).
//!
//! The table is split by hash into [`SHARDS`] shards so that finalization can prune a few per
//! collector step, bounding each step's work.

use std::cell::{Cell, RefCell};

use gc_arena::{Collect, Finalization, Gc, GcWeak, Mutation};
use hashbrown::HashTable;

use crate::object::{hash_str, HeapObject, LoxStr};
use crate::value::Str;

/// Number of shards: a power of two. At 4096 a million strings make shards of about 250
/// entries, a few microseconds to prune; the table of shards is 32 KiB.
pub const SHARDS: usize = 4096;

/// One shard: (hash, string) pairs. The hash is kept beside the weak pointer so the table can
/// rehash without touching the strings.
#[derive(Default)]
pub struct Shard<'gc> {
    table: RefCell<HashTable<(u64, GcWeak<'gc, LoxStr>)>>,
}

// SAFETY: a shard holds only `GcWeak`s, and deliberately does not trace them: the module
// documentation states the invariant that makes this sound (no entry outlives its string's
// allocation: dead entries are pruned before every sweep, strings interned while pruning are
// marked at once) and where each part of it is kept. gc-arena never frees an object a live
// shard entry names, so every `upgrade`/`is_dead` through an entry reads a live allocation.
#[allow(unsafe_code)]
unsafe impl<'gc> Collect<'gc> for Shard<'gc> {
    const NEEDS_TRACE: bool = false;
}

pub type ShardRef<'gc> = Gc<'gc, Shard<'gc>>;

impl HeapObject for Shard<'_> {
    const TYPE_NAME: &'static str = "InternShard";
    fn owned_bytes(&self) -> usize {
        self.table.borrow().allocation_size()
    }
}

impl<'gc> Shard<'gc> {
    fn find(&self, mc: &Mutation<'gc>, hash: u64, text: &str) -> Option<Str<'gc>> {
        self.table
            .borrow()
            .find(hash, |(h, weak)| {
                *h == hash && weak.upgrade(mc).is_some_and(|s| s.as_str() == text)
            })
            .and_then(|(_, weak)| weak.upgrade(mc))
    }

    /// Records a newly allocated string; `pruning`: finalization is under way this cycle (the
    /// string is then marked, part 2 of the invariant). The caller has checked that the
    /// string is not present. Returns how many bytes the shard's buffer grew by (the table is
    /// part of the heap's accounted bytes: it grows with the number of live strings).
    pub fn insert(&self, mc: &Mutation<'gc>, string: Str<'gc>, pruning: bool) -> usize {
        if pruning {
            mc.forward_barrier(None, Gc::erase(string));
        }
        let mut table = self.table.borrow_mut();
        let before = table.allocation_size();
        let hash = string.hash();
        table.insert_unique(hash, (hash, Gc::downgrade(string)), |(h, _)| *h);
        table.allocation_size() - before
    }

    /// Removes the entries whose strings this cycle's sweep frees; returns (removed, examined).
    fn prune(&self, fc: &Finalization<'gc>) -> (u64, u64) {
        let mut table = self.table.borrow_mut();
        let before = table.len();
        table.retain(|(_, weak)| !weak.is_dead(fc));
        ((before - table.len()) as u64, before as u64)
    }
}

/// What one call of [`Interner::prune_some`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    /// Entries removed (strings this cycle's sweep frees).
    pub strings: u64,
    /// Shards and entries examined: the work done.
    pub visited: u64,
    /// Whether every shard has been pruned this cycle.
    pub done: bool,
}

#[derive(Collect)]
#[collect(no_drop)]
pub struct Interner<'gc> {
    shards: Box<[Option<ShardRef<'gc>>]>,
    /// The next shard to prune in the running cycle's finalization (cells: pruning needs no
    /// barrier on the table of shards).
    #[collect(require_static)]
    prune_cursor: Cell<usize>,
    /// Whether a finalization has started and not finished.
    #[collect(require_static)]
    pruning: Cell<bool>,
}

impl Default for Interner<'_> {
    fn default() -> Self {
        Interner {
            shards: vec![None; SHARDS].into_boxed_slice(),
            prune_cursor: Cell::new(0),
            pruning: Cell::new(false),
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

    /// Whether this cycle's finalization has started and not yet finished.
    pub fn pruning(&self) -> bool {
        self.pruning.get()
    }

    /// The live interned string with this text, if any.
    pub fn find(&self, mc: &Mutation<'gc>, text: &str) -> Option<Str<'gc>> {
        let hash = hash_str(text);
        self.shard(hash)?.find(mc, hash, text)
    }

    /// Prunes whole shards, starting where the last call stopped (at the first shard when
    /// `start`), until at least `budget` shards and entries have been examined or every shard
    /// is done. Removes the entries whose strings this cycle's sweep will free.
    pub fn prune_some(&self, fc: &Finalization<'gc>, start: bool, budget: u64) -> Pruned {
        if start {
            self.prune_cursor.set(0);
            self.pruning.set(true);
        }
        let mut pruned = Pruned::default();
        let mut cursor = self.prune_cursor.get();
        while cursor < SHARDS && pruned.visited < budget.max(1) {
            pruned.visited += 1;
            if let Some(shard) = self.shards[cursor] {
                let (removed, examined) = shard.prune(fc);
                pruned.strings += removed;
                pruned.visited += examined;
            }
            cursor += 1;
        }
        self.prune_cursor.set(cursor);
        pruned.done = cursor == SHARDS;
        if pruned.done {
            self.pruning.set(false);
            #[cfg(debug_assertions)]
            self.assert_no_dead(fc);
        }
        pruned
    }

    /// Debug builds: the invariant the untraced entries rest on, checked when finalization
    /// ends and sweeping is about to start: no entry names a string the sweep will free.
    #[cfg(debug_assertions)]
    pub fn assert_no_dead(&self, fc: &Finalization<'gc>) {
        for shard in self.shards.iter().flatten() {
            for (_, weak) in shard.table.borrow().iter() {
                assert!(
                    !weak.is_dead(fc),
                    "an interned string would outlive its entry"
                );
            }
        }
    }

    /// Interned strings (live, or dead but not yet pruned).
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .flatten()
            .map(|s| s.table.borrow().len())
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
