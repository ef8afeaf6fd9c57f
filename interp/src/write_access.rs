//! Which files a script may write. Natives that write files (`__writeheapprofile`,
//! `__heapsnapshot`) ask [`WriteAccess::check`] first. Writes are denied unless the host says
//! otherwise (as Deno denies them without `--allow-write`): an untrusted script must not be able
//! to overwrite whatever the process can.
//!
//! Under [`WriteAccess::Inside`] a path is resolved before the check — its parent directory
//! canonicalized (which follows `..` and symlinks), the file itself refused if it is a symlink
//! that leads outside — and the resolved path is what gets written, so `../x`, `sub/../../x` or
//! a symlinked directory cannot escape. What remains is a race: another process that swaps a
//! directory for a symlink between the check and the write. Against that, run gclox in a
//! directory no one else can write.

use std::path::{Path, PathBuf};

/// Where natives may write files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum WriteAccess {
    /// No file writes (the default; the CLI without `--allow-write`).
    #[default]
    Denied,
    /// Any path the process may write (`--allow-write`).
    Anywhere,
    /// Only files inside this directory, which is canonical (`--allow-write=DIR`; make it
    /// with [`WriteAccess::inside`]).
    Inside(PathBuf),
}

impl WriteAccess {
    /// Writes allowed inside `dir`, which must be an existing directory.
    pub fn inside(dir: &Path) -> Result<WriteAccess, String> {
        let canonical = dir
            .canonicalize()
            .map_err(|err| format!("cannot resolve {}: {err}", dir.display()))?;
        if !canonical.is_dir() {
            return Err(format!("{} is not a directory", dir.display()));
        }
        Ok(WriteAccess::Inside(canonical))
    }

    /// The path `native` may write for the script's `path`, or the runtime error's message
    /// (which names the flag that would allow the write).
    pub fn check(&self, native: &str, path: &str) -> Result<PathBuf, String> {
        match self {
            WriteAccess::Denied => Err(format!(
                "{native} cannot write '{path}': scripts may not write files unless gclox runs \
                 with --allow-write (or --allow-write=DIR)."
            )),
            WriteAccess::Anywhere => Ok(PathBuf::from(path)),
            WriteAccess::Inside(dir) => resolve_inside(dir, Path::new(path)).map_err(|why| {
                format!(
                    "{native} cannot write '{path}': {why}; --allow-write={} allows only \
                     files inside that directory.",
                    dir.display()
                )
            }),
        }
    }
}

/// `path` resolved (parent canonical, file name plain), if it stays inside `dir`.
fn resolve_inside(dir: &Path, path: &Path) -> Result<PathBuf, &'static str> {
    // `file_name` is None for `..`, `/` and paths ending in `..`: not a file anyway.
    let name = path.file_name().ok_or("it names no file")?;
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let parent = parent
        .canonicalize()
        .map_err(|_| "its directory does not exist")?;
    if !parent.starts_with(dir) {
        return Err("it is outside the allowed directory");
    }
    let resolved = parent.join(name);
    // A symlink as the file itself would be followed by the write: it must lead inside too
    // (a dangling one cannot be canonicalized and is refused).
    if resolved.symlink_metadata().is_ok_and(|m| m.is_symlink()) {
        match resolved.canonicalize() {
            Ok(target) if target.starts_with(dir) => return Ok(target),
            _ => return Err("it is a symlink that leads outside the allowed directory"),
        }
    }
    Ok(resolved)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("gclox-write-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("inside/sub")).unwrap();
        dir
    }

    #[test]
    fn denied_names_the_flag() {
        let err = WriteAccess::Denied
            .check("__heapsnapshot", "x")
            .unwrap_err();
        assert!(err.contains("--allow-write"), "{err}");
    }

    #[test]
    fn inside_keeps_paths_in_the_directory() {
        let root = scratch("inside");
        let access = WriteAccess::inside(&root.join("inside")).unwrap();
        let ok = |p: &Path| access.check("n", p.to_str().unwrap());
        let inside = root.join("inside").canonicalize().unwrap();
        assert_eq!(ok(&root.join("inside/a")).unwrap(), inside.join("a"));
        assert_eq!(ok(&root.join("inside/sub/../b")).unwrap(), inside.join("b"));
        assert!(ok(&root.join("inside/../escape")).is_err());
        assert!(ok(&root.join("inside/sub/../../escape")).is_err());
        assert!(ok(&root.join("inside/..")).is_err());
        assert!(ok(&root.join("inside/missing/x")).is_err());
        assert!(ok(&root.join("elsewhere")).is_err());
        let err = ok(&root.join("elsewhere")).unwrap_err();
        assert!(err.contains("--allow-write="), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn inside_refuses_symlinks_that_lead_out() {
        let root = scratch("symlink");
        let inside = root.join("inside");
        std::os::unix::fs::symlink(&root, inside.join("up")).unwrap();
        std::os::unix::fs::symlink(root.join("target"), inside.join("file")).unwrap();
        std::os::unix::fs::symlink(inside.join("sub/t"), inside.join("ok")).unwrap();
        let access = WriteAccess::inside(&inside).unwrap();
        let check = |p: PathBuf| access.check("n", p.to_str().unwrap());
        assert!(check(inside.join("up/x")).is_err(), "a symlinked directory");
        assert!(
            check(inside.join("file")).is_err(),
            "a dangling symlink out"
        );
        std::fs::write(root.join("target"), "").unwrap();
        assert!(check(inside.join("file")).is_err(), "a symlink out");
        std::fs::write(inside.join("sub/t"), "").unwrap();
        assert!(
            check(inside.join("ok")).is_ok(),
            "a symlink that stays inside"
        );
    }
}
