//! Exit-time outputs bounded by `--timeout` (see `deadline.rs`): each is computed on a worker
//! thread while `main` waits until the outputs' deadline. One that misses it is replaced by a
//! valid empty file of its format, and a line on stderr says it was cut short. Both writers
//! hold the same lock on the file, so the worker can never add to it after the replacement.

use std::fs::File;
use std::io::{self, BufWriter, Seek, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use gclox_gc::pprof::HeapProfile;
use gclox_gc::snapshot::HeapGraph;

use crate::deadline::{finish_by, passed};

/// Says on stderr that `what` was cut short.
fn say_cut(what: &str, path: &Path, instead: &str) {
    say!(
        "gclox: {what} {} cut short: the --timeout deadline passed ({instead})",
        path.display()
    );
}

/// Writes `profile` (gzipped pprof) to `file`, or an empty profile if encoding it misses
/// `deadline`.
pub fn write_profile(
    mut file: File,
    path: &Path,
    profile: HeapProfile,
    deadline: Option<Instant>,
) -> io::Result<()> {
    let empty = without_sites(&profile);
    let encoded = if passed(deadline) {
        None
    } else {
        finish_by(deadline, move || profile.encode())
    };
    match encoded {
        Some(bytes) => file.write_all(&bytes),
        None => {
            say_cut("heap profile", path, "written without samples");
            file.write_all(&empty.encode())
        }
    }
}

/// The empty profile with `profile`'s header fields.
fn without_sites(profile: &HeapProfile) -> HeapProfile {
    HeapProfile {
        sites: Vec::new(),
        rate: profile.rate,
        time_nanos: profile.time_nanos,
        duration_nanos: profile.duration_nanos,
    }
}

/// The heap snapshot file, shared by the worker writing it and `main` replacing it.
struct Shared {
    file: File,
    /// Set by `main` when it replaced the contents: the worker's writes fail from then on.
    cut: bool,
}

/// A writer into [`Shared`] that fails once the file was cut.
struct Cancellable(Arc<Mutex<Shared>>);

impl Write for Cancellable {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut shared = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if shared.cut {
            return Err(io::Error::new(io::ErrorKind::TimedOut, "cut short"));
        }
        shared.file.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        let mut shared = self.0.lock().unwrap_or_else(|e| e.into_inner());
        shared.file.flush()
    }
}

/// Analyses `graph` and writes it as a V8 heap snapshot, or an empty snapshot if that misses
/// `deadline` (or if walking the heap already did: `graph` is `None`). Cutting needs a file
/// that can be truncated; into a pipe a cut snapshot ends where it was cut.
pub fn write_snapshot(
    file: File,
    path: &Path,
    graph: Option<HeapGraph>,
    deadline: Option<Instant>,
) -> io::Result<()> {
    let shared = Arc::new(Mutex::new(Shared { file, cut: false }));
    let finished = match graph {
        None => None,
        Some(graph) if deadline.is_none() => Some(write_analysed(&graph, &shared)),
        Some(_) if passed(deadline) => None,
        Some(graph) => {
            let shared = shared.clone();
            finish_by(deadline, move || write_analysed(&graph, &shared))
        }
    };
    if let Some(result) = finished {
        return result;
    }
    let mut shared = shared.lock().unwrap_or_else(|e| e.into_inner());
    shared.cut = true;
    say_cut("heap snapshot", path, "written with no objects");
    let file = &mut shared.file;
    // Best effort for what cannot be truncated (a pipe): the empty snapshot follows.
    let _ = file.set_len(0);
    let _ = file.rewind();
    gclox_gc::snapshot::write_v8_heapsnapshot(&HeapGraph::default(), None, BufWriter::new(file))
}

/// The snapshot of `graph` with its analysis, into the shared file.
fn write_analysed(graph: &HeapGraph, shared: &Arc<Mutex<Shared>>) -> io::Result<()> {
    let analysis = gclox_gc::snapshot::Analysis::new(graph);
    let mut out = BufWriter::with_capacity(1 << 16, Cancellable(shared.clone()));
    gclox_gc::snapshot::write_v8_heapsnapshot(graph, Some(&analysis), &mut out)?;
    out.flush()
}

/// The leak report of `graph`, or `None` if it misses `deadline` (or walking the heap did).
pub fn leak_report(graph: Option<HeapGraph>, deadline: Option<Instant>) -> Option<String> {
    let graph = graph?;
    if passed(deadline) {
        return None;
    }
    finish_by(deadline, move || gclox_runtime::leak_report_of(&graph, 10))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> std::path::PathBuf {
        std::env::temp_dir().join(format!("gclox-cut-{name}-{}", std::process::id()))
    }

    #[test]
    fn outputs_past_the_deadline_are_valid_empty_files() {
        let past = Some(Instant::now());
        let path = scratch("snapshot");
        let graph = Some(HeapGraph::default());
        write_snapshot(File::create(&path).unwrap(), &path, graph, past).unwrap();
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert!(json["snapshot"]["meta"].is_object());

        let path = scratch("profile");
        let profile = HeapProfile {
            sites: Vec::new(),
            rate: 512 * 1024,
            time_nanos: 1,
            duration_nanos: 0,
        };
        write_profile(File::create(&path).unwrap(), &path, profile, past).unwrap();
        HeapProfile::decode(&std::fs::read(&path).unwrap()).unwrap();
        assert!(leak_report(Some(HeapGraph::default()), past).is_none());
    }
}
