//! Tables keyed by interned strings: instance fields and class methods.
//!
//! Keys compare by identity (interning makes identity equal to content equality). Lox never
//! deletes a field or method, so a table is an append-only vector of entries; small tables —
//! almost every instance — are searched linearly by pointer, which beats hashing for a handful
//! of entries. Past [`LINEAR_MAX`] entries a hashbrown index over the entry positions, keyed
//! by each string's precomputed hash, takes over.
//!
//! The first [`INLINE`] entries live inside the table itself, so inside the instance or class
//! object: an instance with up to four fields is one allocation, not two. That halves what the
//! sweep frees per such instance and keeps what marking reads in the object's own block. The
//! next [`CHUNK`] entries share one `Spill` allocation with the (rare) rest and the index, so
//! an instance with up to `INLINE + CHUNK` fields is still two allocations, as when all entries
//! were in one buffer. The table is `repr(C)` with the spill pointer first: freeing a dead
//! instance reads only that pointer, in the same cache line as gc-arena's object header.
//!
//! Why four inline: with two, a four-field instance (the book's binary_trees and trees) spilled
//! when its third field was set — after its subtrees were built, so far from the object in
//! memory — and ran 20-28 % slower than with one buffer allocated at the first field.

use gc_arena::{Collect, Gc};
use hashbrown::HashTable;

use crate::value::Str;

/// The most entries searched linearly before the hash index is built.
pub const LINEAR_MAX: usize = 8;

/// Entries stored inside the table itself.
pub const INLINE: usize = 4;

/// Entries stored at the start of the spill allocation.
pub const CHUNK: usize = 4;

// The index is built only once the inline slots and the chunk are full, so a table with an
// index has exactly `INLINE + CHUNK + more.len()` entries (see `Table::insert`).
const _: () = assert!(LINEAR_MAX == INLINE + CHUNK);

type Entry<'gc, V> = (Str<'gc>, V);

#[derive(Collect, Clone)]
#[collect(no_drop)]
#[repr(C)]
pub struct Table<'gc, V: Collect<'gc> + Copy> {
    /// Entries past the first [`INLINE`], and the index; `None` while the table is small.
    spill: Option<Box<Spill<'gc, V>>>,
    /// The first entries, filled in order: a `None` is followed only by `None`s.
    inline: [Option<Entry<'gc, V>>; INLINE],
}

/// The part of a table that outgrew the inline slots: entry `INLINE + i` is `chunk[i]` for
/// `i < CHUNK`, then `more[i - CHUNK]`.
#[derive(Collect, Clone)]
#[collect(no_drop)]
struct Spill<'gc, V: Collect<'gc> + Copy> {
    chunk: [Option<Entry<'gc, V>>; CHUNK],
    more: Vec<Entry<'gc, V>>,
    /// Positions of all entries (inline ones included), hashed by key; `None` until the table
    /// outgrows linear search.
    #[collect(require_static)]
    index: Option<Box<HashTable<u32>>>,
}

impl<'gc, V: Collect<'gc> + Copy> Default for Table<'gc, V> {
    fn default() -> Self {
        Table {
            spill: None,
            inline: [None; INLINE],
        }
    }
}

/// A remembered entry position (an inline cache), one per name constant of a function: the
/// instructions of that function that look the name up share it. Tables never move or
/// delete entries, so a position stays valid for the table it came from; for any other table
/// it is only a guess, verified by comparing the key before it is used.
pub type Hint = std::cell::Cell<u32>;

/// The entry at position `i` of a table made of `inline` slots and `spill`.
#[inline]
fn entry_in<'a, 'gc, V: Collect<'gc> + Copy>(
    inline: &'a [Option<Entry<'gc, V>>; INLINE],
    spill: Option<&'a Spill<'gc, V>>,
    i: usize,
) -> Option<&'a Entry<'gc, V>> {
    if i < INLINE {
        return inline[i].as_ref();
    }
    let spill = spill?;
    let i = i - INLINE;
    if i < CHUNK {
        spill.chunk[i].as_ref()
    } else {
        spill.more.get(i - CHUNK)
    }
}

impl<'gc, V: Collect<'gc> + Copy> Table<'gc, V> {
    #[inline]
    fn entry(&self, i: usize) -> Option<&Entry<'gc, V>> {
        entry_in(&self.inline, self.spill.as_deref(), i)
    }

    #[inline]
    fn entry_mut(&mut self, i: usize) -> Option<&mut Entry<'gc, V>> {
        if i < INLINE {
            return self.inline[i].as_mut();
        }
        let spill = self.spill.as_deref_mut()?;
        let i = i - INLINE;
        if i < CHUNK {
            spill.chunk[i].as_mut()
        } else {
            spill.more.get_mut(i - CHUNK)
        }
    }

    #[inline]
    pub fn get(&self, key: Str<'gc>) -> Option<V> {
        self.position(key).and_then(|i| self.entry(i)).map(|e| e.1)
    }

    /// [`Table::get`], trying the position in `hint` first and remembering the one found.
    #[inline]
    pub fn get_hinted(&self, key: Str<'gc>, hint: &Hint) -> Option<V> {
        if let Some(&(k, v)) = self.entry(hint.get() as usize) {
            if Gc::ptr_eq(k, key) {
                return Some(v);
            }
        }
        let i = self.position(key)?;
        hint.set(i as u32);
        self.entry(i).map(|e| e.1)
    }

    /// [`Table::set`], trying the position in `hint` first.
    #[inline]
    pub fn set_hinted(&mut self, key: Str<'gc>, value: V, hint: &Hint) -> usize {
        if let Some(entry) = self.entry_mut(hint.get() as usize) {
            if Gc::ptr_eq(entry.0, key) {
                entry.1 = value;
                return 0;
            }
        }
        let (position, grew) = self.insert(key, value);
        hint.set(position as u32);
        grew
    }

    /// Sets `key` to `value`. Returns how many bytes the table's buffers grew by (0 unless
    /// the key was new and a buffer had to grow), for the allocation accounting.
    pub fn set(&mut self, key: Str<'gc>, value: V) -> usize {
        self.insert(key, value).1
    }

    /// [`Table::set`], also returning the entry's position.
    fn insert(&mut self, key: Str<'gc>, value: V) -> (usize, usize) {
        // Where the key is, or else where it goes: the number of entries. A small table finds
        // both in one scan; one with an index has its inline slots and chunk full. (Routing
        // `position` through a shared find-or-length scan instead measured 1-3 % more
        // instructions on the field benchmarks.)
        let found = match self.spill.as_deref() {
            Some(spill) if spill.index.is_some() => {
                self.position(key).ok_or(INLINE + CHUNK + spill.more.len())
            }
            _ => {
                let mut i = 0;
                loop {
                    match self.entry(i) {
                        Some(&(k, _)) if Gc::ptr_eq(k, key) => break Ok(i),
                        Some(_) => i += 1,
                        None => break Err(i),
                    }
                }
            }
        };
        let position = match found {
            Ok(i) => {
                if let Some(entry) = self.entry_mut(i) {
                    entry.1 = value;
                }
                return (i, 0);
            }
            Err(len) => len,
        };
        debug_assert_eq!(position, self.len());
        if position < INLINE {
            self.inline[position] = Some((key, value));
            return (position, 0);
        }
        let before = self.owned_bytes();
        let spill = self.spill.get_or_insert_with(|| {
            Box::new(Spill {
                chunk: [None; CHUNK],
                more: Vec::new(),
                index: None,
            })
        });
        let i = position - INLINE;
        if i < CHUNK {
            spill.chunk[i] = Some((key, value));
        } else {
            spill.more.push((key, value));
        }
        if position + 1 > LINEAR_MAX {
            self.index_new_entry(position);
        }
        (position, self.owned_bytes() - before)
    }

    /// Adds the entry at `position` (the newest) to the index, building the index first if the
    /// table has just outgrown linear search.
    fn index_new_entry(&mut self, position: usize) {
        let Table { spill, inline } = self;
        let Some(spill) = spill.as_deref_mut() else {
            return;
        };
        let mut index = spill.index.take().unwrap_or_default();
        let first = if index.is_empty() { 0 } else { position };
        {
            let spill = &*spill;
            let key_at = |i: u32| {
                entry_in(inline, Some(spill), i as usize)
                    .expect("indexed entries exist")
                    .0
                    .hash()
            };
            for i in first..=position {
                index.insert_unique(key_at(i as u32), i as u32, |&j| key_at(j));
            }
        }
        spill.index = Some(index);
    }

    /// Copies every entry of `other` into this table (clox's `tableAddAll`, for inheritance).
    /// Returns how many bytes the buffers grew by.
    pub fn add_all(&mut self, other: &Table<'gc, V>) -> usize {
        other.iter().map(|(key, value)| self.set(key, value)).sum()
    }

    pub fn len(&self) -> usize {
        let inline = self.inline.iter().filter(|e| e.is_some()).count();
        self.spill.as_ref().map_or(inline, |s| {
            inline + s.chunk.iter().filter(|e| e.is_some()).count() + s.more.len()
        })
    }

    pub fn is_empty(&self) -> bool {
        self.inline[0].is_none()
    }

    pub fn iter(&self) -> impl Iterator<Item = (Str<'gc>, V)> + '_ {
        let (chunk, more) = match self.spill.as_deref() {
            Some(s) => (&s.chunk[..], &s.more[..]),
            None => (&[][..], &[][..]),
        };
        self.inline
            .iter()
            .chain(chunk)
            .flatten()
            .chain(more)
            .copied()
    }

    /// Heap bytes owned by the table outside its own object: the spill allocation, its
    /// buffer and its index (inline entries are part of the object).
    pub fn owned_bytes(&self) -> usize {
        self.spill.as_ref().map_or(0, |s| {
            std::mem::size_of::<Spill<'gc, V>>()
                + s.more.capacity() * std::mem::size_of::<Entry<'gc, V>>()
                + s.index.as_ref().map_or(0, |index| {
                    std::mem::size_of::<HashTable<u32>>() + index.allocation_size()
                })
        })
    }

    #[inline]
    fn position(&self, key: Str<'gc>) -> Option<usize> {
        let spill = self.spill.as_deref();
        if let Some(index) = spill.and_then(|s| s.index.as_deref()) {
            return index
                .find(key.hash(), |&i| {
                    entry_in(&self.inline, spill, i as usize).is_some_and(|e| Gc::ptr_eq(e.0, key))
                })
                .map(|&i| i as usize);
        }
        let mut i = 0;
        while let Some(&(k, _)) = self.entry(i) {
            if Gc::ptr_eq(k, key) {
                return Some(i);
            }
            i += 1;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use gc_arena::{Arena, Gc, Mutation, Rootable};

    use super::{Hint, Table, INLINE, LINEAR_MAX};
    use crate::object::LoxStr;
    use crate::value::Str;

    /// `n` distinct keys, `k0` to `k{n-1}`.
    fn keys<'gc>(mc: &Mutation<'gc>, n: usize) -> Vec<Str<'gc>> {
        (0..n)
            .map(|i| Gc::new(mc, LoxStr::new(format!("k{i}").into())))
            .collect()
    }

    /// Every size from empty to well past the index threshold: lookups by key and by (stale)
    /// hint, insertion order, and `owned_bytes` equal to the sum of the reported growth.
    #[test]
    fn entries_survive_spilling_and_indexing_and_growth_is_accounted() {
        let arena = Arena::<Rootable![()]>::new(|_| ());
        arena.mutate(|mc, _| {
            let keys = keys(mc, 3 * LINEAR_MAX);
            let missing = Gc::new(mc, LoxStr::new("missing".into()));
            let mut table: Table<'_, u32> = Table::default();
            let mut grown = 0;
            assert!(table.is_empty());
            for (n, &key) in keys.iter().enumerate() {
                grown += table.set(key, n as u32);
                assert_eq!(table.len(), n + 1);
                assert_eq!(table.owned_bytes(), grown);
                if n < INLINE {
                    assert_eq!(grown, 0, "the first {INLINE} entries are inline");
                }
                for (m, &k) in keys[..=n].iter().enumerate() {
                    assert_eq!(table.get(k), Some(m as u32));
                    let stale = Hint::new((n - m) as u32);
                    assert_eq!(table.get_hinted(k, &stale), Some(m as u32));
                    assert_eq!(stale.get(), m as u32);
                }
                assert_eq!(table.get(missing), None);
                assert_eq!(table.get_hinted(missing, &Hint::new(u32::MAX)), None);
                // Setting an existing key again, at every size: same position, no growth.
                let first = Hint::new(u32::MAX);
                assert_eq!(table.set_hinted(keys[0], 0, &first), 0);
                assert_eq!(first.get(), 0);
                assert_eq!(table.set(keys[n], n as u32), 0);
                assert_eq!(table.len(), n + 1);
            }
            // Overwrites: through a hint, through a wrong hint, without one; no growth.
            let hint = Hint::new(0);
            assert_eq!(table.set_hinted(keys[5], 500, &hint), 0);
            assert_eq!(hint.get(), 5);
            assert_eq!(table.set_hinted(keys[5], 501, &hint), 0);
            assert_eq!(table.set(keys[0], 100), 0);
            assert_eq!(table.get(keys[5]), Some(501));
            assert_eq!(table.get(keys[0]), Some(100));
            let order: Vec<u32> = table.iter().map(|(_, v)| v).collect();
            let mut expected: Vec<u32> = (0..keys.len() as u32).collect();
            expected[0] = 100;
            expected[5] = 501;
            assert_eq!(order, expected);
            // Copies keep order and values.
            let mut copy: Table<'_, u32> = Table::default();
            let copied = copy.add_all(&table);
            assert_eq!(copied, copy.owned_bytes());
            let pointers = |t: &Table<'_, u32>| -> Vec<_> {
                t.iter().map(|(k, v)| (Gc::as_ptr(k), v)).collect()
            };
            assert_eq!(pointers(&copy), pointers(&table));
        });
    }

    /// New keys through `set_hinted`'s miss path: growth reported exactly, and the hint left
    /// pointing at the new entry (the INVOKE/SET_PROPERTY caches rely on it).
    #[test]
    fn a_new_key_through_a_hint_reports_growth_and_updates_the_hint() {
        let arena = Arena::<Rootable![()]>::new(|_| ());
        arena.mutate(|mc, _| {
            let keys = keys(mc, 3 * LINEAR_MAX);
            let mut table: Table<'_, u32> = Table::default();
            for (i, &key) in keys.iter().enumerate() {
                let before = table.owned_bytes();
                let hint = Hint::new(u32::MAX);
                let grew = table.set_hinted(key, i as u32, &hint);
                assert_eq!(grew, table.owned_bytes() - before, "key {i}");
                assert_eq!(hint.get() as usize, i, "key {i}");
                assert_eq!(table.get_hinted(key, &hint), Some(i as u32));
            }
        });
    }
}
