//! The messages of pprof's `profile.proto`, declared by hand for prost.
//!
//! Field names, types and tag numbers are those of
//! `github.com/google/pprof/proto/profile.proto` (package `perftools.profiles`); every message
//! is proto3, so repeated numbers are packed and zero values are left out, as Go writes them.
//! String fields are indices into [`Profile::string_table`], whose entry 0 must be `""`.
//! Nothing here validates references: [`HeapProfile::decode`](super::HeapProfile::decode)
//! does that.

/// The whole profile (`perftools.profiles.Profile`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct Profile {
    /// What each value of a sample measures, in order.
    #[prost(message, repeated, tag = "1")]
    pub sample_type: Vec<ValueType>,
    /// The samples, each with one value per sample type.
    #[prost(message, repeated, tag = "2")]
    pub sample: Vec<Sample>,
    /// Binary mappings (gclox writes one, flagged as already symbolized).
    #[prost(message, repeated, tag = "3")]
    pub mapping: Vec<Mapping>,
    /// Locations referenced by samples, by id.
    #[prost(message, repeated, tag = "4")]
    pub location: Vec<Location>,
    /// Functions referenced by lines, by id.
    #[prost(message, repeated, tag = "5")]
    pub function: Vec<Function>,
    /// Every string of the profile; entry 0 is `""`.
    #[prost(string, repeated, tag = "6")]
    pub string_table: Vec<String>,
    /// Regexp (string index) of frames to drop.
    #[prost(int64, tag = "7")]
    pub drop_frames: i64,
    /// Regexp (string index) of frames to keep.
    #[prost(int64, tag = "8")]
    pub keep_frames: i64,
    /// When the profile was taken, in nanoseconds since the Unix epoch.
    #[prost(int64, tag = "9")]
    pub time_nanos: i64,
    /// How long the profile covers, in nanoseconds.
    #[prost(int64, tag = "10")]
    pub duration_nanos: i64,
    /// What one sampling period measures.
    #[prost(message, optional, tag = "11")]
    pub period_type: Option<ValueType>,
    /// The sampling period, in `period_type` units.
    #[prost(int64, tag = "12")]
    pub period: i64,
    /// Free-form comments (string indices).
    #[prost(int64, repeated, tag = "13")]
    pub comment: Vec<i64>,
    /// Preferred sample type for display (string index); 0 means the last sample type.
    #[prost(int64, tag = "14")]
    pub default_sample_type: i64,
}

/// A kind of value and its unit (`ValueType`), both string indices.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ValueType {
    /// Type name, e.g. `inuse_space`.
    #[prost(int64, tag = "1")]
    pub r#type: i64,
    /// Unit, e.g. `bytes`.
    #[prost(int64, tag = "2")]
    pub unit: i64,
}

/// One sample: a stack, its values and labels (`Sample`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct Sample {
    /// Location ids, leaf (innermost frame) first.
    #[prost(uint64, repeated, tag = "1")]
    pub location_id: Vec<u64>,
    /// One value per sample type.
    #[prost(int64, repeated, tag = "2")]
    pub value: Vec<i64>,
    /// Extra information about the sample.
    #[prost(message, repeated, tag = "3")]
    pub label: Vec<Label>,
}

/// A label (`Label`): a string value if `str` is non-zero, else a number with an optional unit.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Label {
    /// Key (string index).
    #[prost(int64, tag = "1")]
    pub key: i64,
    /// String value (string index), or 0.
    #[prost(int64, tag = "2")]
    pub str: i64,
    /// Numeric value.
    #[prost(int64, tag = "3")]
    pub num: i64,
    /// Unit of `num` (string index), or 0.
    #[prost(int64, tag = "4")]
    pub num_unit: i64,
}

/// A mapped binary (`Mapping`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct Mapping {
    /// Unique non-zero id.
    #[prost(uint64, tag = "1")]
    pub id: u64,
    /// Start address.
    #[prost(uint64, tag = "2")]
    pub memory_start: u64,
    /// End address.
    #[prost(uint64, tag = "3")]
    pub memory_limit: u64,
    /// File offset of the start.
    #[prost(uint64, tag = "4")]
    pub file_offset: u64,
    /// Binary's file name (string index).
    #[prost(int64, tag = "5")]
    pub filename: i64,
    /// Build id (string index).
    #[prost(int64, tag = "6")]
    pub build_id: i64,
    /// Whether locations in this mapping have function names.
    #[prost(bool, tag = "7")]
    pub has_functions: bool,
    /// Whether they have file names.
    #[prost(bool, tag = "8")]
    pub has_filenames: bool,
    /// Whether they have line numbers.
    #[prost(bool, tag = "9")]
    pub has_line_numbers: bool,
    /// Whether they have inlined frames.
    #[prost(bool, tag = "10")]
    pub has_inline_frames: bool,
}

/// A code location (`Location`): one or more lines, the last being the caller into which the
/// earlier ones were inlined.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Location {
    /// Unique non-zero id.
    #[prost(uint64, tag = "1")]
    pub id: u64,
    /// Mapping id, or 0.
    #[prost(uint64, tag = "2")]
    pub mapping_id: u64,
    /// Instruction address, or 0.
    #[prost(uint64, tag = "3")]
    pub address: u64,
    /// Source lines, innermost first.
    #[prost(message, repeated, tag = "4")]
    pub line: Vec<Line>,
    /// Whether several locations were folded into this one.
    #[prost(bool, tag = "5")]
    pub is_folded: bool,
}

/// A source line in a function (`Line`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct Line {
    /// Id of an existing [`Function`].
    #[prost(uint64, tag = "1")]
    pub function_id: u64,
    /// Line number, or 0.
    #[prost(int64, tag = "2")]
    pub line: i64,
}

/// A function (`Function`); names are string indices.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Function {
    /// Unique non-zero id.
    #[prost(uint64, tag = "1")]
    pub id: u64,
    /// Human-readable name.
    #[prost(int64, tag = "2")]
    pub name: i64,
    /// Name as the system knows it, e.g. a mangled C++ name. gclox leaves it empty (0): pprof
    /// would otherwise run its demangler on `name`, which deletes anything in `<...>`.
    #[prost(int64, tag = "3")]
    pub system_name: i64,
    /// Source file name.
    #[prost(int64, tag = "4")]
    pub filename: i64,
    /// Line where the function starts, or 0.
    #[prost(int64, tag = "5")]
    pub start_line: i64,
}
