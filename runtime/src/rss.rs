//! The process's resident memory, read from Linux's `/proc/self/statm` (elsewhere: unknown).
//! The one place that reads process memory: the CLI's memory-limit probe, `--stats`' peak RSS
//! and the run report's RSS samples.

/// Resident bytes now, if the platform tells.
pub fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * page_size())
}

/// Peak resident memory of the process, KiB (`VmHWM` in /proc/self/status).
pub fn peak_resident_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The page size `/proc/self/statm` counts in: 4 KiB on the platforms gclox runs on (Linux
/// on x86-64 and most arm64 configurations).
fn page_size() -> u64 {
    4096
}

/// A memory probe for one runtime per process: the process's whole resident memory, the
/// binary and libraries included (about 4 MB for `gclox`), so that a memory limit bounds what
/// `ps` and `/usr/bin/time` report. (Go's limit leaves its binary out; with gclox's small
/// footprint, counting it keeps a limit's promise about the number users measure.)
pub fn resident_probe() -> Option<gclox_gc::MemoryProbe> {
    resident_bytes()?;
    Some(Box::new(resident_bytes))
}
