//! Checks `gclox_gc::pprof` against the real `go tool pprof`.
//!
//! - `go_tool_pprof_reads_our_profile` runs `go tool pprof` only if `GCLOX_GO` names a `go`
//!   binary (e.g. `GCLOX_GO=/usr/bin/go`); without it the test says so on stdout and checks
//!   only that the profile decodes, which proves nothing about Go.
//! - `write_sample_profile` is `#[ignore]`d only because it writes the fixed path
//!   `/tmp/gclox-sample.pb.gz`, for running `go tool pprof` by hand:
//!   `cargo test -p gclox-gc --test pprof_go -- --ignored write_sample_profile`.

use std::path::Path;
use std::process::Command;

use gclox_gc::pprof::{top, Frame, HeapProfile, SampleIndex, SiteStats};

fn frame(function: &str, file: &str, line: u32) -> Frame {
    Frame {
        function: function.into(),
        file: file.into(),
        line,
    }
}

#[allow(clippy::too_many_arguments)]
fn site(stack: Vec<Frame>, ty: &str, size: u64, ao: u64, ab: u64, io: u64, ib: u64) -> SiteStats {
    SiteStats {
        stack,
        object_type: ty.into(),
        object_size: size,
        alloc_objects: ao,
        alloc_bytes: ab,
        inuse_objects: io,
        inuse_bytes: ib,
    }
}

/// A binary-trees-like profile sampled at Go's default rate, with recursion, shared frames,
/// a native frame without a line, and object sizes from 40 bytes to 1 MiB.
fn sample_profile() -> HeapProfile {
    let bt = "bench/binary_trees.lox";
    let script = frame("<script>", bt, 48);
    let main = |line| frame("main", bt, line);
    let bottom_up = |line| frame("bottomUpTree", bt, line);
    HeapProfile {
        sites: vec![
            site(
                vec![
                    bottom_up(10),
                    bottom_up(12),
                    bottom_up(12),
                    main(41),
                    script.clone(),
                ],
                "Instance",
                48,
                120,
                120 * 48,
                30,
                30 * 48,
            ),
            site(
                vec![
                    frame("Tree.init", bt, 3),
                    bottom_up(10),
                    main(41),
                    script.clone(),
                ],
                "Table",
                96,
                80,
                80 * 96,
                25,
                25 * 96,
            ),
            site(
                vec![
                    frame("concat", "bench/strings.lox", 7),
                    main(44),
                    script.clone(),
                ],
                "String",
                2048,
                200,
                200 * 2048,
                2,
                2 * 2048,
            ),
            site(
                vec![frame("readLines", "<native>", 0), main(36), script.clone()],
                "String",
                1 << 20,
                3,
                3 << 20,
                1,
                1 << 20,
            ),
            site(
                vec![main(38), script.clone()],
                "BoundMethod",
                40,
                4,
                160,
                0,
                0,
            ),
        ],
        rate: 524_288,
        time_nanos: 1_700_000_000_000_000_000,
        duration_nanos: 0,
    }
}

const FUNCTIONS: [&str; 6] = [
    "<script>",
    "main",
    "bottomUpTree",
    "Tree.init",
    "concat",
    "readLines",
];

/// Writes the sample profile to `/tmp/gclox-sample.pb.gz` (ignored only for the fixed path).
#[test]
#[ignore = "writes /tmp/gclox-sample.pb.gz; run by hand to feed go tool pprof"]
fn write_sample_profile() {
    let bytes = sample_profile().encode();
    std::fs::write("/tmp/gclox-sample.pb.gz", &bytes).expect("write /tmp/gclox-sample.pb.gz");
    println!("wrote /tmp/gclox-sample.pb.gz ({} bytes)", bytes.len());
}

/// Runs `go tool pprof <args> <file>` and returns its stdout, asserting it succeeded.
fn pprof(go: &Path, args: &[&str], file: &Path) -> String {
    let out = Command::new(go)
        .args(["tool", "pprof"])
        .args(args)
        .arg(file)
        .output()
        .expect("run go tool pprof");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "go tool pprof {args:?} failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    stdout
}

/// The lines of a `-top` report from `Showing nodes` on (pprof's File/Type/Time lines and
/// our Type line differ).
fn from_showing(report: &str) -> Vec<&str> {
    report
        .lines()
        .skip_while(|l| !l.starts_with("Showing nodes"))
        .collect()
}

#[test]
fn go_tool_pprof_reads_our_profile() {
    let profile = sample_profile();
    let bytes = profile.encode();
    let decoded = HeapProfile::decode(&bytes).expect("our profile decodes");
    assert_eq!(decoded.samples.len(), profile.sites.len());

    let Some(go) = std::env::var_os("GCLOX_GO") else {
        println!(
            "GCLOX_GO is not set: go tool pprof was NOT run; only checked that the profile \
             decodes (set GCLOX_GO=/path/to/go to check against Go)"
        );
        return;
    };
    let go = Path::new(&go);
    let file = std::env::temp_dir().join(format!("gclox-pprof-go-{}.pb.gz", std::process::id()));
    std::fs::write(&file, &bytes).expect("write profile");

    let default_top = pprof(go, &["-top"], &file);
    assert!(default_top.contains("Type: inuse_space"), "{default_top}");
    for f in FUNCTIONS {
        assert!(
            default_top.contains(f),
            "{f} missing from -top:\n{default_top}"
        );
    }
    for index in SampleIndex::ALL {
        let flag = format!("-sample_index={index}");
        let go_top = pprof(go, &[&flag, "-top"], &file);
        assert!(go_top.contains(&format!("Type: {index}")), "{go_top}");
        let ours = top(&decoded, index, 0);
        assert_eq!(
            from_showing(&ours),
            from_showing(&go_top),
            "{index}: ours vs Go's"
        );
        let go_limited = pprof(go, &[&flag, "-nodecount=3", "-top"], &file);
        let ours = top(&decoded, index, 3);
        assert_eq!(
            from_showing(&ours),
            from_showing(&go_limited),
            "{index}, 3 nodes"
        );
    }

    let traces = pprof(go, &["-traces"], &file);
    for f in FUNCTIONS {
        assert!(traces.contains(f), "{f} missing from -traces:\n{traces}");
    }
    // pprof prints labels as `%10s:  %s`, byte-valued ones scaled.
    assert!(
        traces.contains("bytes:  48B"),
        "bytes label missing:\n{traces}"
    );
    assert!(
        traces.contains("type:  Instance"),
        "type label missing:\n{traces}"
    );
    let lines = pprof(go, &["-lines", "-top"], &file);
    assert!(lines.contains("bench/binary_trees.lox:12"), "{lines}");
    let _ = std::fs::remove_file(&file);
}
