//! #15 row C: natives that write files are denied unless `--allow-write` allows them, and
//! `--allow-write=DIR` keeps them inside DIR.

mod common;

use common::*;

#[test]
fn scripts_cannot_write_files_unless_allowed() {
    let dir = scratch("allow-write");
    let inside = dir.join("inside");
    std::fs::create_dir_all(&inside).unwrap();
    let run = |flag: Option<String>, target: &std::path::Path| {
        let script = write(
            &dir,
            "writes.lox",
            &format!(
                "__heapsnapshot(\"{0}\"); print __writeheapprofile(\"{0}.pb.gz\");\n",
                target.display()
            ),
        );
        let mut cmd = gclox();
        cmd.args(flag).arg(&script);
        cmd.output().unwrap()
    };

    let target = inside.join("snap.heapsnapshot");
    let denied = run(None, &target);
    assert_eq!(denied.status.code(), Some(70));
    assert!(String::from_utf8_lossy(&denied.stderr).contains("--allow-write"));
    assert!(!target.exists());

    let escape = inside.join("../escape.heapsnapshot");
    let allow_dir = Some(format!("--allow-write={}", inside.display()));
    let outside = run(allow_dir.clone(), &escape);
    assert_eq!(outside.status.code(), Some(70));
    assert!(String::from_utf8_lossy(&outside.stderr).contains("--allow-write="));
    assert!(!dir.join("escape.heapsnapshot").exists());

    for flag in [allow_dir, Some("--allow-write".to_string())] {
        let _ = std::fs::remove_file(&target);
        let allowed = run(flag, &target);
        assert_eq!(allowed.status.code(), Some(0), "{allowed:?}");
        serde_json::from_slice::<serde_json::Value>(&std::fs::read(&target).unwrap()).unwrap();
    }
}

#[test]
fn an_allowed_directory_that_does_not_exist_is_a_usage_error() {
    let out = gclox()
        .arg("--allow-write=/nonexistent/gclox/dir")
        .arg("x.lox")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(64));
}
