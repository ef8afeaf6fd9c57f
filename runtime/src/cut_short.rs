//! Exit-time outputs bounded by `--timeout` (see `deadline.rs`) and never left torn.
//!
//! A regular output file gets a valid empty placeholder of its format as soon as it is created
//! (an empty pprof profile, a V8 snapshot with no objects). At exit the real contents are
//! made on a worker thread into a temporary sibling, which is renamed over the file only when
//! complete. So whatever stops gclox — the outputs' deadline, the watchdog, a second signal —
//! the path holds either the placeholder or the whole output, never half of one. One that
//! misses the deadline keeps its placeholder, and a line on stderr says so. What is not a
//! regular file (a pipe, `/dev/stdout`) is written in place: cut there, it ends where it was
//! cut.

use std::fs::File;
use std::io::{self, BufWriter, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use gclox_gc::pprof::HeapProfile;
use gclox_gc::snapshot::HeapGraph;

use crate::deadline::{finish_by, passed};

/// Writes the content of an output.
type Job = Box<dyn FnOnce(&mut dyn Write) -> io::Result<()> + Send>;

/// A valid, empty heap profile sampled at `rate`.
pub fn empty_profile(rate: u64) -> HeapProfile {
    let time_nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
    HeapProfile {
        sites: Vec::new(),
        rate,
        time_nanos,
        duration_nanos: 0,
    }
}

/// Writes the placeholder into a freshly created output file, if it is a regular file.
pub fn placeholder_profile(file: &mut File, rate: u64) -> io::Result<()> {
    if is_regular(file) {
        file.write_all(&empty_profile(rate).encode())?;
    }
    Ok(())
}

/// Writes the placeholder into a freshly created snapshot file, if it is a regular file.
pub fn placeholder_snapshot(file: &mut File) -> io::Result<()> {
    if is_regular(file) {
        gclox_gc::snapshot::write_v8_heapsnapshot(&HeapGraph::default(), None, &mut *file)?;
    }
    Ok(())
}

fn is_regular(file: &File) -> bool {
    file.metadata().is_ok_and(|m| m.is_file())
}

/// Writes `profile` (gzipped pprof) to the output at `path`, bounded by `deadline`.
pub fn write_profile(
    file: File,
    path: &Path,
    profile: HeapProfile,
    deadline: Option<Instant>,
) -> io::Result<()> {
    let job: Job = Box::new(move |w| w.write_all(&profile.encode()));
    write_output(file, path, deadline, job, "heap profile", "no samples")
}

/// Analyses `graph` and writes it as a V8 heap snapshot, bounded by `deadline` (`None`:
/// walking the heap already missed it).
pub fn write_snapshot(
    file: File,
    path: &Path,
    graph: Option<HeapGraph>,
    deadline: Option<Instant>,
) -> io::Result<()> {
    let Some(graph) = graph else {
        say_cut("heap snapshot", path, "no objects");
        return Ok(());
    };
    let job: Job = Box::new(move |w| {
        let analysis = gclox_gc::snapshot::Analysis::new(&graph);
        gclox_gc::snapshot::write_v8_heapsnapshot(&graph, Some(&analysis), w)
    });
    write_output(file, path, deadline, job, "heap snapshot", "no objects")
}

/// The leak report of `graph`, or `None` if it misses `deadline` (or walking the heap did).
pub fn leak_report(graph: Option<HeapGraph>, deadline: Option<Instant>) -> Option<String> {
    let graph = graph?;
    if passed(deadline) {
        return None;
    }
    finish_by(deadline, move || gclox_runtime::leak_report_of(&graph, 10))
}

/// Runs `job` into the output: through a temporary sibling renamed over `path` for a regular
/// file (whose placeholder stays if the job misses `deadline`), in place otherwise.
fn write_output(
    mut file: File,
    path: &Path,
    deadline: Option<Instant>,
    job: Job,
    what: &str,
    placeholder: &str,
) -> io::Result<()> {
    let temp = is_regular(&file)
        .then(|| temporary_sibling(path))
        .and_then(|temp| Some((File::create(&temp).ok()?, temp)));
    let finished = match temp {
        Some((temp_file, temp)) => {
            let done = run(temp_file, deadline, job)
                .map(|r| r.and_then(|()| std::fs::rename(&temp, path)));
            if !matches!(done, Some(Ok(()))) {
                let _ = std::fs::remove_file(&temp);
            }
            done
        }
        None => {
            // No sibling could be made (a directory gclox cannot write): in place, after the
            // placeholder a regular file holds.
            if is_regular(&file) {
                file.set_len(0)?;
                file.rewind()?;
            }
            run(file, deadline, job)
        }
    };
    finished.unwrap_or_else(|| {
        say_cut(what, path, placeholder);
        Ok(())
    })
}

/// `job` into `file` (buffered, flushed) on a worker until `deadline`; `None` if it missed it.
fn run(file: File, deadline: Option<Instant>, job: Job) -> Option<io::Result<()>> {
    if passed(deadline) {
        return None;
    }
    finish_by(deadline, move || {
        let mut out = BufWriter::with_capacity(1 << 16, file);
        job(&mut out)?;
        out.flush()
    })
}

/// `DIR/.NAME.partial-PID` beside `path`.
fn temporary_sibling(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
    path.with_file_name(format!(".{name}.partial-{}", std::process::id()))
}

/// Says on stderr that `what` was cut short.
fn say_cut(what: &str, path: &Path, placeholder: &str) {
    say!(
        "gclox: {what} {} cut short: the --timeout deadline passed (the file holds {placeholder})",
        path.display()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("gclox-cut-{name}-{}", std::process::id()))
    }

    #[test]
    fn outputs_past_the_deadline_keep_their_valid_placeholders() {
        let past = Some(Instant::now());
        let path = scratch("snapshot");
        let mut file = File::create(&path).unwrap();
        placeholder_snapshot(&mut file).unwrap();
        let graph = Some(HeapGraph::default());
        write_snapshot(file, &path, graph, past).unwrap();
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert!(json["snapshot"]["meta"].is_object());

        let path = scratch("profile");
        let mut file = File::create(&path).unwrap();
        placeholder_profile(&mut file, 4096).unwrap();
        write_profile(file, &path, empty_profile(4096), past).unwrap();
        HeapProfile::decode(&std::fs::read(&path).unwrap()).unwrap();
        assert!(leak_report(Some(HeapGraph::default()), past).is_none());
    }

    #[test]
    fn a_finished_output_replaces_its_placeholder_and_leaves_no_temporary() {
        let dir = scratch("replace");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("p.pb.gz");
        let mut file = File::create(&path).unwrap();
        placeholder_profile(&mut file, 4096).unwrap();
        let mut profile = empty_profile(1);
        profile.duration_nanos = 7;
        write_profile(file, &path, profile, None).unwrap();
        let decoded = HeapProfile::decode(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!((decoded.period, decoded.duration_nanos), (1, 7));
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
    }
}
