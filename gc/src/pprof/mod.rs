//! Heap profiles in Go's pprof format (gzipped `profile.proto`), readable by `go tool pprof`.
//!
//! The module knows nothing about the language being profiled. A caller fills a
//! [`HeapProfile`] with one [`SiteStats`] per allocation site (a stack of [`Frame`]s, innermost
//! first, plus the raw counts of the objects it sampled there) and calls
//! [`HeapProfile::encode`], which writes the profile as Go's `runtime/pprof` writes its `heap`
//! profile (`writeHeapProto` in `runtime/pprof/protomem.go`):
//!
//! - sample types, in order, `alloc_objects/count`, `alloc_space/bytes`,
//!   `inuse_objects/count`, `inuse_space/bytes`; `period_type` `space/bytes`; `period` = the
//!   sampling rate in bytes;
//! - each sample's values scaled up for sampling exactly as Go's `scaleHeapSample` does
//!   ([`scale_heap_sample`]);
//! - a numeric label `bytes=<object size>` on each sample (and, beyond Go, a string label
//!   `type=<object type>`).
//!
//! **Default sample type.** Go's `heap` profile leaves `default_sample_type` unset, and pprof
//! then shows the *last* sample type, `inuse_space`; [`HeapProfile::encode`] does the same, so
//! its output has the shape of Go's. Go's `allocs` profile is the same data with
//! `default_sample_type = alloc_space`; [`HeapProfile::encode_with_default`] writes that.
//!
//! [`HeapProfile::decode`] reads a profile back (any valid pprof profile, not only ours) into
//! a [`DecodedProfile`], and [`top`] prints the summary `go tool pprof -top` prints.
//!
//! Files: `proto.rs` (the protobuf messages), `encode.rs`, `decode.rs`, `top.rs`, `format.rs`
//! (pprof's number formats).

mod decode;
mod encode;
mod format;
mod limits;
pub mod proto;
mod top;

use std::fmt;
use std::sync::Arc;

pub use decode::{decode_proto, DecodedProfile, DecodedSample, Label, LabelValue, ValueType};
pub use encode::scale_heap_sample;
pub use top::{top, SampleIndex};

/// One stack frame: a function, its source file and the line executing in it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Frame {
    /// Function name as users should see it (pprof groups by it). Shared: every frame of a
    /// function points at one copy of its name.
    pub function: Arc<str>,
    /// Source file name (shared, as `function`).
    pub file: Arc<str>,
    /// Line number in `file` (0 if unknown).
    pub line: u32,
}

/// What was sampled at one allocation site (one stack and one kind of object).
///
/// The counts are **raw sampled counts**: how many sampled objects, and their bytes, not
/// estimates of the totals. [`HeapProfile::encode`] scales them by the sampling rate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteStats {
    /// The allocating stack, innermost frame first.
    pub stack: Vec<Frame>,
    /// Type of the objects (written as the string label `type`; omitted if empty).
    pub object_type: String,
    /// Bytes of one object (the average if sizes vary): the numeric label `bytes`, omitted
    /// if 0, as Go omits it.
    pub object_size: u64,
    /// Sampled objects allocated here since the program started.
    pub alloc_objects: u64,
    /// Bytes of those objects.
    pub alloc_bytes: u64,
    /// Sampled objects allocated here and still live.
    pub inuse_objects: u64,
    /// Bytes of those objects.
    pub inuse_bytes: u64,
}

/// A heap profile to write: the sites and how they were sampled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeapProfile {
    /// One entry per allocation site; sites are written in this order, never merged.
    pub sites: Vec<SiteStats>,
    /// The sampling rate in bytes (Go's `MemProfileRate`): on average one sample per `rate`
    /// bytes allocated. `1` means every allocation was recorded, and values are not scaled
    /// (nor are they for 0).
    pub rate: u64,
    /// When the profile was taken, nanoseconds since the Unix epoch.
    pub time_nanos: i64,
    /// Time the profile covers, in nanoseconds (Go writes none for heap profiles; 0 is left
    /// out of the encoding).
    pub duration_nanos: i64,
}

/// Why a profile could not be decoded.
#[derive(Debug)]
pub enum Error {
    /// The input is not gzip, or is truncated, or inflates past [`MAX_DECODED_BYTES`].
    Gzip(std::io::Error),
    /// The inflated bytes are not a `profile.proto` message.
    Proto(prost::DecodeError),
    /// The message breaks one of the rules pprof enforces (e.g. a dangling id).
    Invalid(String),
}

pub use limits::{MAX_DECODED_BYTES, MAX_ENTRIES, MAX_FRAMES, MAX_STRING_BYTES};

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Gzip(e) => write!(f, "profile is not valid gzip: {e}"),
            Error::Proto(e) => write!(f, "profile is not a valid profile.proto message: {e}"),
            Error::Invalid(why) => write!(f, "invalid profile: {why}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Gzip(e) => Some(e),
            Error::Proto(e) => Some(e),
            Error::Invalid(_) => None,
        }
    }
}
