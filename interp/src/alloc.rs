//! The one allocation entry point: every script object is created by [`Allocator::alloc`].
//!
//! It charges the object's footprint — gc-arena's per-object header, the value itself, and
//! the buffers the value owns ([`OwnedBytes`]) — to the runtime's [`Accounting`] and to the
//! current slice's allocation budget. The VM ends a slice when that budget is spent, so the
//! collector catches up before much more is allocated. Every object type reports the same
//! footprint when it is dropped (`object.rs`), so live bytes are exact.

use std::rc::Rc;

use gc_arena::{Collect, Gc, Mutation};
use gclox_gc::Accounting;

use crate::object::OwnedBytes;

/// Bytes gc-arena 0.7 adds in front of every object (its `GcBoxHeader`).
pub const GC_HEADER_BYTES: usize = 16;

/// The footprint of an object of type `T` (as allocated) owning `owned` bytes of buffers.
#[inline]
pub fn footprint<T>(owned: usize) -> usize {
    GC_HEADER_BYTES + std::mem::size_of::<T>() + owned
}

/// What a large allocation may do under a hard heap limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    /// It fits.
    Granted,
    /// It does not fit now; a full collection may make room (end the slice and retry).
    CollectFirst,
    /// It cannot fit, even after a full collection.
    OutOfMemory,
}

/// The allocation path of one runtime (host data, no arena pointers).
pub struct Allocator {
    accounting: Rc<Accounting>,
    /// Bytes allocated in the current slice.
    slice_bytes: usize,
    /// Bytes a slice may allocate before it yields to the collector.
    slice_budget: usize,
    /// The hard heap limit, bytes.
    max_heap: Option<u64>,
    /// Set by the host after a collection made for a failed reservation: the retried
    /// reservation fails for good if it still does not fit.
    pub collected_for_reservation: bool,
}

impl Allocator {
    pub fn new(accounting: Rc<Accounting>, slice_budget: usize, max_heap: Option<u64>) -> Self {
        Allocator {
            accounting,
            slice_bytes: 0,
            slice_budget,
            max_heap,
            collected_for_reservation: false,
        }
    }

    pub fn accounting(&self) -> &Accounting {
        &self.accounting
    }

    /// Allocates `value` in the arena and accounts for it.
    #[inline]
    pub fn alloc<'gc, T: Collect<'gc> + OwnedBytes + 'gc>(
        &mut self,
        mc: &Mutation<'gc>,
        value: T,
    ) -> Gc<'gc, T> {
        let size = footprint::<T>(value.owned_bytes());
        self.accounting.allocated(size);
        self.slice_bytes += size;
        Gc::new(mc, value)
    }

    /// Accounts for an object's buffer growing after it was allocated (a field table gaining
    /// room for more entries).
    #[inline]
    pub fn grew(&mut self, bytes: usize) {
        if bytes != 0 {
            self.accounting.grew(bytes);
            self.slice_bytes += bytes;
        }
    }

    /// Asks whether an allocation of `bytes` may happen under the hard heap limit. Used before
    /// allocations whose size the program controls (string concatenation).
    pub fn reserve(&mut self, bytes: usize) -> Reservation {
        let Some(max) = self.max_heap else {
            return Reservation::Granted;
        };
        let bytes = bytes as u64;
        if bytes > max {
            return Reservation::OutOfMemory;
        }
        if self.accounting.live_bytes() + bytes <= max {
            self.collected_for_reservation = false;
            return Reservation::Granted;
        }
        if std::mem::take(&mut self.collected_for_reservation) {
            Reservation::OutOfMemory
        } else {
            Reservation::CollectFirst
        }
    }

    /// Whether this slice has allocated its budget.
    #[inline]
    pub fn over_budget(&self) -> bool {
        self.slice_bytes >= self.slice_budget
    }

    /// Makes the current slice end after this instruction.
    pub fn end_slice(&mut self) {
        self.slice_bytes = self.slice_budget;
    }

    /// Starts a new slice's allocation budget.
    #[inline]
    pub fn begin_slice(&mut self) {
        self.slice_bytes = 0;
    }
}
