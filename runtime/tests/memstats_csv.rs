//! The `--memstats-csv` sampler, fed by a publisher driven from the test itself.

use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use gclox_gc::monitor::{channel, Snapshot, PHASE_MARKING, PHASE_SLEEPING};
use gclox_runtime::memstats_csv::{CsvSampler, HEADER};

fn temp_file(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}.csv", std::process::id()))
}

#[test]
fn samples_a_changing_heap_into_rows() {
    let path = temp_file("memstats");
    let (publisher, monitor) = channel();
    let sampler = CsvSampler::start(monitor, &path, Duration::from_millis(5)).expect("start");

    // ~100 ms of a heap that grows, collects every 10 publications and alternates phases.
    let began = Instant::now();
    let mut n = 0u64;
    let mut last = Snapshot::default();
    while began.elapsed() < Duration::from_millis(100) {
        n += 1;
        last = Snapshot {
            time_ns: began.elapsed().as_nanos() as u64,
            heap_alloc: 1000 + n * 10,
            heap_objects: n,
            next_gc: 4 << 20,
            total_alloc: n * 100,
            num_gc: n / 10,
            num_pauses: n,
            pause_total_ns: n * 1500,
            last_pause_ns: 1500,
            phase: if n % 2 == 1 {
                PHASE_SLEEPING
            } else {
                PHASE_MARKING
            },
            ..Snapshot::default()
        };
        publisher.publish(&last);
        thread::sleep(Duration::from_micros(200));
    }
    let rows = sampler.stop().expect("stop");

    let text = std::fs::read_to_string(&path).expect("read the csv");
    let _ = std::fs::remove_file(&path);
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(HEADER));
    let mut previous: Option<(f64, u64)> = None;
    let mut count = 0;
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells.len(), 11, "{line}");
        let time: f64 = cells[0].parse().expect("time_s");
        assert_eq!(cells[0].split('.').nth(1).map(str::len), Some(6), "{line}");
        for cell in &cells[1..10] {
            cell.parse::<u64>().expect(line);
        }
        assert!(
            ["sleeping", "marking", "sweeping"].contains(&cells[10]),
            "{line}"
        );
        let num_gc: u64 = cells[5].parse().expect("num_gc");
        if let Some((t, gc)) = previous {
            assert!(time >= t && num_gc >= gc, "went back: {line}");
        }
        previous = Some((time, num_gc));
        count += 1;
    }
    assert_eq!(count, rows);
    assert!(rows >= 5, "only {rows} rows");
    // The final sample is taken at stop, after the last publication; time is truncated to µs.
    let final_row = text.lines().last().expect("rows");
    let t = last.time_ns;
    let expected_time = format!("{}.{:06},", t / 1_000_000_000, t % 1_000_000_000 / 1000);
    assert!(final_row.starts_with(&expected_time), "{final_row}");
    assert_eq!(
        final_row.split(',').nth(1),
        Some(&*last.heap_alloc.to_string())
    );
    assert!(final_row.ends_with(last.phase_name()));
    eprintln!("{n} publications, {rows} rows");
}

#[test]
fn rejects_a_zero_interval_and_reports_an_unwritable_path() {
    let (_publisher, monitor) = channel();
    let path = temp_file("zero");
    assert!(CsvSampler::start(monitor.clone(), &path, Duration::ZERO).is_err());
    let _ = std::fs::remove_file(&path);
    let missing = temp_file("no-such-dir").join("memstats.csv");
    assert!(CsvSampler::start(monitor, &missing, Duration::from_millis(5)).is_err());
}

/// A writer the test can read back after the sampler thread is done with its clone.
#[derive(Clone, Default)]
struct SharedBuf(Arc<Mutex<Vec<u8>>>);

impl Write for SharedBuf {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().expect("poisoned").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn stop_wakes_the_sampler_at_once_and_unpublished_rows_are_zeroes() {
    let (_publisher, monitor) = channel();
    let out = SharedBuf::default();
    let sampler =
        CsvSampler::start_writer(monitor, out.clone(), Duration::from_secs(3600)).expect("start");
    // An hour's interval: stop must not wait for the next tick. Rows: the first and the final.
    let began = Instant::now();
    assert_eq!(sampler.stop().expect("stop"), 2);
    assert!(began.elapsed() < Duration::from_secs(5));
    let text = String::from_utf8(out.0.lock().expect("poisoned").clone()).expect("utf-8");
    let zeroes = "0.000000,0,0,0,0,0,0,0,0,0,sleeping";
    assert_eq!(text, format!("{HEADER}\n{zeroes}\n{zeroes}\n"));
}
