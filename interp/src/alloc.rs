//! Allocation counting for the one allocation entry point, [`crate::vm::Env::alloc`]: every
//! script object is created there, and it charges the object's footprint — gc-arena's
//! per-object header, the value itself, and the buffers the value owns
//! ([`crate::object::HeapObject`]) — through [`Allocator::charge`] to the runtime's
//! [`Accounting`], to the current slice's allocation budget, and to the heap-profile sampling
//! countdown. The VM ends a slice when that budget is spent, so the collector catches up before
//! much more is allocated. Every object type reports the same footprint when it is dropped
//! (`object.rs`), so live bytes are exact.

use std::rc::Rc;

use gclox_gc::Accounting;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

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
    /// Bytes the VM held outside the arena when the slice began (stacks, globals, names,
    /// profiler sites): the hard limit counts them beside the heap.
    pub host_bytes: u64,
    /// Set by the host after a collection made for a failed reservation: the retried
    /// reservation fails for good if it still does not fit.
    pub collected_for_reservation: bool,
    /// Heap-profile sampling: bytes left before the next sample (Go's MemProfileRate
    /// countdown), or `None` when sampling is off.
    sampling: Option<Countdown>,
}

/// Exponentially distributed gaps between samples, averaging `rate` bytes, so that every byte
/// allocated has the same chance of being sampled (Go's `fastexprand`). Seeded, so runs repeat.
struct Countdown {
    rate: u64,
    left: i64,
    rng: SmallRng,
}

impl Countdown {
    fn gap(&mut self) -> i64 {
        if self.rate <= 1 {
            return 0;
        }
        let u: f64 = self.rng.random_range(f64::MIN_POSITIVE..1.0);
        (-u.ln() * self.rate as f64).min(i64::MAX as f64 / 2.0) as i64
    }
}

impl Allocator {
    /// `sample_rate`: bytes per heap-profile sample on average (1: every allocation; 0: off).
    pub fn new(
        accounting: Rc<Accounting>,
        slice_budget: usize,
        max_heap: Option<u64>,
        sample_rate: u64,
    ) -> Self {
        let sampling = (sample_rate > 0).then(|| {
            let mut countdown = Countdown {
                rate: sample_rate,
                left: 0,
                rng: SmallRng::seed_from_u64(0x0067_636c_6f78),
            };
            countdown.left = countdown.gap();
            countdown
        });
        Allocator {
            accounting,
            slice_bytes: 0,
            slice_budget,
            max_heap,
            host_bytes: 0,
            collected_for_reservation: false,
            sampling,
        }
    }

    /// The heap-profile sampling rate in bytes (0: off).
    pub fn sample_rate(&self) -> u64 {
        self.sampling.as_ref().map_or(0, |c| c.rate)
    }

    pub fn accounting(&self) -> &Accounting {
        &self.accounting
    }

    /// Accounts for a new object of `size` bytes. Returns true when this allocation is to be
    /// sampled for the heap profile.
    #[inline]
    pub fn charge(&mut self, size: usize) -> bool {
        self.accounting.allocated(size);
        self.slice_bytes += size;
        self.countdown(size)
    }

    /// Accounts for an object's buffer growing by `bytes` after it was allocated (a field
    /// table gaining room for more entries). Returns true when the growth is to be sampled.
    #[inline]
    pub fn charge_growth(&mut self, bytes: usize) -> bool {
        self.accounting.grew(bytes);
        self.slice_bytes += bytes;
        self.countdown(bytes)
    }

    /// Accounts for memory the VM holds outside the arena having grown by `bytes` (the value
    /// stack): not heap bytes, but it spends the slice's allocation budget all the same.
    #[inline]
    pub fn charge_host_growth(&mut self, bytes: usize) {
        self.slice_bytes += bytes;
    }

    #[inline]
    fn countdown(&mut self, bytes: usize) -> bool {
        let Some(countdown) = self.sampling.as_mut() else {
            return false;
        };
        countdown.left -= bytes as i64;
        if countdown.left > 0 {
            return false;
        }
        countdown.left += countdown.gap();
        // One sample per allocation at most; never let the countdown run far behind.
        countdown.left = countdown.left.max(0);
        true
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
        if self.accounting.live_bytes() + self.host_bytes + bytes <= max {
            self.collected_for_reservation = false;
            return Reservation::Granted;
        }
        if std::mem::take(&mut self.collected_for_reservation) {
            Reservation::OutOfMemory
        } else {
            Reservation::CollectFirst
        }
    }

    /// Bytes left under the hard heap limit after the live heap and `host` bytes held
    /// outside it (`None`: no limit).
    pub fn headroom(&self, host: u64) -> Option<u64> {
        let max = self.max_heap?;
        Some(max.saturating_sub(self.accounting.live_bytes() + host))
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
