//! The one allocation entry point: every script object is created by [`Allocator::alloc`].
//!
//! It charges the object's footprint (gc-arena's per-object header, the value itself, and the
//! buffers the value owns) to the runtime's counters and to the current slice's allocation
//! budget. The VM ends a slice when that budget is spent, so the collector catches up before
//! much more is allocated.

use gc_arena::{Collect, Gc, Mutation};

use crate::object::OwnedBytes;

/// Bytes gc-arena 0.7 adds in front of every object (its `GcBoxHeader`).
pub const GC_HEADER_BYTES: usize = 16;

/// Allocation counters of one runtime (host data, no arena pointers).
#[derive(Debug, Clone, Default)]
pub struct Allocator {
    /// Objects allocated since the runtime started.
    pub objects: u64,
    /// Bytes allocated since the runtime started (footprint at allocation time).
    pub bytes: u64,
    /// Bytes allocated in the current slice.
    slice_bytes: usize,
    /// Bytes a slice may allocate before it yields to the collector.
    slice_budget: usize,
}

impl Allocator {
    pub fn new(slice_budget: usize) -> Self {
        Allocator {
            slice_budget,
            ..Allocator::default()
        }
    }

    /// Allocates `value` in the arena and accounts for it.
    #[inline]
    pub fn alloc<'gc, T: Collect<'gc> + OwnedBytes + 'gc>(
        &mut self,
        mc: &Mutation<'gc>,
        value: T,
    ) -> Gc<'gc, T> {
        let size = GC_HEADER_BYTES + std::mem::size_of::<T>() + value.owned_bytes();
        self.objects += 1;
        self.bytes += size as u64;
        self.slice_bytes += size;
        Gc::new(mc, value)
    }

    /// Accounts for an object's buffer growing after it was allocated (a field table gaining
    /// room for more entries).
    #[inline]
    pub fn grew(&mut self, bytes: usize) {
        self.bytes += bytes as u64;
        self.slice_bytes += bytes;
    }

    /// Whether this slice has allocated its budget.
    #[inline]
    pub fn over_budget(&self) -> bool {
        self.slice_bytes >= self.slice_budget
    }

    /// Starts a new slice's allocation budget.
    #[inline]
    pub fn begin_slice(&mut self) {
        self.slice_bytes = 0;
    }
}
