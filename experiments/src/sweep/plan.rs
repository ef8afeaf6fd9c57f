//! What a sweep runs: the cross product of workloads × pacers × gogc × modes × step budgets
//! × repetitions, in one fixed order, so a run's id means the same run on every machine and
//! every shard.

use std::fmt;
use std::str::FromStr;

use gclox_gc::{GcMode, PacerKind};
use gclox_runtime::isolates::Job;
use gclox_runtime::Config;

use crate::workloads::Workload;

/// A gogc setting: a percentage, or off (written `off`; `-1` in CSVs, as Go's
/// `SetGCPercent(-1)` and gclox's `__memstat("GOGC")`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gogc(pub Option<u32>);

impl Gogc {
    pub fn as_i64(self) -> i64 {
        self.0.map_or(-1, i64::from)
    }
}

impl FromStr for Gogc {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "off" => Ok(Gogc(None)),
            _ => s
                .parse()
                .map(|p| Gogc(Some(p)))
                .map_err(|_| format!("'{s}' is not a gogc value (a percentage, or off)")),
        }
    }
}

impl fmt::Display for Gogc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(p) => write!(f, "{p}"),
            None => f.write_str("off"),
        }
    }
}

/// Which part of the runs one process takes: runs whose id ≡ `index` (mod `count`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    pub fn contains(&self, run_id: usize) -> bool {
        run_id % self.count == self.index
    }
}

impl FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("'{s}' is not a shard: expected K/N with 0 <= K < N, e.g. 0/4");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count) = (k.parse().map_err(|_| bad())?, n.parse().map_err(|_| bad())?);
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// The sweep's axes.
#[derive(Debug, Clone)]
pub struct Plan {
    pub workloads: Vec<Workload>,
    /// Pacing policies (`go119` alone unless asked).
    pub pacers: Vec<PacerKind>,
    pub gogc: Vec<Gogc>,
    pub modes: Vec<GcMode>,
    /// Step budgets for incremental runs; stw runs a whole cycle in one step, so it ignores
    /// the budget and gets one run per point instead of one per budget.
    pub budgets: Vec<u64>,
    pub reps: u32,
}

/// One run of the sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSpec {
    pub id: usize,
    /// Index into [`Plan::workloads`].
    pub workload: usize,
    pub pacer: PacerKind,
    pub gogc: Gogc,
    pub mode: GcMode,
    /// `None` for stw runs.
    pub budget: Option<u64>,
    pub rep: u32,
}

impl Plan {
    /// Every run, numbered from 0. Repetitions are the outermost loop, so a shard or an
    /// interrupted sweep has every configuration once before any twice, and the repetitions of
    /// one configuration run far apart in time (less correlated noise).
    pub fn runs(&self) -> Vec<RunSpec> {
        let mut runs = Vec::new();
        for rep in 0..self.reps {
            for workload in 0..self.workloads.len() {
                for &pacer in &self.pacers {
                    for &gogc in &self.gogc {
                        for &mode in &self.modes {
                            for budget in self.budgets_for(mode) {
                                runs.push(RunSpec {
                                    id: runs.len(),
                                    workload,
                                    pacer,
                                    gogc,
                                    mode,
                                    budget,
                                    rep,
                                });
                            }
                        }
                    }
                }
            }
        }
        runs
    }

    /// Incremental runs take every budget; stw runs a whole cycle in one step, so once.
    fn budgets_for(&self, mode: GcMode) -> Vec<Option<u64>> {
        match mode {
            GcMode::Incremental => self.budgets.iter().copied().map(Some).collect(),
            GcMode::StopTheWorld => vec![None],
        }
    }

    /// The configuration of `run`: the default one with the run's settings.
    pub fn config(&self, run: &RunSpec) -> Config {
        let mut config = Config::default();
        config.gc.pacer = run.pacer;
        config.gc.gogc = run.gogc.0;
        config.gc.mode = run.mode;
        if let Some(budget) = run.budget {
            config.gc.step_budget = budget;
        }
        config
    }

    pub fn job(&self, run: &RunSpec) -> Job {
        let workload = &self.workloads[run.workload];
        Job {
            name: format!("run {}: {}", run.id, workload.name),
            source: workload.program(),
            config: self.config(run),
        }
    }

    /// One line naming every axis: equal for every shard of one sweep.
    pub fn describe(&self) -> String {
        let list = |items: Vec<String>| items.join(",");
        format!(
            "workloads={} pacers={} gogc={} modes={} budgets={} reps={}",
            list(self.workloads.iter().map(|w| w.name.clone()).collect()),
            list(self.pacers.iter().map(PacerKind::to_string).collect()),
            list(self.gogc.iter().map(Gogc::to_string).collect()),
            list(self.modes.iter().map(GcMode::to_string).collect()),
            list(self.budgets.iter().map(u64::to_string).collect()),
            self.reps
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> Plan {
        let w = |name: &str| Workload {
            name: name.into(),
            path: name.into(),
            text: "print 1;".into(),
        };
        Plan {
            workloads: vec![w("a.lox"), w("b.lox")],
            pacers: vec![PacerKind::Go119],
            gogc: vec![Gogc(Some(50)), Gogc(None)],
            modes: vec![GcMode::Incremental, GcMode::StopTheWorld],
            budgets: vec![256, 2048],
            reps: 2,
        }
    }

    #[test]
    fn runs_are_numbered_in_a_fixed_order_and_stw_ignores_budgets() {
        let runs = plan().runs();
        // 2 reps × 2 workloads × 2 gogc × (2 budgets + 1 stw)
        assert_eq!(runs.len(), 24);
        assert!(runs.iter().enumerate().all(|(i, r)| r.id == i));
        assert_eq!(
            (runs[0].rep, runs[0].workload, runs[0].budget),
            (0, 0, Some(256))
        );
        assert_eq!((runs[2].mode, runs[2].budget), (GcMode::StopTheWorld, None));
        assert_eq!(runs[12].rep, 1);
        assert_eq!(runs, plan().runs());
    }

    #[test]
    fn shards_partition_the_runs() {
        let runs = plan().runs();
        let shards: Vec<Shard> = (0..5).map(|k| format!("{k}/5").parse().unwrap()).collect();
        for run in &runs {
            assert_eq!(shards.iter().filter(|s| s.contains(run.id)).count(), 1);
        }
        for bad in ["5/5", "1", "a/2", "0/0", "-1/2", "1/2/3"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn gogc_parses_percent_and_off() {
        assert_eq!("150".parse::<Gogc>(), Ok(Gogc(Some(150))));
        assert_eq!("off".parse::<Gogc>().map(Gogc::as_i64), Ok(-1));
        assert!("-5".parse::<Gogc>().is_err() && "lots".parse::<Gogc>().is_err());
    }

    #[test]
    fn config_carries_the_run_settings() {
        let plan = plan();
        let runs = plan.runs();
        let config = plan.config(&runs[1]);
        assert_eq!(config.gc.gogc, Some(50));
        assert_eq!(config.gc.step_budget, 2048);
        assert!(plan.describe().contains("gogc=50,off"));
    }
}
