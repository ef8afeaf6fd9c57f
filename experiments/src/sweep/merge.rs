//! Merging the output folders of the shards of one sweep into one: the CSV files are
//! concatenated (headers must match) and sorted by run id, the provenance must agree on what
//! was swept, and the plots are redrawn over all runs.

use std::path::{Path, PathBuf};

use super::error::{Result, SweepError};
use super::provenance::{self, Provenance, SWEEP_IDENTITY};
use super::run::{prepare_output, replot, CYCLES_FILE, RUNS_FILE};
use super::table;

pub struct Merged {
    pub runs: usize,
    /// Run ids of the sweep that no input had (a shard missing or failed).
    pub missing: Vec<usize>,
}

pub fn merge(inputs: &[PathBuf], out: &Path, force: bool, histograms: bool) -> Result<Merged> {
    let Some(first_dir) = inputs.first() else {
        return Err(SweepError::usage("merge needs at least one shard folder"));
    };
    let first = Provenance::read(first_dir)?;
    let mut shards = Vec::new();
    for dir in inputs {
        let p = Provenance::read(dir)?;
        for key in SWEEP_IDENTITY {
            if p.all(key) != first.all(key) {
                return Err(SweepError::data(format!(
                    "{} and {} are not shards of one sweep: their `{key}` differs",
                    first_dir.display(),
                    dir.display()
                )));
            }
        }
        shards.push(p.get("shard").unwrap_or("?").to_string());
    }
    prepare_output(out, force)?;
    let ids = merge_table(inputs, RUNS_FILE, out)?;
    if let Some(pair) = ids.windows(2).find(|w| w[0] == w[1]) {
        return Err(SweepError::data(format!(
            "run {} is in more than one input (the same shard given twice?)",
            pair[0]
        )));
    }
    merge_table(inputs, CYCLES_FILE, out)?;
    let total: usize = first
        .get("runs_total")
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let missing = (0..total)
        .filter(|id| ids.binary_search(id).is_err())
        .collect();

    let mut merged = Provenance::default();
    merged.add("command", provenance::command_line());
    for (key, value) in &first.entries {
        if SWEEP_IDENTITY.contains(&key.as_str()) || key == "runs_total" {
            merged.add(key, value.clone());
        }
    }
    merged.add("merged_unix_s", provenance::unix_now().to_string());
    merged.add("shards", shards.join(" "));
    for dir in inputs {
        merged.add("merged_from", dir.display().to_string());
    }
    merged.write(out)?;
    replot(out, histograms)?;
    Ok(Merged {
        runs: ids.len(),
        missing,
    })
}

/// Concatenates `file` of every input into `out/file`, sorted by run id (the first column;
/// stable, so a run's cycles keep their order). Returns the run id of every row, sorted.
fn merge_table(inputs: &[PathBuf], file: &str, out: &Path) -> Result<Vec<usize>> {
    let mut header: Option<(csv::StringRecord, PathBuf)> = None;
    let mut rows: Vec<(usize, csv::StringRecord)> = Vec::new();
    for dir in inputs {
        let path = dir.join(file);
        let (this_header, records) = table::read_raw(&path)?;
        match &header {
            Some((h, from)) if *h != this_header => {
                return Err(SweepError::data(format!(
                    "{} and {} have different columns",
                    from.display(),
                    path.display()
                )));
            }
            Some(_) => {}
            None => header = Some((this_header, path.clone())),
        }
        for record in records {
            let id = record
                .get(0)
                .and_then(|id| id.parse().ok())
                .ok_or_else(|| {
                    SweepError::data(format!(
                        "{}: a row without a run id: {record:?}",
                        path.display()
                    ))
                })?;
            rows.push((id, record));
        }
    }
    rows.sort_by_key(|(id, _)| *id);
    let target = out.join(file);
    let io = |e: csv::Error| SweepError::io(&target, e);
    let mut writer = csv::Writer::from_path(&target).map_err(io)?;
    if let Some((h, _)) = &header {
        writer.write_record(h).map_err(io)?;
    }
    for (_, record) in &rows {
        writer.write_record(record).map_err(io)?;
    }
    writer.flush().map_err(|e| SweepError::io(&target, e))?;
    Ok(rows.into_iter().map(|(id, _)| id).collect())
}
