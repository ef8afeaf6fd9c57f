//! Writing a [`HeapProfile`] as Go writes its heap profile (`runtime/pprof/protomem.go`).

use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;

use flate2::write::GzEncoder;
use flate2::Compression;
use prost::Message;

use super::proto;
use super::{Frame, HeapProfile, SampleIndex};

/// The sample types of a Go heap profile, in Go's order: `(type, unit)`.
pub(super) const SAMPLE_TYPES: [(&str, &str); 4] = [
    ("alloc_objects", "count"),
    ("alloc_space", "bytes"),
    ("inuse_objects", "count"),
    ("inuse_space", "bytes"),
];

/// Scales one sampled `(count, bytes)` pair up to an estimate of what was really allocated,
/// exactly as Go's `scaleHeapSample` does.
///
/// Returns `(0, 0)` if `count` or `bytes` is 0, the inputs unchanged if `rate <= 1` (every
/// allocation recorded, or rate unknown), and otherwise, with `avg = bytes / count` and
/// `scale = 1 / (1 - exp(-avg / rate))` computed in `f64`, `(count * scale, bytes * scale)`
/// truncated toward zero as Go's `int64(float64)` conversion does (saturating at the `i64`
/// range, where Go's result is unspecified). Inputs above `i64::MAX` saturate first.
pub fn scale_heap_sample(count: u64, bytes: u64, rate: u64) -> (i64, i64) {
    let (count, bytes, rate) = (to_i64(count), to_i64(bytes), to_i64(rate));
    if count == 0 || bytes == 0 {
        return (0, 0);
    }
    if rate <= 1 {
        return (count, bytes);
    }
    let avg = bytes as f64 / count as f64;
    let scale = 1.0 / (1.0 - (-avg / rate as f64).exp());
    ((count as f64 * scale) as i64, (bytes as f64 * scale) as i64)
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

impl HeapProfile {
    /// The profile as Go's `heap` profile: gzipped `profile.proto` bytes with
    /// `default_sample_type` unset, so pprof shows `inuse_space` (the last sample type) by
    /// default, as it does for Go's own heap profiles.
    pub fn encode(&self) -> Vec<u8> {
        gzip(&self.to_proto(None).encode_to_vec())
    }

    /// Like [`encode`](Self::encode) but with `default_sample_type` set to `default` (Go's
    /// `allocs` profile is the heap profile with `alloc_space` as the default).
    pub fn encode_with_default(&self, default: SampleIndex) -> Vec<u8> {
        gzip(&self.to_proto(Some(default)).encode_to_vec())
    }

    /// The profile message before serialization: what [`encode`](Self::encode) writes when
    /// `default` is `None`.
    ///
    /// Guarantees: `string_table[0] == ""`; four sample types in Go's order; one
    /// [`proto::Location`] per distinct [`Frame`], with exactly one line pointing to one
    /// [`proto::Function`] per distinct `(function, file)` (with `name` and `filename` set
    /// and `system_name` empty, see `Builder::function`); location and function ids are
    /// `1..=n` in order of first appearance; every location is in the single mapping (id 1,
    /// flagged as symbolized, present only if there are locations); one sample per site, in site order, with its
    /// stack leaf first and four values ([`scale_heap_sample`] of the alloc and in-use
    /// pairs).
    pub fn to_proto(&self, default: Option<SampleIndex>) -> proto::Profile {
        let mut b = Builder::default();
        b.strings.index(""); // string_table[0] must be "".
        let mut p = proto::Profile {
            period_type: Some(b.value_type("space", "bytes")),
            period: to_i64(self.rate),
            time_nanos: self.time_nanos,
            duration_nanos: self.duration_nanos,
            ..Default::default()
        };
        p.sample_type = SAMPLE_TYPES
            .iter()
            .map(|(t, u)| b.value_type(t, u))
            .collect();
        if let Some(d) = default {
            p.default_sample_type = b.strings.index(d.name());
        }
        for site in &self.sites {
            let location_id = site.stack.iter().map(|f| b.location(f)).collect();
            let (ao, ab) = scale_heap_sample(site.alloc_objects, site.alloc_bytes, self.rate);
            let (io, ib) = scale_heap_sample(site.inuse_objects, site.inuse_bytes, self.rate);
            let mut label = Vec::new();
            if site.object_size != 0 {
                label.push(proto::Label {
                    key: b.strings.index("bytes"),
                    num: to_i64(site.object_size),
                    ..Default::default()
                });
            }
            if !site.object_type.is_empty() {
                label.push(proto::Label {
                    key: b.strings.index("type"),
                    str: b.strings.index(&site.object_type),
                    ..Default::default()
                });
            }
            p.sample.push(proto::Sample {
                location_id,
                value: vec![ao, ab, io, ib],
                label,
            });
        }
        if !b.locations.is_empty() {
            p.mapping = vec![symbolized_mapping()];
        }
        p.location = b.locations;
        p.function = b.functions;
        p.string_table = b.strings.table;
        p
    }
}

/// Id of the one mapping every location points to.
const MAPPING_ID: u64 = 1;

/// The mapping every location is in: no file, but flagged as already symbolized (functions,
/// file names and line numbers), so pprof neither tries to symbolize it nor complains "Main
/// binary filename not available" (it invents such a mapping, unflagged, if there is none).
fn symbolized_mapping() -> proto::Mapping {
    proto::Mapping {
        id: MAPPING_ID,
        has_functions: true,
        has_filenames: true,
        has_line_numbers: true,
        ..Default::default()
    }
}

/// Gzips `bytes` at the speed Go's profile writer uses (`gzip.BestSpeed`).
fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut z = GzEncoder::new(
        Vec::with_capacity(bytes.len() / 2 + 64),
        Compression::fast(),
    );
    // Writing into a Vec cannot fail.
    z.write_all(bytes).expect("gzip into a Vec");
    z.finish().expect("gzip into a Vec")
}

/// Interns strings, functions and locations while a profile is built.
#[derive(Default)]
struct Builder {
    strings: Strings,
    functions: Vec<proto::Function>,
    function_ids: HashMap<(Arc<str>, Arc<str>), u64>,
    locations: Vec<proto::Location>,
    location_ids: HashMap<Frame, u64>,
}

impl Builder {
    fn value_type(&mut self, ty: &str, unit: &str) -> proto::ValueType {
        proto::ValueType {
            r#type: self.strings.index(ty),
            unit: self.strings.index(unit),
        }
    }

    /// The id of the location for `frame`, added on first use.
    fn location(&mut self, frame: &Frame) -> u64 {
        if let Some(&id) = self.location_ids.get(frame) {
            return id;
        }
        let function_id = self.function(&frame.function, &frame.file);
        let id = self.locations.len() as u64 + 1;
        self.locations.push(proto::Location {
            id,
            mapping_id: MAPPING_ID,
            line: vec![proto::Line {
                function_id,
                line: i64::from(frame.line),
            }],
            ..Default::default()
        });
        self.location_ids.insert(frame.clone(), id);
        id
    }

    /// The id of the function `name` in `file`, added on first use.
    fn function(&mut self, name: &Arc<str>, file: &Arc<str>) -> u64 {
        let key = (name.clone(), file.clone());
        if let Some(&id) = self.function_ids.get(&key) {
            return id;
        }
        let id = self.functions.len() as u64 + 1;
        self.functions.push(proto::Function {
            id,
            name: self.strings.index(name),
            // Left empty on purpose (Go repeats the name): pprof "demangles" every function
            // whose system_name equals its name, and its C++ heuristic deletes `<...>`, so
            // `<script>` would print as `<unknown>`. An empty system_name marks the name as
            // final, even under `-symbolize=force`.
            system_name: 0,
            filename: self.strings.index(file),
            start_line: 0,
        });
        self.function_ids.insert(key, id);
        id
    }
}

/// The string table under construction.
#[derive(Default)]
struct Strings {
    table: Vec<String>,
    index: HashMap<String, i64>,
}

impl Strings {
    /// The index of `s`, added on first use (so the first string added gets index 0).
    fn index(&mut self, s: &str) -> i64 {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = self.table.len() as i64;
        self.table.push(s.to_owned());
        self.index.insert(s.to_owned(), i);
        i
    }
}
