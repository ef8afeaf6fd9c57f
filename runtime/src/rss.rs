//! The process's resident memory, read from Linux's `/proc/self/statm` (elsewhere: unknown).
//! Used by the CLI as the memory limit's probe and for `--stats`' peak RSS.

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

/// A memory probe for one runtime per process: resident memory now minus what the process
/// held when the probe was made (the binary, libraries, the runtime's empty state), so what
/// it reports is what running the script made the process hold.
pub fn resident_growth_probe() -> Option<gclox_gc::MemoryProbe> {
    let baseline = resident_bytes()?;
    Some(Box::new(move || {
        resident_bytes().map(|now| now.saturating_sub(baseline))
    }))
}
