//! What a profile file can make [`super::HeapProfile::decode`] allocate.
//!
//! A profile is untrusted input (`gclox --profile-top FILE`), and protobuf is compact: a
//! kilobyte of gzip can inflate to a megabyte-long function name referenced a million times.
//! Decoding is therefore bounded at every stage where the output can outgrow the input:
//!
//! 1. inflating: at most [`MAX_DECODED_BYTES`];
//! 2. parsing: before prost builds any structure, [`check_counts`] walks the message's
//!    top-level fields and refuses more than [`MAX_ENTRIES`] samples, locations, functions,
//!    mappings or strings (prost's per-entry structures are ~30× the smallest encoding);
//! 3. resolving: function names and files are shared (`Arc<str>`), never copied per frame;
//!    at most [`MAX_FRAMES`] frames over all samples, and at most [`MAX_STRING_BYTES`] of
//!    other strings (labels, comments, type names) copied out of the string table.
//!
//! Together: a few hundred MiB at the very worst, whatever the file says; gclox's own
//! profiles and Go's are far below every cap.

use super::Error;

/// Largest inflated profile accepted (64 MiB).
pub const MAX_DECODED_BYTES: u64 = 64 << 20;

/// Most entries of each repeated top-level field (samples, locations, functions, mappings,
/// strings).
pub const MAX_ENTRIES: usize = 1 << 18;

/// Most frames over all decoded samples' stacks.
pub const MAX_FRAMES: usize = 1 << 20;

/// Most bytes of strings copied out of the string table (labels, comments, sample types).
pub const MAX_STRING_BYTES: usize = 64 << 20;

/// Refuses a `profile.proto` message with more than [`MAX_ENTRIES`] entries in any repeated
/// top-level field, without building anything. Malformed wire data is left for prost to
/// report.
pub fn check_counts(message: &[u8]) -> Result<(), Error> {
    // Field numbers of Profile: 1 sample_type, 2 sample, 3 mapping, 4 location, 5 function,
    // 6 string_table, 13 comment.
    let mut counts = [0usize; 16];
    let mut rest = message;
    while !rest.is_empty() {
        let Some(key) = varint(&mut rest) else {
            return Ok(());
        };
        let field = (key >> 3) as usize;
        let skipped = match key & 7 {
            0 => varint(&mut rest).map(|_| ()),
            1 => skip(&mut rest, 8),
            2 => varint(&mut rest).and_then(|len| skip(&mut rest, usize::try_from(len).ok()?)),
            5 => skip(&mut rest, 4),
            _ => None,
        };
        if skipped.is_none() {
            return Ok(());
        }
        if let Some(count) = counts.get_mut(field) {
            *count += 1;
            if *count > MAX_ENTRIES {
                return Err(Error::Invalid(format!(
                    "more than {MAX_ENTRIES} entries of field {field} (gclox's limit)"
                )));
            }
        }
    }
    Ok(())
}

fn varint(rest: &mut &[u8]) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let (&byte, tail) = rest.split_first()?;
        *rest = tail;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

fn skip(rest: &mut &[u8], len: usize) -> Option<()> {
    *rest = rest.get(len..)?;
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn too_many_samples_are_refused_before_parsing() {
        // Field 2 (sample), length-delimited, empty: two bytes each.
        let message: Vec<u8> = [0x12, 0x00].repeat(MAX_ENTRIES + 1);
        assert!(check_counts(&message).is_err());
        assert!(check_counts(&message[..2 * MAX_ENTRIES]).is_ok());
    }
}
