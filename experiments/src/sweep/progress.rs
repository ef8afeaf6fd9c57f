//! Progress of a sweep: a bar with an ETA on a terminal; on a log (Slurm, CI, a pipe) a plain
//! line at every tenth of the runs instead, since redrawn bars make unreadable logs.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

pub struct Progress {
    bar: Option<ProgressBar>,
    total: usize,
    began: Instant,
    /// Tenths of the runs already reported on a log.
    tenths: AtomicUsize,
}

impl Progress {
    pub fn new(total: usize) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(total as u64);
            let style = ProgressStyle::with_template(
                "{elapsed_precise} [{wide_bar}] {pos}/{len} runs, ETA {eta}",
            )
            .expect("the template is valid");
            bar.set_style(style.progress_chars("=> "));
            bar
        });
        Progress {
            bar,
            total,
            began: Instant::now(),
            tenths: AtomicUsize::new(0),
        }
    }

    /// `done` runs have finished (called from worker threads).
    pub fn done(&self, done: usize) {
        if let Some(bar) = &self.bar {
            bar.set_position(done as u64);
            return;
        }
        let tenth = done * 10 / self.total.max(1);
        if self.tenths.fetch_max(tenth, Ordering::Relaxed) < tenth {
            let elapsed = self.began.elapsed();
            let left = self.total - done;
            let eta = elapsed.mul_f64(left as f64 / done.max(1) as f64);
            eprintln!(
                "sweep: {done}/{} runs after {}, ETA {}",
                self.total,
                seconds(elapsed),
                seconds(eta)
            );
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish();
        }
    }
}

fn seconds(d: Duration) -> String {
    format!("{:.0}s", d.as_secs_f64())
}
