//! Reading a pprof profile back into plain data, checking what pprof checks.

use std::cell::Cell;
use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::io::Read;
use std::sync::Arc;

use flate2::read::GzDecoder;
use prost::Message;

use super::limits::{check_counts, MAX_FRAMES, MAX_STRING_BYTES};
use super::proto;
use super::{Error, Frame, HeapProfile, MAX_DECODED_BYTES};

/// A kind of value and its unit, e.g. `inuse_space` in `bytes`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueType {
    /// Type name, e.g. `alloc_objects`.
    pub name: String,
    /// Unit, e.g. `count`.
    pub unit: String,
}

/// The value of a sample label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LabelValue {
    /// A string label (the proto's `str` was non-zero).
    Str(String),
    /// A numeric label, with its unit if the profile gave one.
    Num {
        /// The number.
        value: i64,
        /// Its unit (`None` if the profile left it out, as Go does for `bytes`).
        unit: Option<String>,
    },
}

/// One label of a sample.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    /// The key, e.g. `bytes`.
    pub key: String,
    /// The value.
    pub value: LabelValue,
}

/// One sample with its stack resolved to frames.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodedSample {
    /// The stack, innermost frame first. A location with several lines (inlining) gives one
    /// frame per line; a location with none gives one frame named by its address (`0x…`),
    /// with an empty file and line 0.
    pub stack: Vec<Frame>,
    /// One value per sample type, as stored (already scaled, for heap profiles).
    pub values: Vec<i64>,
    /// The labels, in stored order.
    pub labels: Vec<Label>,
}

impl DecodedSample {
    /// The value of the first numeric label named `key`.
    pub fn num_label(&self, key: &str) -> Option<i64> {
        self.labels.iter().find_map(|l| match &l.value {
            LabelValue::Num { value, .. } if l.key == key => Some(*value),
            _ => None,
        })
    }

    /// The value of the first string label named `key`.
    pub fn str_label(&self, key: &str) -> Option<&str> {
        self.labels.iter().find_map(|l| match &l.value {
            LabelValue::Str(s) if l.key == key => Some(s.as_str()),
            _ => None,
        })
    }
}

/// A decoded profile: every reference resolved, every string looked up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodedProfile {
    /// What each value of a sample measures, in order (never empty).
    pub sample_types: Vec<ValueType>,
    /// What the period measures, if given.
    pub period_type: Option<ValueType>,
    /// The sampling period (the rate, in bytes, for heap profiles).
    pub period: i64,
    /// The preferred sample type's name, if the profile names one.
    pub default_sample_type: Option<String>,
    /// When the profile was taken, nanoseconds since the Unix epoch.
    pub time_nanos: i64,
    /// Time covered, in nanoseconds (0 if not given).
    pub duration_nanos: i64,
    /// Free-form comments.
    pub comments: Vec<String>,
    /// The samples, in stored order; each has `sample_types.len()` values.
    pub samples: Vec<DecodedSample>,
}

impl DecodedProfile {
    /// The position of the sample type named `name`, if present.
    pub fn sample_type_index(&self, name: &str) -> Option<usize> {
        self.sample_types.iter().position(|t| t.name == name)
    }

    /// The position of the sample type pprof shows by default: `default_sample_type` if the
    /// profile names one it has, else the last one.
    pub fn default_sample_index(&self) -> usize {
        self.default_sample_type
            .as_deref()
            .and_then(|n| self.sample_type_index(n))
            .unwrap_or(self.sample_types.len().saturating_sub(1))
    }
}

impl HeapProfile {
    /// Decodes a profile written by [`encode`](Self::encode), by Go, or by any pprof writer.
    ///
    /// Accepts gzipped or plain `profile.proto` bytes (as pprof does). Fails, never panics,
    /// on malformed input: bad gzip or protobuf, more than [`MAX_DECODED_BYTES`] inflated,
    /// `string_table[0] != ""`, a string index out of range, no sample types, a sample whose
    /// value count differs from the sample types', a zero or duplicate mapping, location or
    /// function id, a reference to a missing mapping, location or function, or a line number
    /// outside `u32`. Mappings are checked but not returned.
    pub fn decode(bytes: &[u8]) -> Result<DecodedProfile, Error> {
        resolve(&decode_proto(bytes)?)
    }
}

/// Inflates (if gzipped) and parses `bytes` into the raw message, without checking
/// references; for tests and tools that inspect the encoding itself.
pub fn decode_proto(bytes: &[u8]) -> Result<proto::Profile, Error> {
    let raw;
    let message = if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        GzDecoder::new(bytes)
            .take(MAX_DECODED_BYTES + 1)
            .read_to_end(&mut out)
            .map_err(Error::Gzip)?;
        if out.len() as u64 > MAX_DECODED_BYTES {
            return Err(Error::Gzip(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("inflates to more than {MAX_DECODED_BYTES} bytes"),
            )));
        }
        raw = out;
        &raw[..]
    } else {
        bytes
    };
    check_counts(message)?;
    proto::Profile::decode(message).map_err(Error::Proto)
}

fn invalid<T>(why: String) -> Result<T, Error> {
    Err(Error::Invalid(why))
}

/// Checks `p` and resolves its references.
fn resolve(p: &proto::Profile) -> Result<DecodedProfile, Error> {
    let strings = &p.string_table;
    if strings.first().map(String::as_str) != Some("") {
        return invalid("string_table[0] is not \"\"".into());
    }
    // Strings copied out of the table (labels, comments, types), against MAX_STRING_BYTES.
    let copied = Cell::new(0usize);
    let s = |i: i64| -> Result<String, Error> {
        match usize::try_from(i).ok().and_then(|i| strings.get(i)) {
            Some(s) => {
                copied.set(copied.get() + s.len());
                if copied.get() > MAX_STRING_BYTES {
                    return invalid(format!(
                        "more than {MAX_STRING_BYTES} bytes of strings (gclox's limit)"
                    ));
                }
                Ok(s.clone())
            }
            None => invalid(format!("string index {i} out of range")),
        }
    };
    // Function names and files: one shared copy per string-table entry.
    let mut shared: HashMap<usize, Arc<str>> = HashMap::new();
    let mut rc = |i: i64| -> Result<Arc<str>, Error> {
        let index = usize::try_from(i).ok().filter(|&i| i < strings.len());
        let Some(index) = index else {
            return invalid(format!("string index {i} out of range"));
        };
        Ok(shared
            .entry(index)
            .or_insert_with(|| Arc::from(strings[index].as_str()))
            .clone())
    };
    let value_type = |v: &proto::ValueType| -> Result<ValueType, Error> {
        Ok(ValueType {
            name: s(v.r#type)?,
            unit: s(v.unit)?,
        })
    };

    let sample_types = p
        .sample_type
        .iter()
        .map(value_type)
        .collect::<Result<Vec<_>, _>>()?;
    if sample_types.is_empty() {
        return invalid("no sample types".into());
    }

    let mut mappings: HashMap<u64, ()> = HashMap::new();
    for m in &p.mapping {
        insert_unique(&mut mappings, m.id, (), "mapping")?;
    }

    let mut functions: HashMap<u64, (Arc<str>, Arc<str>)> = HashMap::new();
    for f in &p.function {
        // pprof falls back to the system name when there is no name; so do we.
        let name = match rc(f.name)? {
            name if name.is_empty() => rc(f.system_name)?,
            name => name,
        };
        let entry = (name, rc(f.filename)?);
        insert_unique(&mut functions, f.id, entry, "function")?;
    }

    let mut locations: HashMap<u64, Vec<Frame>> = HashMap::new();
    for loc in &p.location {
        if loc.mapping_id != 0 && !mappings.contains_key(&loc.mapping_id) {
            return invalid(format!(
                "location {} refers to missing mapping {}",
                loc.id, loc.mapping_id
            ));
        }
        let frames = location_frames(loc, &functions)?;
        insert_unique(&mut locations, loc.id, frames, "location")?;
    }

    let mut frames = 0usize;
    let mut samples = Vec::with_capacity(p.sample.len());
    for (n, sample) in p.sample.iter().enumerate() {
        if sample.value.len() != sample_types.len() {
            return invalid(format!(
                "sample {n} has {} values for {} sample types",
                sample.value.len(),
                sample_types.len()
            ));
        }
        let mut stack = Vec::new();
        for id in &sample.location_id {
            match locations.get(id) {
                Some(location) => {
                    frames += location.len();
                    if frames > MAX_FRAMES {
                        return invalid(format!(
                            "more than {MAX_FRAMES} frames in all (gclox's limit)"
                        ));
                    }
                    stack.extend(location.iter().cloned())
                }
                None => return invalid(format!("sample {n} refers to missing location {id}")),
            }
        }
        let labels = sample
            .label
            .iter()
            .map(|l| label(l, &s))
            .collect::<Result<_, _>>()?;
        samples.push(DecodedSample {
            stack,
            values: sample.value.clone(),
            labels,
        });
    }

    Ok(DecodedProfile {
        sample_types,
        period_type: p.period_type.as_ref().map(value_type).transpose()?,
        period: p.period,
        default_sample_type: match p.default_sample_type {
            0 => None,
            i => Some(s(i)?),
        },
        time_nanos: p.time_nanos,
        duration_nanos: p.duration_nanos,
        comments: p.comment.iter().map(|&i| s(i)).collect::<Result<_, _>>()?,
        samples,
    })
}

/// Adds `id -> value`, rejecting a zero or repeated id.
fn insert_unique<V>(map: &mut HashMap<u64, V>, id: u64, value: V, what: &str) -> Result<(), Error> {
    if id == 0 {
        return invalid(format!("{what} id 0"));
    }
    match map.entry(id) {
        Entry::Occupied(_) => invalid(format!("duplicate {what} id {id}")),
        Entry::Vacant(v) => {
            v.insert(value);
            Ok(())
        }
    }
}

/// The frames of one location, innermost first.
fn location_frames(
    loc: &proto::Location,
    functions: &HashMap<u64, (Arc<str>, Arc<str>)>,
) -> Result<Vec<Frame>, Error> {
    if loc.line.is_empty() {
        return Ok(vec![Frame {
            function: format!("{:#x}", loc.address).into(),
            file: "".into(),
            line: 0,
        }]);
    }
    let mut frames = Vec::with_capacity(loc.line.len());
    for line in &loc.line {
        // pprof allows function id 0: a line with no function.
        let (function, file) = match line.function_id {
            0 => ("".into(), "".into()),
            id => match functions.get(&id) {
                Some(f) => f.clone(),
                None => {
                    return invalid(format!(
                        "location {} refers to missing function {id}",
                        loc.id
                    ))
                }
            },
        };
        let Ok(line_number) = u32::try_from(line.line) else {
            return invalid(format!("location {} has line number {}", loc.id, line.line));
        };
        frames.push(Frame {
            function,
            file,
            line: line_number,
        });
    }
    Ok(frames)
}

/// Resolves a label as pprof reads it: a string label if `str` is non-zero, else numeric.
fn label(l: &proto::Label, s: &impl Fn(i64) -> Result<String, Error>) -> Result<Label, Error> {
    let value = if l.str != 0 {
        LabelValue::Str(s(l.str)?)
    } else {
        LabelValue::Num {
            value: l.num,
            unit: match l.num_unit {
                0 => None,
                u => Some(s(u)?),
            },
        }
    };
    Ok(Label {
        key: s(l.key)?,
        value,
    })
}
