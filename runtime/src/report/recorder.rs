//! Recording a live run for its report: every collector step (the heap's step log), every
//! cycle record, and a sampler thread that reads the heap's monitor and the process's RSS at a
//! fixed interval. The thread only reads atomics and /proc, so the run's pauses do not grow.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use gclox_gc::{CycleRecord, StepKind};

use super::model::{mib, Cycle, PauseSet, RunData, Sample};
use crate::Runtime;

/// Records one runtime's run. Start it before the script runs, finish it after.
pub struct Recorder {
    cycles: Rc<RefCell<Vec<CycleRecord>>>,
    stop: Option<mpsc::Sender<()>>,
    sampler: Option<JoinHandle<Vec<Sample>>>,
}

impl Recorder {
    /// Turns on the step log, takes over the runtime's cycle observer ([`Runtime::on_cycle`])
    /// and starts sampling every `interval`.
    pub fn start(runtime: &mut Runtime, interval: Duration) -> std::io::Result<Recorder> {
        runtime.record_steps();
        let cycles = Rc::new(RefCell::new(Vec::new()));
        let sink = cycles.clone();
        runtime.on_cycle(move |c| sink.borrow_mut().push(c.clone()));
        let monitor = runtime.monitor();
        let origin = Instant::now() - runtime.uptime();
        let (stop, stopped) = mpsc::channel::<()>();
        let interval = interval.max(Duration::from_millis(1));
        let sampler = thread::Builder::new()
            .name("report-sampler".into())
            .spawn(move || {
                let mut samples = Vec::new();
                loop {
                    let s = monitor.read();
                    samples.push(Sample {
                        t_s: origin.elapsed().as_secs_f64(),
                        heap_in_use: mib(s.heap_alloc),
                        rss: crate::rss::resident_bytes().map(|b| b as f64 / (1 << 20) as f64),
                    });
                    match stopped.recv_timeout(interval) {
                        Err(RecvTimeoutError::Timeout) => continue,
                        _ => return samples,
                    }
                }
            })?;
        Ok(Recorder {
            cycles,
            stop: Some(stop),
            sampler: Some(sampler),
        })
    }

    /// Stops sampling and gathers the run's data. `name` titles the page.
    pub fn finish(mut self, runtime: &Runtime, name: &str) -> RunData {
        let run_s = runtime.uptime().as_secs_f64();
        drop(self.stop.take());
        let samples = self
            .sampler
            .take()
            .and_then(|t| t.join().ok())
            .unwrap_or_default();
        let secs = |d: Duration| d.as_secs_f64();
        let goal = |g: u64| {
            if g >= u64::MAX >> 1 {
                f64::NAN
            } else {
                mib(g)
            }
        };
        let cycles: Vec<Cycle> = self
            .cycles
            .borrow()
            .iter()
            .map(|c| Cycle {
                number: c.number,
                start_s: secs(c.start),
                mark_end_s: secs(c.mark_end),
                end_s: secs(c.end),
                heap_start: mib(c.heap_start),
                heap_mark_end: mib(c.heap_mark_end),
                live: mib(c.heap_marked),
                goal: goal(c.plan.goal),
                trigger: Some(goal(c.plan.trigger)),
                gc_ms: secs(c.pause_total()) * 1e3,
                forced: c.forced,
            })
            .collect();
        let spans: Vec<(f64, f64)> = runtime
            .step_log()
            .iter()
            .map(|s| (secs(s.start), secs(s.end)))
            .collect();
        let what = runtime
            .step_log()
            .iter()
            .map(|s| match s.kind {
                StepKind::Mark => "mark",
                StepKind::MarkTermination => "mark termination",
                StepKind::Sweep => "sweep",
            })
            .collect();
        let paused: f64 = spans.iter().map(|(a, b)| b - a).sum();
        let m = runtime.memstats();
        RunData {
            name: name.to_string(),
            origin: format!(
                "live gclox run: {} collector steps recorded, {} heap/RSS samples",
                spans.len(),
                samples.len()
            ),
            run_s,
            cycles,
            pauses: Some(PauseSet {
                kind: "collector step",
                spans,
                what: Some(what),
                complete: true,
            }),
            samples,
            gc_cpu: (run_s > 0.0).then(|| {
                (
                    paused / run_s * 100.0,
                    "summed collector steps / wall time (one thread: CPU = wall)",
                )
            }),
            total_alloc: Some(m.total_alloc),
            peak_heap: Some(mib(m.peak_heap_alloc)),
            peak_rss: crate::rss::peak_resident_kib().map(|k| k as f64 / 1024.0),
            ..RunData::default()
        }
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.sampler.take() {
            let _ = t.join();
        }
    }
}
