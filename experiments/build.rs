//! Records the git commit the tools were built from (`GCLOX_GIT_COMMIT`, "unknown" without
//! git), so every sweep's provenance names the code that produced it.

use std::path::Path;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    (out.status.success() && !text.trim().is_empty()).then(|| text.trim().to_string())
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let commit = git(&["rev-parse", "HEAD"]).unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=GCLOX_GIT_COMMIT={commit}");
    // Rebuild when HEAD moves: HEAD itself (branch switches) and the branch's ref file, or
    // packed-refs when the ref is packed. Watching a missing file would rebuild every time.
    if let Some(git_dir) = git(&["rev-parse", "--absolute-git-dir"]) {
        let git_dir = Path::new(&git_dir);
        println!("cargo:rerun-if-changed={}", git_dir.join("HEAD").display());
        let loose = git(&["symbolic-ref", "-q", "HEAD"]).map(|r| git_dir.join(r));
        match loose {
            Some(path) if path.exists() => println!("cargo:rerun-if-changed={}", path.display()),
            _ if git_dir.join("packed-refs").exists() => {
                println!(
                    "cargo:rerun-if-changed={}",
                    git_dir.join("packed-refs").display()
                );
            }
            _ => {}
        }
    }
}
