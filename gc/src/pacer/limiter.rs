//! The GC CPU limiter (Go's `mgclimit.go`): a leaky bucket that fills with collector time and
//! drains with mutator time. Collector time is every collector step, sweeping included: Go's
//! limiter counts only marking because Go sweeps lazily and cheaply beside the program, but a
//! gclox sweep step stops the program and visits every object, and under a limit below the
//! live heap back-to-back cycles spend as much time sweeping as marking (measured: counting
//! marking alone, a 16 MiB limit over a 21 MB live heap still ran 1.9× the unlimited time). While it is full, the heap driver skips collector steps, so the
//! collector's share of the time stays near 50 % however low the memory limit: a limit below
//! the live heap makes the program slower and its heap larger than the limit, instead of a
//! death spiral of back-to-back cycles.
//!
//! The bucket never goes below empty, so time without collection earns no credit for later
//! (Go: an idle day must not pay for tomorrow's spiral); its capacity is the only leeway.
//!
//! Go's capacity is 1 CPU-second per P. gclox uses 150 ms: its runs are seconds long rather
//! than days, and a one-second bucket would let a short run spend its whole length over the
//! limit before the limiter acted. 100 ms (tried first) acted on runs whose collector share
//! merely hovered around half — a churn under a 40 MiB limit it could meet — and let their
//! heap overshoot the limit (peak RSS 1.10× the limit instead of 0.98×). 250 ms (used next)
//! was a sixth of a 1.5 s run spent over half: once the unlimited churn had become faster, a
//! 16 MiB limit over its 21 MB live heap ran 2.06× and 2.11× the unlimited time; 150 ms gives
//! 1.82× and 1.74×, the 40 MiB run still peaking at 0.978× its limit
//! (`experiments/memlimit_check.py --rounds 3`, two runs each, 2026-12-03).

use std::time::Duration;

/// Bucket capacity: how much collector time beyond the mutator's the limiter tolerates.
pub const CAPACITY: Duration = Duration::from_millis(150);

#[derive(Debug, Clone, Default)]
pub struct CpuLimiter {
    fill: Duration,
    /// Collector time of the latest update that had any: the size of the next step, expected.
    last_step: Duration,
    /// Whether the bucket was full at the last update (steps are being skipped).
    limiting: bool,
    /// Collector time that found the bucket already full (Go's `overflow`).
    overflow: Duration,
    /// Updates that found the limiter on.
    limited_updates: u64,
}

impl CpuLimiter {
    /// Adds `collector` time and drains `mutator` time (their difference, as Go's
    /// `accumulate`); returns whether the limiter is on: the bucket has no room for another
    /// step as long as the last (`collector`). Go turns assists off while its bucket is full
    /// and lets its 25 % background workers go on; gclox has only steps, so it holds each one
    /// back until the mutator has earned it, which caps the collector at half the time.
    pub fn update(&mut self, mutator: Duration, collector: Duration) -> bool {
        if collector >= mutator {
            let net = collector - mutator;
            let headroom = CAPACITY - self.fill;
            if net >= headroom {
                self.overflow += net - headroom;
                self.fill = CAPACITY;
            } else {
                self.fill += net;
            }
        } else {
            self.fill = self.fill.saturating_sub(mutator - collector);
        }
        if !collector.is_zero() {
            self.last_step = collector;
        }
        self.limiting = self.fill + self.last_step > CAPACITY;
        self.limited_updates += u64::from(self.limiting);
        self.limiting
    }

    /// Whether collector steps are being skipped.
    pub fn limiting(&self) -> bool {
        self.limiting
    }

    /// Collector time spent while the bucket was full.
    pub fn overflow(&self) -> Duration {
        self.overflow
    }

    pub fn fill(&self) -> Duration {
        self.fill
    }

    /// How many updates found the limiter on.
    pub fn limited_updates(&self) -> u64 {
        self.limited_updates
    }
}
