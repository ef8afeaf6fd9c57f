//! The workload files (`workloads/*.lox`) and the directives in their comments:
//!
//! - The file opens with `//` comment lines saying what the workload stresses.
//! - `// expect: TEXT` after a statement: the program's output ends with these lines, in the
//!   order they appear. Checked by the workload test and recorded by the sweep.
//! - `var NAME = VALUE; // param` on a line of its own: a size the workload runs with as
//!   committed (so the file runs alone) and that tools may change ([`with_params`]:
//!   `steady_churn.lox`'s `LIVE` and `CHURN`). The expectations hold for the committed values.
//! - `// slow` on a line of its own: left out of the workload test (unless
//!   `GCLOX_SLOW_TESTS=1`) and of default sweeps (unless named).

use std::io;
use std::path::{Path, PathBuf};

/// One workload file.
#[derive(Debug, Clone)]
pub struct Workload {
    /// The file name, e.g. `ring.lox`: how CSVs and plots name the workload.
    pub name: String,
    pub path: PathBuf,
    /// The file's text.
    pub text: String,
}

impl Workload {
    pub fn load(path: &Path) -> io::Result<Self> {
        let text = std::fs::read_to_string(path)?;
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into(),
        );
        Ok(Workload {
            name,
            path: path.to_path_buf(),
            text,
        })
    }

    /// Every `*.lox` file in `dir`, sorted by name (so plans are reproducible).
    pub fn discover(dir: &Path) -> io::Result<Vec<Workload>> {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)?
            .map(|entry| entry.map(|e| e.path()))
            .collect::<io::Result<_>>()?;
        paths.retain(|p| p.extension().is_some_and(|e| e == "lox"));
        paths.sort();
        paths.iter().map(|p| Workload::load(p)).collect()
    }

    /// Workloads by name (looked up in `dir`, `.lox` optional) or by path; with no names, every
    /// workload in `dir` not marked slow. Names must be unique: results are keyed by them.
    pub fn select(names: &[String], dir: &Path) -> Result<Vec<Workload>, String> {
        let listing = |e: io::Error| format!("cannot list the workloads in {}: {e}", dir.display());
        if names.is_empty() {
            let all = Workload::discover(dir).map_err(listing)?;
            let chosen: Vec<Workload> = all.into_iter().filter(|w| !w.is_slow()).collect();
            if chosen.is_empty() {
                return Err(format!("no workloads in {}", dir.display()));
            }
            return Ok(chosen);
        }
        let mut chosen = Vec::new();
        for name in names {
            let path = if Path::new(name).is_file() {
                PathBuf::from(name)
            } else if name.ends_with(".lox") {
                dir.join(name)
            } else {
                dir.join(format!("{name}.lox"))
            };
            let workload = Workload::load(&path).map_err(|e| {
                let available = Workload::discover(dir)
                    .map(|all| {
                        all.into_iter()
                            .map(|w| w.name)
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_default();
                format!(
                    "unknown workload '{name}' ({}: {e}); available in {}: {available}",
                    path.display(),
                    dir.display()
                )
            })?;
            if chosen.iter().any(|w: &Workload| w.name == workload.name) {
                return Err(format!(
                    "two workloads are named {}: results could not tell them apart",
                    workload.name
                ));
            }
            chosen.push(workload);
        }
        Ok(chosen)
    }

    /// The Lox the tools run: the file as committed.
    pub fn program(&self) -> String {
        self.text.clone()
    }

    /// The leading comment lines (without `//`): what the workload stresses.
    pub fn header(&self) -> Vec<&str> {
        self.text
            .lines()
            .map_while(|l| l.trim_start().strip_prefix("//"))
            .map(str::trim)
            .collect()
    }

    pub fn is_slow(&self) -> bool {
        self.text.lines().any(|l| l.trim() == "// slow")
    }

    /// The expected last lines of output, in order.
    pub fn expected(&self) -> Vec<&str> {
        self.text
            .lines()
            .filter_map(|l| l.split("// expect: ").nth(1))
            .map(str::trim_end)
            .collect()
    }

    /// `Ok` when the output ends with the expected lines (or nothing is expected); otherwise
    /// what was expected and what came.
    pub fn check(&self, output: &str) -> Result<(), String> {
        let expected = self.expected();
        let lines: Vec<&str> = output.lines().collect();
        let tail = &lines[lines.len().saturating_sub(expected.len())..];
        if tail == expected.as_slice() {
            Ok(())
        } else {
            Err(format!(
                "{}: expected the output to end with {expected:?}, got {tail:?}",
                self.name
            ))
        }
    }

    /// A 64-bit FNV-1a hash of the program: provenance records it so a
    /// changed workload file is visible.
    pub fn fingerprint(&self) -> u64 {
        self.program().bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
    }
}

/// `text` with the values of its `var NAME = VALUE; // param` lines replaced by `params`
/// (name, value); a name the text does not declare as a parameter is an error, so a renamed
/// parameter cannot silently leave a tool running the default size.
pub fn with_params(text: &str, params: &[(&str, u64)]) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut used = vec![false; params.len()];
    for line in text.split_inclusive('\n') {
        let declared = line
            .trim_end()
            .strip_suffix("// param")
            .and_then(|decl| decl.trim().strip_prefix("var "))
            .and_then(|decl| decl.split('=').next())
            .map(str::trim);
        match declared.and_then(|name| params.iter().position(|(n, _)| *n == name)) {
            Some(i) => {
                used[i] = true;
                let (name, value) = params[i];
                out.push_str(&format!("var {name} = {value}; // param\n"));
            }
            None => out.push_str(line),
        }
    }
    match params.iter().zip(&used).find(|(_, used)| !**used) {
        Some(((name, _), _)) => Err(format!("no `var {name} = ...; // param` line")),
        None => Ok(out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workload(text: &str) -> Workload {
        Workload {
            name: "w.lox".into(),
            path: "w.lox".into(),
            text: text.into(),
        }
    }

    #[test]
    fn directives_are_read_from_comments() {
        let w = workload(
            "// w: stresses nothing.\n// second line\n// slow\nvar N = 3; // param\n\
             print N; // expect: 3\nprint N + 1; // expect: 4\n",
        );
        assert_eq!(w.header(), ["w: stresses nothing.", "second line", "slow"]);
        let resized = with_params(&w.program(), &[("N", 7)]).unwrap();
        assert!(
            resized.contains("\nvar N = 7; // param\nprint N;"),
            "{resized}"
        );
        assert!(with_params(&w.program(), &[("M", 7)]).is_err());
        assert!(w.is_slow());
        assert_eq!(w.expected(), ["3", "4"]);
        assert!(w.check("0\n3\n4\n").is_ok());
        assert!(w.check("3\n5\n").is_err());
        assert!(w.check("").is_err());
    }

    #[test]
    fn nothing_expected_always_matches() {
        let w = workload("print 1;\n");
        assert!(w.expected().is_empty() && w.check("anything\n").is_ok());
        assert!(!w.is_slow());
    }

    #[test]
    fn selection_by_name_path_or_default() {
        let dir = std::env::temp_dir().join(format!("gclox-select-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("a.lox"), "// a: fast\nprint 1; // expect: 1\n").unwrap();
        std::fs::write(dir.join("b.lox"), "// b: slow\n// slow\nprint 2;\n").unwrap();
        let names = |ws: Vec<Workload>| ws.into_iter().map(|w| w.name).collect::<Vec<_>>();
        assert_eq!(names(Workload::select(&[], &dir).unwrap()), ["a.lox"]);
        let by_name = ["b".to_string(), "a.lox".to_string()];
        assert_eq!(
            names(Workload::select(&by_name, &dir).unwrap()),
            ["b.lox", "a.lox"]
        );
        let by_path = [dir.join("b.lox").display().to_string()];
        assert_eq!(names(Workload::select(&by_path, &dir).unwrap()), ["b.lox"]);
        let unknown = Workload::select(&["c".to_string()], &dir).unwrap_err();
        assert!(unknown.contains("unknown workload 'c'") && unknown.contains("a.lox, b.lox"));
        let twice = ["a".to_string(), "a.lox".to_string()];
        assert!(Workload::select(&twice, &dir)
            .unwrap_err()
            .contains("two workloads"));
    }

    #[test]
    fn fingerprint_follows_the_program() {
        assert_ne!(
            workload("print 1;").fingerprint(),
            workload("print 2;").fingerprint()
        );
        assert_eq!(
            workload("print 1;").fingerprint(),
            workload("print 1;").fingerprint()
        );
    }
}
