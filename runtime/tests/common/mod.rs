//! Helpers of the tests that run the `gclox` binary as a process: spawn it, signal it, wait for
//! it with a generous bound (the machine may be loaded; the tests check promises of about a
//! second against ten), and read its outputs.

#![allow(dead_code)] // each test file uses some of these

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The bound every "ends within N s" promise is checked against.
pub const GENEROUS: Duration = Duration::from_secs(10);

pub fn gclox() -> Command {
    Command::new(env!("CARGO_BIN_EXE_gclox"))
}

/// A fresh directory for one test's files.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gclox-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Sends `signal` ("INT", "TERM") to the child with kill(1): no `unsafe`, no dependency.
pub fn signal(child: &Child, signal: &str) {
    let status = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(child.id().to_string())
        .status()
        .expect("kill(1) runs");
    assert!(status.success(), "kill -{signal} failed");
}

/// Waits for the child at most `bound`; kills it and fails the test past that. Returns the
/// status and how long the wait took.
pub fn wait_within(child: &mut Child, bound: Duration) -> (ExitStatus, Duration) {
    let began = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return (status, began.elapsed());
        }
        if began.elapsed() > bound {
            let _ = child.kill();
            let _ = child.wait();
            panic!("gclox still ran after {bound:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Spawns `command` with its stderr piped and collected in the background.
pub fn spawn_with_stderr(command: &mut Command) -> (Child, Collected) {
    let mut child = command.stderr(Stdio::piped()).spawn().unwrap();
    let stderr = Collected::start(child.stderr.take().unwrap());
    (child, stderr)
}

/// Collects a pipe's contents on a thread, so the child never blocks on it and the test can
/// look at what arrived so far.
#[derive(Clone, Default)]
pub struct Collected(Arc<Mutex<Vec<u8>>>);

impl Collected {
    pub fn start(mut pipe: impl Read + Send + 'static) -> Collected {
        let collected = Collected::default();
        let sink = collected.0.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        collected
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// Polls `ready` every 50 ms until it holds, failing the test after [`GENEROUS`].
pub fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    let began = Instant::now();
    while !ready() {
        assert!(began.elapsed() < GENEROUS, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A script that allocates for ever, keeping every 64th object: a growing heap, cycles, and
/// trace events.
pub const CHURN: &str = "class Node { init(next) { this.next = next; this.name = \"node\"; } }
var keep = nil;
var i = 0;
while (true) {
  var n = Node(nil);
  i = i + 1;
  if (i > 64) { keep = Node(keep); i = 0; }
}
";

/// Every row of a CSV has the header's number of fields, and the file ends with a newline.
pub fn assert_csv_rows_whole(csv: &str) {
    assert!(
        csv.ends_with('\n'),
        "the last row is torn: {:?}",
        csv.lines().last()
    );
    let mut lines = csv.lines();
    let fields = lines.next().expect("a header").split(',').count();
    for line in lines {
        assert_eq!(line.split(',').count(), fields, "torn row {line:?}");
    }
}
