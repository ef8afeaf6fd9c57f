//! Byte accounting of a script heap, per runtime.
//!
//! gc-arena counts objects only. Each runtime keeps an [`Accounting`] of its own: the
//! allocation entry point adds every object's footprint (header + value + owned buffers) when
//! it allocates, and every object type reports the same footprint when it is dropped, through
//! [`note_freed`]. Objects are dropped only while the collector runs (a sweep, or the arena
//! being dropped), and the [`crate::Heap`] routes those reports to its own `Accounting` for
//! exactly that time ([`FreeScope`]), so two runtimes — on one thread or many — never mix, and
//! no global allocator is needed.

use std::cell::Cell;
use std::rc::Rc;

/// Counters of one heap, in bytes and objects. Shared (`Rc`) between the heap driver and the
/// allocation entry point inside the arena root.
#[derive(Debug, Default)]
pub struct Accounting {
    allocated_bytes: Cell<u64>,
    allocated_objects: Cell<u64>,
    /// Reported by `Drop`s.
    freed_bytes: Cell<u64>,
    freed_objects: Cell<u64>,
    /// Of those, dropped by the last sweep but still allocated (see [`Retained`]).
    held: Cell<Retained>,
}

impl Accounting {
    /// Records a new object of `bytes` footprint.
    #[inline]
    pub fn allocated(&self, bytes: usize) {
        self.allocated_bytes
            .set(self.allocated_bytes.get() + bytes as u64);
        self.allocated_objects.set(self.allocated_objects.get() + 1);
    }

    /// Records that a live object's buffers grew by `bytes`.
    #[inline]
    pub fn grew(&self, bytes: usize) {
        self.allocated_bytes
            .set(self.allocated_bytes.get() + bytes as u64);
    }

    /// Bytes allocated since the heap was created (Go's `TotalAlloc`).
    pub fn total_alloc(&self) -> u64 {
        self.allocated_bytes.get()
    }

    /// Objects allocated since the heap was created (Go's `Mallocs`).
    pub fn mallocs(&self) -> u64 {
        self.allocated_objects.get()
    }

    /// Bytes freed since the heap was created.
    #[inline]
    pub fn freed_bytes(&self) -> u64 {
        self.freed_bytes.get().saturating_sub(self.held.get().bytes)
    }

    /// Objects freed since the heap was created (Go's `Frees`).
    pub fn frees(&self) -> u64 {
        self.freed_objects
            .get()
            .saturating_sub(self.held.get().objects)
    }

    /// Bytes of objects allocated and not yet freed (Go's `HeapAlloc`).
    #[inline]
    pub fn live_bytes(&self) -> u64 {
        self.allocated_bytes.get() - self.freed_bytes()
    }

    /// Objects allocated and not yet freed (Go's `HeapObjects`).
    pub fn live_objects(&self) -> u64 {
        self.allocated_objects.get() - self.frees()
    }

    /// At a cycle's end: `retained` is what this cycle's sweep dropped but kept allocated, which
    /// replaces what the previous sweep kept (this sweep freed it).
    pub fn hold(&self, retained: Retained) {
        self.held.set(retained);
    }
}

thread_local! {
    /// Bytes and objects freed on this thread since the innermost [`FreeScope`] began. Plain
    /// cells rather than a handle to the heap: a sweep frees many objects, and each report
    /// should cost two additions.
    static FREED: Cell<(u64, u64)> = const { Cell::new((0, 0)) };
}

/// Called from an object's `Drop` with the footprint it was accounted with. Outside a
/// [`FreeScope`] (nothing is being collected) the report is dropped when the next scope
/// begins.
#[inline]
pub fn note_freed(bytes: usize) {
    FREED.with(|freed| {
        let (b, n) = freed.get();
        freed.set((b + bytes as u64, n + 1));
    });
}

/// Objects whose memory outlives their drop by one cycle: gc-arena drops an unreachable object
/// that a weak pointer still referenced when marking ended, but frees its allocation only in
/// the next cycle's sweep. Their `Drop` reports them freed as usual; the weak tables that
/// referenced them count the object allocations they keep (`HeapRoot::finalize`), and the heap
/// [`Accounting::hold`]s those bytes as live until the next cycle ends.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Retained {
    pub bytes: u64,
    pub objects: u64,
}

impl std::ops::AddAssign for Retained {
    fn add_assign(&mut self, other: Retained) {
        self.bytes += other.bytes;
        self.objects += other.objects;
    }
}

/// While alive, collects [`note_freed`] reports on this thread; when dropped, adds them to one
/// heap's accounting. Scopes nest: an inner scope's frees go to the inner heap only.
pub struct FreeScope {
    accounting: Rc<Accounting>,
    outer: (u64, u64),
}

impl FreeScope {
    pub fn enter(accounting: &Rc<Accounting>) -> FreeScope {
        let outer = FREED.with(|freed| freed.replace((0, 0)));
        FreeScope {
            accounting: accounting.clone(),
            outer,
        }
    }
}

impl Drop for FreeScope {
    fn drop(&mut self) {
        let (bytes, objects) = FREED.with(|freed| freed.replace(self.outer));
        let a = &self.accounting;
        a.freed_bytes.set(a.freed_bytes.get() + bytes);
        a.freed_objects.set(a.freed_objects.get() + objects);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frees_go_to_the_scoped_heap_only() {
        let a = Rc::new(Accounting::default());
        let b = Rc::new(Accounting::default());
        a.allocated(100);
        b.allocated(50);
        note_freed(10); // outside any scope: ignored
        {
            let _scope = FreeScope::enter(&a);
            note_freed(40);
            {
                let _inner = FreeScope::enter(&b);
                note_freed(50);
            }
            note_freed(20);
        }
        assert_eq!((a.live_bytes(), a.frees()), (40, 2));
        assert_eq!((b.live_bytes(), b.live_objects()), (0, 0));
    }
}
