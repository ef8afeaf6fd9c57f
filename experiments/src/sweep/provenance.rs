//! `provenance.txt`: how a sweep's results were made — the exact command line, the gclox
//! version and git commit, the plan, each workload's fingerprint, the shard, the machine's
//! parallelism and the times — as `key: value` lines, so a result can be reproduced and shards
//! of different sweeps are never merged.

use std::path::Path;
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use super::error::{Result, SweepError};
use super::plan::Plan;

pub const FILE: &str = "provenance.txt";

/// The keys that must be equal in every shard of one sweep.
pub const SWEEP_IDENTITY: [&str; 4] = ["gclox_version", "git_commit", "plan", "workload"];

/// Ordered `key: value` lines (a key may repeat, e.g. `workload`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Provenance {
    pub entries: Vec<(String, String)>,
}

impl Provenance {
    /// The entries every sweep records before it runs.
    pub fn for_sweep(plan: &Plan) -> Self {
        let mut p = Provenance::default();
        p.add("command", command_line());
        p.add(
            "cwd",
            std::env::current_dir().map_or_else(|_| "unknown".into(), |d| d.display().to_string()),
        );
        p.add("gclox_version", env!("CARGO_PKG_VERSION"));
        p.add("git_commit", env!("GCLOX_GIT_COMMIT"));
        p.add("git_worktree_at_run", worktree_state());
        p.add("started_unix_s", unix_now().to_string());
        p.add(
            "available_parallelism",
            gclox_runtime::isolates::default_threads().to_string(),
        );
        p.add("plan", plan.describe());
        for w in &plan.workloads {
            p.add(
                "workload",
                format!("{} fnv1a64={:016x}", w.name, w.fingerprint()),
            );
        }
        p
    }

    pub fn add(&mut self, key: &str, value: impl Into<String>) {
        self.entries.push((key.into(), value.into()));
    }

    /// The first value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `key`, in order.
    pub fn all(&self, key: &str) -> Vec<&str> {
        self.entries
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn write(&self, dir: &Path) -> Result<()> {
        let mut text = String::from("# gclox sweep: how the files in this folder were made\n");
        for (key, value) in &self.entries {
            text.push_str(&format!("{key}: {}\n", value.replace('\n', " ")));
        }
        let path = dir.join(FILE);
        std::fs::write(&path, text).map_err(|e| SweepError::io(&path, e))
    }

    pub fn read(dir: &Path) -> Result<Self> {
        let path = dir.join(FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| SweepError::io(&path, e))?;
        let entries = text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(|l| {
                l.split_once(": ")
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .ok_or_else(|| SweepError::data(format!("{}: bad line '{l}'", path.display())))
            })
            .collect::<Result<_>>()?;
        Ok(Provenance { entries })
    }
}

/// The command line, each argument quoted for a POSIX shell where needed.
pub fn command_line() -> String {
    std::env::args()
        .map(|a| shell_quote(&a))
        .collect::<Vec<_>>()
        .join(" ")
}

fn shell_quote(arg: &str) -> String {
    let plain = !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./,=:@%+".contains(c));
    if plain {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Whether the source tree the tool was built from has uncommitted changes now (`clean`,
/// `dirty`, or `unknown` without git or outside a checkout): the commit alone does not say.
fn worktree_state() -> String {
    let status = Command::new("git")
        .args(["status", "--porcelain", "--untracked-files=no"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output();
    match status {
        Ok(out) if out.status.success() && out.stdout.is_empty() => "clean".into(),
        Ok(out) if out.status.success() => "dirty".into(),
        _ => "unknown".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_keeps_plain_arguments_and_quotes_the_rest() {
        assert_eq!(shell_quote("--gogc=50,100"), "--gogc=50,100");
        assert_eq!(shell_quote("two words"), "'two words'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }

    #[test]
    fn provenance_round_trips_through_its_file() {
        let dir = std::env::temp_dir().join(format!("gclox-prov-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut p = Provenance::default();
        p.add("command", "sweep run --out 'a b'");
        p.add("workload", "a.lox fnv1a64=00");
        p.add("workload", "b.lox fnv1a64=01");
        p.write(&dir).unwrap();
        let back = Provenance::read(&dir).unwrap();
        assert_eq!(back, p);
        assert_eq!(back.all("workload").len(), 2);
        assert_eq!(back.get("command"), Some("sweep run --out 'a b'"));
    }
}
