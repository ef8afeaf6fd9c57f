//! Reading and writing the sweep's CSV files. The header is written from the column list
//! rather than from the first row, so an empty shard still has one, and it is checked on
//! reading, so a file from another version of the tool is refused instead of misread.

use std::path::Path;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::error::{Result, SweepError};

/// Writes `columns` and then one line per row.
pub fn write<T: Serialize>(path: &Path, columns: &[&str], rows: &[T]) -> Result<()> {
    let io = |e: csv::Error| SweepError::io(path, e);
    let mut out = csv::WriterBuilder::new()
        .has_headers(false)
        .from_path(path)
        .map_err(io)?;
    out.write_record(columns).map_err(io)?;
    for row in rows {
        out.serialize(row).map_err(io)?;
    }
    out.flush().map_err(|e| SweepError::io(path, e))
}

/// The header and the raw records of a CSV file (for merging without interpreting rows).
pub fn read_raw(path: &Path) -> Result<(csv::StringRecord, Vec<csv::StringRecord>)> {
    let mut input = csv::Reader::from_path(path).map_err(|e| SweepError::io(path, e))?;
    let header = input
        .headers()
        .map_err(|e| SweepError::data(format!("{}: {e}", path.display())))?
        .clone();
    let records = input
        .records()
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| SweepError::data(format!("{}: {e}", path.display())))?;
    Ok((header, records))
}

/// Typed rows of a file whose header must be exactly `columns`.
pub fn read<T: DeserializeOwned>(path: &Path, columns: &[&str]) -> Result<Vec<T>> {
    let mut input = csv::Reader::from_path(path).map_err(|e| SweepError::io(path, e))?;
    let header = input
        .headers()
        .map_err(|e| SweepError::data(format!("{}: {e}", path.display())))?;
    if header.iter().ne(columns.iter().copied()) {
        return Err(SweepError::data(format!(
            "{}: unexpected columns (not written by this version of sweep?)\n  found:    {}\n  expected: {}",
            path.display(),
            header.iter().collect::<Vec<_>>().join(","),
            columns.join(",")
        )));
    }
    input
        .deserialize()
        .collect::<std::result::Result<Vec<T>, _>>()
        .map_err(|e| SweepError::data(format!("{}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::super::record::{CycleRow, RunRow, CYCLE_COLUMNS, RUN_COLUMNS};
    use super::*;

    fn run_row(id: usize) -> RunRow {
        RunRow {
            run_id: id,
            workload: "a, \"quoted\" name.lox".into(),
            pacer: "lua54".into(),
            gogc: -1,
            mode: "stw".into(),
            step_budget: None,
            rep: 0,
            exit_code: 70,
            output_ok: None,
            wall_s: 0.25,
            num_gc: 3,
            num_pauses: 3,
            gc_share: 0.125,
            pause_total_ns: 10,
            pause_p50_ns: 2,
            pause_p99_ns: 5,
            pause_max_ns: 5,
            peak_heap_bytes: 1 << 20,
            mean_heap_marked_bytes: 1000,
            total_alloc_bytes: 1 << 24,
            mmu_1ms: Some(0.25),
            mmu_10ms: None,
            mmu_100ms: Some(1.0),
            error: "Undefined variable 'x'.".into(),
        }
    }

    fn dir(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("gclox-table-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// The column lists must name the row types' fields in order: serde writes by position.
    #[test]
    fn columns_match_the_row_fields_and_rows_round_trip() {
        let path = dir("runs").join("runs.csv");
        let rows = vec![run_row(0), run_row(1)];
        write(&path, &RUN_COLUMNS, &rows).unwrap();
        let mut serde_header = csv::Writer::from_writer(vec![]);
        serde_header.serialize(run_row(0)).unwrap();
        let text = String::from_utf8(serde_header.into_inner().unwrap()).unwrap();
        assert_eq!(text.lines().next().unwrap(), RUN_COLUMNS.join(","));
        assert_eq!(read::<RunRow>(&path, &RUN_COLUMNS).unwrap(), rows);

        let cycle = CycleRow {
            run_id: 0,
            cycle: 1,
            forced: false,
            start_s: 0.5,
            steps: 4,
            longest_step_ns: 9,
            pause_ns: 20,
            heap_start_bytes: 1,
            heap_marked_bytes: 2,
            heap_peak_bytes: 3,
            goal_bytes: 4,
            bytes_freed: 5,
            objects_freed: 6,
        };
        let path = dir("cycles").join("cycles.csv");
        write(&path, &CYCLE_COLUMNS, std::slice::from_ref(&cycle)).unwrap();
        assert_eq!(
            read::<CycleRow>(&path, &CYCLE_COLUMNS).unwrap(),
            vec![cycle]
        );
    }

    #[test]
    fn an_empty_table_keeps_its_header_and_other_headers_are_refused() {
        let path = dir("empty").join("runs.csv");
        write::<RunRow>(&path, &RUN_COLUMNS, &[]).unwrap();
        assert!(read::<RunRow>(&path, &RUN_COLUMNS).unwrap().is_empty());
        let err = read::<CycleRow>(&path, &CYCLE_COLUMNS).unwrap_err();
        assert_eq!(err.exit_code, super::super::error::EXIT_DATA);
    }
}
