//! Tables keyed by interned strings: instance fields and class methods.
//!
//! Keys compare by identity (interning makes identity equal to content equality). Lox never
//! deletes a field or method, so a table is an append-only vector of entries; small tables —
//! almost every instance — are searched linearly by pointer, which beats hashing for a handful
//! of entries. Past [`LINEAR_MAX`] entries a hashbrown index over the entry positions, keyed
//! by each string's precomputed hash, takes over.
//!
//! The first [`INLINE`] entries live inside the table itself, so inside the instance or class
//! object: an instance with one or two fields is one allocation, not two. That halves what the
//! sweep frees per instance and keeps everything marking reads in the object's own block.
//! Later entries and the index go to a separate [`Spill`] allocation. The table is `repr(C)`
//! with the spill pointer first: freeing a dead instance reads only that pointer, which then
//! sits in the same cache line as gc-arena's object header the sweep has just read.

use gc_arena::{Collect, Gc};
use hashbrown::HashTable;

use crate::value::Str;

/// The most entries searched linearly before the hash index is built.
pub const LINEAR_MAX: usize = 8;

/// Entries stored inside the table itself.
pub const INLINE: usize = 2;

#[derive(Collect, Clone)]
#[collect(no_drop)]
#[repr(C)]
pub struct Table<'gc, V: Collect<'gc> + Copy> {
    /// Entries past the first [`INLINE`], and the index; `None` while the table is small.
    spill: Option<Box<Spill<'gc, V>>>,
    /// The first entries, filled in order: a `None` is followed only by `None`s.
    inline: [Option<(Str<'gc>, V)>; INLINE],
}

/// The part of a table that outgrew the inline slots: entry `INLINE + i` is `entries[i]`.
#[derive(Collect, Clone)]
#[collect(no_drop)]
struct Spill<'gc, V: Collect<'gc> + Copy> {
    entries: Vec<(Str<'gc>, V)>,
    /// Positions of all entries (inline ones included), hashed by key; empty until the table
    /// outgrows linear search.
    #[collect(require_static)]
    index: HashTable<u32>,
}

impl<'gc, V: Collect<'gc> + Copy> Default for Table<'gc, V> {
    fn default() -> Self {
        Table {
            spill: None,
            inline: [None; INLINE],
        }
    }
}

/// A remembered entry position for one instruction (an inline cache). Tables never move or
/// delete entries, so a position stays valid for the table it came from; for any other table
/// it is only a guess, verified by comparing the key before it is used.
pub type Hint = std::cell::Cell<u32>;

/// The key at position `i` of a table split into `inline` and `spilled` entries.
#[inline]
fn key_at<'gc, V: Copy>(
    inline: &[Option<(Str<'gc>, V)>],
    spilled: &[(Str<'gc>, V)],
    i: u32,
) -> u64 {
    let i = i as usize;
    let (key, _) = if i < INLINE {
        inline[i].expect("indexed entries exist")
    } else {
        spilled[i - INLINE]
    };
    key.hash()
}

impl<'gc, V: Collect<'gc> + Copy> Table<'gc, V> {
    #[inline]
    fn entry(&self, i: usize) -> Option<&(Str<'gc>, V)> {
        if i < INLINE {
            self.inline[i].as_ref()
        } else {
            self.spill.as_ref()?.entries.get(i - INLINE)
        }
    }

    #[inline]
    fn entry_mut(&mut self, i: usize) -> Option<&mut (Str<'gc>, V)> {
        if i < INLINE {
            self.inline[i].as_mut()
        } else {
            self.spill.as_mut()?.entries.get_mut(i - INLINE)
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
            if let Some(entry) = self.entry_mut(i) {
                entry.1 = value;
            }
            return 0;
        }
        let position = self.len();
        if position < INLINE {
            self.inline[position] = Some((key, value));
            return 0;
        }
        let before = self.owned_bytes();
        let Table { spill, inline } = self;
        let Spill { entries, index } = &mut **spill.get_or_insert_with(|| {
            Box::new(Spill {
                entries: Vec::new(),
                index: HashTable::new(),
            })
        });
        entries.push((key, value));
        if position + 1 > LINEAR_MAX {
            if index.is_empty() {
                for i in 0..=position as u32 {
                    index.insert_unique(key_at(inline, entries, i), i, |&j| {
                        key_at(inline, entries, j)
                    });
                }
            } else {
                index.insert_unique(key.hash(), position as u32, |&j| key_at(inline, entries, j));
            }
        }
        self.owned_bytes() - before
    }

    /// Copies every entry of `other` into this table (clox's `tableAddAll`, for inheritance).
    /// Returns how many bytes the buffers grew by.
    pub fn add_all(&mut self, other: &Table<'gc, V>) -> usize {
        other.iter().map(|(key, value)| self.set(key, value)).sum()
    }

    pub fn len(&self) -> usize {
        match &self.spill {
            Some(spill) => INLINE + spill.entries.len(),
            None => self.inline.iter().filter(|e| e.is_some()).count(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.inline[0].is_none()
    }

    pub fn iter(&self) -> impl Iterator<Item = (Str<'gc>, V)> + '_ {
        let spilled = self.spill.as_ref().map_or(&[][..], |s| &s.entries[..]);
        self.inline.iter().flatten().chain(spilled).copied()
    }

    /// Heap bytes owned by the table outside its own object: the spill allocation and its
    /// buffers (inline entries are part of the object).
    pub fn owned_bytes(&self) -> usize {
        self.spill.as_ref().map_or(0, |s| {
            std::mem::size_of::<Spill<'gc, V>>()
                + s.entries.capacity() * std::mem::size_of::<(Str<'gc>, V)>()
                + s.index.allocation_size()
        })
    }

    #[inline]
    fn position(&self, key: Str<'gc>) -> Option<usize> {
        for (i, entry) in self.inline.iter().enumerate() {
            match entry {
                Some((k, _)) if Gc::ptr_eq(*k, key) => return Some(i),
                Some(_) => {}
                None => return None,
            }
        }
        let spill = self.spill.as_ref()?;
        if spill.index.is_empty() {
            spill
                .entries
                .iter()
                .position(|(k, _)| Gc::ptr_eq(*k, key))
                .map(|i| i + INLINE)
        } else {
            let (inline, entries) = (&self.inline, &spill.entries);
            spill
                .index
                .find(key.hash(), |&i| {
                    let i = i as usize;
                    let k = if i < INLINE {
                        inline[i].map(|e| e.0)
                    } else {
                        entries.get(i - INLINE).map(|e| e.0)
                    };
                    k.is_some_and(|k| Gc::ptr_eq(k, key))
                })
                .map(|&i| i as usize)
        }
    }
}

#[cfg(test)]
mod tests {
    use gc_arena::{Arena, Gc, Rootable};

    use super::{Hint, Table, INLINE, LINEAR_MAX};
    use crate::object::LoxStr;

    /// Every size from empty to well past the index threshold: lookups by key and by (stale)
    /// hint, insertion order, and `owned_bytes` equal to the sum of the reported growth.
    #[test]
    fn entries_survive_spilling_and_indexing_and_growth_is_accounted() {
        let arena = Arena::<Rootable![()]>::new(|_| ());
        arena.mutate(|mc, _| {
            let keys: Vec<_> = (0..3 * LINEAR_MAX)
                .map(|i| Gc::new(mc, LoxStr::new(format!("k{i}").into())))
                .collect();
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
}
