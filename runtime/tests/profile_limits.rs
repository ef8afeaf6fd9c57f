//! `--profile-top` reads untrusted files: what one can make it allocate is capped (#15 row
//! E). A profile naming one 1 MiB function from every sample used to copy the name into
//! every frame (a 1 KB gzipped file took 3.5 GB in 3 s, then aborted); now names are shared
//! and counts are capped, and past a cap the file is refused with one line (exit 74).

use std::process::Command;

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// A length-delimited field.
fn field(out: &mut Vec<u8>, number: u64, body: &[u8]) {
    varint(out, number << 3 | 2);
    varint(out, body.len() as u64);
    out.extend_from_slice(body);
}

/// A varint field.
fn number(out: &mut Vec<u8>, number: u64, value: u64) {
    varint(out, number << 3);
    varint(out, value);
}

/// `samples` samples, each with `depth` frames of one function named by a 1 MiB string.
fn profile(samples: usize, depth: usize) -> Vec<u8> {
    let mut p = Vec::new();
    let mut sample_type = Vec::new();
    number(&mut sample_type, 1, 1);
    number(&mut sample_type, 2, 2);
    field(&mut p, 1, &sample_type);
    let mut sample = Vec::new();
    let mut ids = Vec::new();
    for _ in 0..depth {
        varint(&mut ids, 1);
    }
    field(&mut sample, 1, &ids);
    field(&mut sample, 2, &[1]);
    for _ in 0..samples {
        field(&mut p, 2, &sample);
    }
    let mut line = Vec::new();
    number(&mut line, 1, 1);
    number(&mut line, 2, 7);
    let mut location = Vec::new();
    number(&mut location, 1, 1);
    field(&mut location, 4, &line);
    field(&mut p, 4, &location);
    let mut function = Vec::new();
    number(&mut function, 1, 1);
    number(&mut function, 2, 3);
    field(&mut p, 5, &function);
    for s in ["", "inuse_space", "bytes"] {
        field(&mut p, 6, s.as_bytes());
    }
    field(&mut p, 6, "f".repeat(1 << 20).as_bytes());
    p
}

/// `gclox --profile-top` on `bytes`, in at most 512 MiB of address space (Linux `ulimit -v`),
/// so that a copy per frame aborts instead of swapping.
fn top(name: &str, bytes: &[u8]) -> std::process::Output {
    let dir = std::env::temp_dir().join(format!("gclox-profile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write profile");
    let out = Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 524288; exec \"$0\" --profile-top \"$1\"")
        .arg(env!("CARGO_BIN_EXE_gclox"))
        .arg(&path)
        .output()
        .expect("gclox runs");
    let _ = std::fs::remove_file(&path);
    out
}

fn assert_refused(out: &std::process::Output, why: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(74), "{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.contains(why), "{err}");
}

#[test]
fn a_long_name_in_many_frames_is_shared() {
    // 100 000 samples × 2 frames of a 1 MiB name: 200 GB if copied per frame.
    let out = top("shared.pb", &profile(100_000, 2));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("fffff"),
        "{}",
        &stdout[..stdout.len().min(300)]
    );
}

#[test]
fn too_many_samples_are_refused() {
    assert_refused(&top("samples.pb", &profile(300_000, 1)), "entries");
}

#[test]
fn too_many_frames_are_refused() {
    assert_refused(&top("frames.pb", &profile(200_000, 6)), "frames");
}
