//! The docs check: every command the project's documents give (in ```sh blocks and in inline
//! `code` starting with `cargo`, `python3` or `gclox`) names things that exist — gclox flags
//! that `gclox --help` lists, workspace packages, binaries, tests and benches, and the repo's
//! scripts and Lox inputs — so a command that went stale (a moved tool, a renamed flag) fails
//! here rather than on a new user's machine. Most commands are checked, not run: they take
//! minutes (benchmarks, sweeps) or need tools outside the project (clox, Go, a browser). The
//! cheap ones run verbatim in a scratch copy of the repository: every `gclox` command whose
//! inputs exist and are not marked `// slow`, and every project Python script with `--help`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The documents whose commands are checked, relative to the repository root.
const DOCUMENTS: &[&str] = &[
    "README.md",
    "ARCHITECTURE.md",
    "BENCHMARKS.md",
    "RESULTS.md",
    "experiments/README.md",
    "fuzz/README.md",
    "docs/security.md",
    "benches/README.md",
    "experiments/trace-viewers/README.md",
];

const PACKAGES: &[&str] = &[
    "gclox-gc",
    "gclox-interp",
    "gclox-runtime",
    "gclox-benches",
    "gclox-experiments",
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The package's directory, for `--test` and `--bench` names.
fn package_dir(package: &str) -> &'static str {
    match package {
        "gclox-gc" => "gc",
        "gclox-interp" => "interp",
        "gclox-benches" => "benches",
        "gclox-experiments" => "experiments",
        _ => "runtime",
    }
}

/// Every command line of `text`: the lines of ```sh blocks (comments cut) and inline code
/// spans that start with a command this check knows.
fn commands(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_sh = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("```") {
            in_sh = !in_sh && trimmed == "```sh";
            continue;
        }
        if in_sh {
            let command = trimmed.split(" #").next().unwrap_or("").trim();
            if !command.is_empty() && !command.starts_with('#') {
                out.push(command.to_string());
            }
            continue;
        }
        for (i, span) in line.split('`').enumerate() {
            if i % 2 == 1
                && ["cargo ", "python3 ", "gclox "]
                    .iter()
                    .any(|p| span.starts_with(p))
            {
                out.push(span.to_string());
            }
        }
    }
    out
}

/// What is wrong with one command of the document in `dir` (empty: nothing found). A relative
/// path may be from the repository's root or from the document's directory (where its
/// commands `cd` first).
fn problems(command: &str, dir: &Path, help: &str, report_help: &str) -> Vec<String> {
    let words: Vec<&str> = command.split_whitespace().collect();
    let cargo = words.first() == Some(&"cargo");
    let mut found = Vec::new();
    let mut package = "gclox-runtime";
    let gclox_at = gclox_arguments(&words);
    for (i, word) in words.iter().enumerate() {
        let next = words.get(i + 1).copied().unwrap_or("");
        match *word {
            _ if !cargo => {}
            "-p" if !PACKAGES.contains(&next) => found.push(format!("unknown package {next}")),
            "-p" => package = next,
            "--bin"
                if !["gclox", "gc-bench", "sweep", "leak_study", "step_trace"].contains(&next) =>
            {
                found.push(format!("unknown binary {next}"))
            }
            "--test"
                if !root()
                    .join(package_dir(package))
                    .join("tests")
                    .join(format!("{next}.rs"))
                    .is_file() =>
            {
                found.push(format!("no test {next} in {package}"))
            }
            "--bench"
                if !root()
                    .join("benches/benches")
                    .join(format!("{next}.rs"))
                    .is_file() =>
            {
                found.push(format!("no bench {next}"))
            }
            _ => {}
        }
        // Repository scripts and Lox inputs must exist (placeholders and outputs aside).
        let is_input = word.ends_with(".py") || word.ends_with(".lox") || word.ends_with(".sh");
        let placeholder = word.contains("PATH/TO") || word.contains('…') || word.contains('*');
        if is_input && !placeholder && word.contains('/') && !word.starts_with('/') {
            // Inside the project: a clone has nothing beside it.
            let top = root().canonicalize().expect("the repository");
            let inside = |path: PathBuf| path.canonicalize().is_ok_and(|p| p.starts_with(&top));
            if !inside(root().join(word)) && !inside(root().join(dir).join(word)) {
                found.push(format!("no file {word} in the project"));
            }
        }
    }
    if let Some(start) = gclox_at {
        let args = &words[start.min(words.len())..];
        let listed = if args.first() == Some(&"report") {
            report_help
        } else {
            help
        };
        for arg in args {
            if let Some(flag) = arg.strip_prefix("--") {
                let flag = flag.split('=').next().unwrap_or(flag);
                if !flag.is_empty() && !listed.contains(&format!("--{flag}")) {
                    found.push(format!("gclox has no flag --{flag}"));
                }
            }
        }
    }
    found
}

/// Where the gclox arguments of a command start: after `gclox` (or a path ending in it) or
/// after `--bin gclox ... --`.
fn gclox_arguments(words: &[&str]) -> Option<usize> {
    words
        .iter()
        .position(|w| *w == "gclox" || w.ends_with("/gclox"))
        .filter(|&i| i == 0 || words[i - 1] != "--bin")
        .map(|i| i + 1)
        .or_else(|| {
            let bin = words.windows(2).position(|w| w == ["--bin", "gclox"])?;
            words[bin..]
                .iter()
                .position(|w| *w == "--")
                .map(|i| bin + i + 1)
        })
}

/// What of a command runs cheaply, from the directory `cwd` (in the scratch copy).
#[derive(Debug, PartialEq)]
enum Cheap {
    /// `gclox` with these arguments: its inputs exist and none is a slow workload.
    Gclox(Vec<String>),
    /// A project Python script, run with `--help`.
    PythonHelp(String),
}

fn cheap(command: &str, cwd: &Path) -> Option<Cheap> {
    let words: Vec<&str> = command.split_whitespace().collect();
    if words.first() == Some(&"python3") {
        let script = words.get(1)?;
        return cwd
            .join(script)
            .is_file()
            .then(|| Cheap::PythonHelp(script.to_string()));
    }
    // Run by gclox itself (not, say, under valgrind, which the check does not have).
    let first = *words.first()?;
    if !(first == "gclox" || first.ends_with("/gclox") || first == "cargo") {
        return None;
    }
    let args = &words[gclox_arguments(&words)?.min(words.len())..];
    let placeholder = |w: &&str| {
        w.contains('[')
            || w.contains('…')
            || w.contains("PATH/TO")
            || w.chars().all(|c| c.is_ascii_uppercase())
    };
    if args.iter().any(placeholder) || words.contains(&"|") {
        return None;
    }
    let mut inputs = 0;
    for arg in args {
        if [".lox", ".log", ".gctrace"]
            .iter()
            .any(|e| arg.ends_with(e))
        {
            let text = std::fs::read_to_string(cwd.join(arg)).ok()?;
            if text.lines().any(|l| l.trim() == "// slow") {
                return None;
            }
            inputs += 1;
        }
    }
    let help = args.last().is_some_and(|a| *a == "--help");
    (inputs > 0 || help).then(|| Cheap::Gclox(args.iter().map(|a| a.to_string()).collect()))
}

/// A copy of the repository's documents and inputs (no `target/`, no `.git`) in a fresh
/// temporary directory, so commands that write outputs leave the checkout alone.
fn scratch_copy() -> PathBuf {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).expect("scratch directory");
        for entry in std::fs::read_dir(from)
            .expect("readable directory")
            .flatten()
        {
            let name = entry.file_name();
            if name == "target" || name == ".git" || name == "node_modules" {
                continue;
            }
            let (src, dst) = (entry.path(), to.join(&name));
            if src.is_dir() {
                copy(&src, &dst);
            } else {
                std::fs::copy(&src, &dst).expect("copy");
            }
        }
    }
    let dir = std::env::temp_dir().join(format!("gclox-docs-check-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy(&root(), &dir);
    dir
}

fn help_text(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_gclox"))
        .args(args)
        .output()
        .expect("gclox runs");
    assert!(out.status.success(), "gclox {args:?} fails");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn every_documented_command_names_what_exists() {
    let help = help_text(&["--help"]);
    let report_help = help_text(&["report", "--help"]);
    let mut checked = 0;
    let mut failures = Vec::new();
    for document in DOCUMENTS {
        let text = std::fs::read_to_string(root().join(document)).expect("a document");
        let dir = Path::new(document).parent().unwrap_or(Path::new(""));
        for command in commands(&text) {
            checked += 1;
            for problem in problems(&command, dir, &help, &report_help) {
                failures.push(format!("{document}: `{command}`: {problem}"));
            }
        }
    }
    assert!(checked > 50, "only {checked} commands found");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_check_catches_stale_commands() {
    let help = "--gctrace --report";
    let stale = [
        ("python3 ../shared/tools/run_suite.py --root X", "no file"),
        (
            "cargo run --release --bin gclox -- --gctrce tests/cycles/ring.lox",
            "no flag",
        ),
        ("gclox --report r.html tests/cycles/nope.lox", "no file"),
        ("cargo test -p gclox-runtime --test no_such_test", "no test"),
        (
            "cargo run -p gclox-experimentz --bin sweep",
            "unknown package",
        ),
    ];
    for (command, why) in stale {
        let found = problems(command, Path::new(""), help, "");
        assert!(
            found.iter().any(|p| p.contains(why)),
            "{command}: {found:?}"
        );
    }
    let fine = "cargo run --release --bin gclox -- --gctrace tests/cycles/ring.lox";
    assert_eq!(
        problems(fine, Path::new(""), help, ""),
        Vec::<String>::new()
    );
    // From the document's directory: fuzz/README.md's `./seed.sh`.
    assert!(problems("./seed.sh", Path::new("fuzz"), help, "").is_empty());
}

#[test]
fn cheap_documented_commands_run_verbatim() {
    let scratch = scratch_copy();
    let mut ran = Vec::new();
    let mut failures = Vec::new();
    for document in DOCUMENTS {
        let text = std::fs::read_to_string(root().join(document)).expect("a document");
        let dir = scratch.join(Path::new(document).parent().unwrap_or(Path::new("")));
        for command in commands(&text) {
            let Some(what) = cheap(&command, &dir) else {
                continue;
            };
            let output = match &what {
                Cheap::Gclox(args) => Command::new(env!("CARGO_BIN_EXE_gclox"))
                    .args(args)
                    .current_dir(&dir)
                    .stdin(std::process::Stdio::null())
                    .output(),
                Cheap::PythonHelp(script) => Command::new("python3")
                    .args([script.as_str(), "--help"])
                    .current_dir(&dir)
                    .output(),
            };
            match output {
                Ok(out) if out.status.success() => ran.push(command),
                Ok(out) => failures.push(format!(
                    "{document}: `{command}`: {}\n{}",
                    out.status,
                    String::from_utf8_lossy(&out.stderr)
                )),
                Err(e) => failures.push(format!("{document}: `{command}`: {e}")),
            }
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    eprintln!("ran verbatim: {ran:#?}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // README's first command, the report, the gctrace page, a workload alone, help texts and
    // every Python tool at least.
    assert!(ran.len() >= 15, "only {} ran: {ran:#?}", ran.len());
}

#[test]
fn only_what_is_cheap_and_present_runs() {
    let dir = root();
    let ring = "cargo run --release --bin gclox -- --gctrace tests/cycles/ring.lox";
    assert!(
        matches!(cheap(ring, &dir), Some(Cheap::Gclox(a)) if a == ["--gctrace", "tests/cycles/ring.lox"])
    );
    for not_run in [
        "gclox --profile-top FILE",
        "gclox [FLAGS] [script.lox]",
        "gclox report --compare before.log after.log -o diff.html",
        "gclox --stats",
        "gclox --stats experiments/workloads/live_1m_churn.lox",
        "cargo run --release --bin gclox -- …",
        "cargo test --workspace",
        "valgrind --tool=callgrind target/release/gclox tests/cycles/ring.lox",
    ] {
        assert_eq!(cheap(not_run, &dir), None, "{not_run}");
    }
    assert_eq!(
        cheap("python3 tools/ratio.py --rounds 9 A B C", &dir),
        Some(Cheap::PythonHelp("tools/ratio.py".into()))
    );
}

/// Every generated table of RESULTS.md and BENCHMARKS.md has the section of
/// `experiments/regenerate.py` that rewrites it, and every section its table.
#[test]
fn every_result_table_has_its_generator() {
    let out = Command::new("python3")
        .args(["experiments/regenerate.py", "--check"])
        .current_dir(root())
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
