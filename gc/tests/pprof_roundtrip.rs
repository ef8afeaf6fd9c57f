//! `gclox_gc::pprof`: encode → decode round trips, Go's scaling, the proto invariants pprof
//! needs, the `top` report, and rejection of malformed input.

use std::collections::HashSet;

use gclox_gc::pprof::{
    decode_proto, proto, scale_heap_sample, top, Error, Frame, HeapProfile, LabelValue,
    SampleIndex, SiteStats,
};
use prost::Message;

fn frame(function: &str, file: &str, line: u32) -> Frame {
    Frame {
        function: function.into(),
        file: file.into(),
        line,
    }
}

fn site(stack: Vec<Frame>, ty: &str, size: u64, alloc: (u64, u64), inuse: (u64, u64)) -> SiteStats {
    SiteStats {
        stack,
        object_type: ty.into(),
        object_size: size,
        alloc_objects: alloc.0,
        alloc_bytes: alloc.1,
        inuse_objects: inuse.0,
        inuse_bytes: inuse.1,
    }
}

/// Sites with shared frames, recursion, a frame without file or line, an empty type, a zero
/// object size, a dead site and values beyond 32 bits.
fn varied_sites() -> Vec<SiteStats> {
    let main = frame("main", "prog.lox", 30);
    let script = frame("<script>", "prog.lox", 40);
    vec![
        site(
            vec![
                frame("fib", "prog.lox", 3),
                frame("fib", "prog.lox", 5),
                frame("fib", "prog.lox", 5),
                main.clone(),
                script.clone(),
            ],
            "Instance",
            48,
            (1000, 48_000),
            (10, 480),
        ),
        site(
            vec![frame("clock", "", 0), main.clone(), script.clone()],
            "",
            0,
            (3, 0),
            (0, 0),
        ),
        site(
            vec![frame("<script>", "prog.lox", 41)],
            "String",
            1 << 20,
            (7, 7 << 20),
            (7, 7 << 20),
        ),
        site(
            vec![main, script],
            "Closure",
            40,
            (5 << 32, 40 * (5 << 32)),
            (1, 40),
        ),
    ]
}

fn profile(rate: u64) -> HeapProfile {
    HeapProfile {
        sites: varied_sites(),
        rate,
        time_nanos: 1_700_000_000_123_456_789,
        duration_nanos: 2_500_000_000,
    }
}

#[test]
fn round_trip_preserves_everything() {
    for rate in [0, 1, 4096, 524_288] {
        let p = profile(rate);
        let d = HeapProfile::decode(&p.encode()).expect("decode");
        let types: Vec<(&str, &str)> = d
            .sample_types
            .iter()
            .map(|t| (t.name.as_str(), t.unit.as_str()))
            .collect();
        assert_eq!(
            types,
            [
                ("alloc_objects", "count"),
                ("alloc_space", "bytes"),
                ("inuse_objects", "count"),
                ("inuse_space", "bytes")
            ]
        );
        let period = d.period_type.as_ref().expect("period type");
        assert_eq!(
            (period.name.as_str(), period.unit.as_str()),
            ("space", "bytes")
        );
        assert_eq!(d.period, rate as i64);
        assert_eq!(d.default_sample_type, None);
        assert_eq!(d.time_nanos, p.time_nanos);
        assert_eq!(d.duration_nanos, p.duration_nanos);
        assert!(d.comments.is_empty());
        assert_eq!(d.samples.len(), p.sites.len());
        for (s, site) in d.samples.iter().zip(&p.sites) {
            assert_eq!(s.stack, site.stack, "stacks come back innermost first");
            let (ao, ab) = scale_heap_sample(site.alloc_objects, site.alloc_bytes, rate);
            let (io, ib) = scale_heap_sample(site.inuse_objects, site.inuse_bytes, rate);
            assert_eq!(s.values, [ao, ab, io, ib]);
            let bytes = (site.object_size != 0).then_some(site.object_size as i64);
            assert_eq!(s.num_label("bytes"), bytes);
            let ty = (!site.object_type.is_empty()).then_some(site.object_type.as_str());
            assert_eq!(s.str_label("type"), ty);
            assert_eq!(
                s.labels.len(),
                usize::from(bytes.is_some()) + usize::from(ty.is_some())
            );
        }
    }
}

#[test]
fn bytes_label_is_numeric_without_unit_as_go_writes_it() {
    let d = HeapProfile::decode(&profile(1).encode()).unwrap();
    let label = d.samples[0]
        .labels
        .iter()
        .find(|l| l.key == "bytes")
        .unwrap();
    assert_eq!(
        label.value,
        LabelValue::Num {
            value: 48,
            unit: None
        }
    );
}

#[test]
fn rate_1_and_0_leave_values_exactly_unscaled() {
    for rate in [0, 1] {
        let d = HeapProfile::decode(&profile(rate).encode()).unwrap();
        for (s, site) in d.samples.iter().zip(varied_sites()) {
            let raw = [
                site.alloc_objects,
                site.alloc_bytes,
                site.inuse_objects,
                site.inuse_bytes,
            ];
            // Go scales nothing at rate <= 1, but still zeroes a pair whose count or bytes is 0.
            let expect = |c: u64, b: u64| {
                if c == 0 || b == 0 {
                    (0, 0)
                } else {
                    (c as i64, b as i64)
                }
            };
            let (a, b) = expect(raw[0], raw[1]);
            let (c, e) = expect(raw[2], raw[3]);
            assert_eq!(s.values, [a, b, c, e], "rate {rate}");
        }
    }
}

/// Values computed by hand from Go's formula (`scale = 1 / (1 - exp(-(bytes/count)/rate))`,
/// results truncated) and checked against a verbatim copy of Go 1.19's `scaleHeapSample`.
#[test]
fn scaling_matches_go_on_hand_computed_examples() {
    type Case = ((u64, u64, u64), (i64, i64)); // ((count, bytes, rate), Go's result)
    let cases: [Case; 11] = [
        // One object of exactly the rate: scale = 1/(1 - e^-1) = 1.5819767...
        ((1, 524_288, 524_288), (1, 829_411)),
        // Small objects: scale ≈ rate/avg + 1/2 = 16384.5.
        ((10, 320, 524_288), (163_845, 5_243_040)),
        ((1, 16, 524_288), (32_768, 524_296)),
        // Objects of twice the rate: scale = 1/(1 - e^-2) = 1.1565176...
        ((3, 3_145_728, 524_288), (3, 3_638_089)),
        ((120, 5_760, 524_288), (1_310_780, 62_917_440)),
        ((200, 409_600, 524_288), (51_300, 105_062_533)),
        ((5, 100, 4096), (1026, 20_530)),
        // Huge objects: exp(-avg/rate) underflows, scale = 1.
        ((7, 7 << 30, 524_288), (7, 7 << 30)),
        // A zero count or size gives zero, as in Go.
        ((0, 100, 524_288), (0, 0)),
        ((5, 0, 524_288), (0, 0)),
        // rate <= 1: unscaled.
        ((7, 123_456_789, 1), (7, 123_456_789)),
    ];
    for ((count, bytes, rate), expect) in cases {
        assert_eq!(
            scale_heap_sample(count, bytes, rate),
            expect,
            "({count}, {bytes}, {rate})"
        );
    }
    assert_eq!(scale_heap_sample(7, 123_456_789, 0), (7, 123_456_789));
    assert_eq!(
        scale_heap_sample(u64::MAX, u64::MAX, 1),
        (i64::MAX, i64::MAX)
    );
}

#[test]
fn default_sample_type_is_go_heap_or_allocs() {
    let p = profile(524_288);
    let heap = HeapProfile::decode(&p.encode()).unwrap();
    assert_eq!(heap.default_sample_type, None);
    assert_eq!(
        heap.default_sample_index(),
        3,
        "pprof shows the last type, inuse_space"
    );
    let allocs = HeapProfile::decode(&p.encode_with_default(SampleIndex::AllocSpace)).unwrap();
    assert_eq!(allocs.default_sample_type.as_deref(), Some("alloc_space"));
    assert_eq!(allocs.default_sample_index(), 1);
    assert_eq!(allocs.samples, heap.samples);
}

/// The rules `go tool pprof` enforces (shared/notes/go-gc-formats.md), on the raw message.
#[test]
fn proto_satisfies_pprof_requirements() {
    let p = profile(524_288);
    let raw = decode_proto(&p.encode()).expect("raw decode");
    assert_eq!(raw, p.to_proto(None), "encode writes to_proto");
    let st = &raw.string_table;
    assert_eq!(st[0], "");
    let s = |i: i64| st[usize::try_from(i).unwrap()].as_str();
    assert_eq!(raw.sample_type.len(), 4);
    for sample in &raw.sample {
        assert_eq!(sample.value.len(), raw.sample_type.len());
    }
    let function_ids: HashSet<u64> = raw.function.iter().map(|f| f.id).collect();
    assert_eq!(
        function_ids.len(),
        raw.function.len(),
        "function ids unique"
    );
    assert!(!function_ids.contains(&0));
    let location_ids: HashSet<u64> = raw.location.iter().map(|l| l.id).collect();
    assert_eq!(
        location_ids.len(),
        raw.location.len(),
        "location ids unique"
    );
    assert!(!location_ids.contains(&0));
    let mapping_ids: HashSet<u64> = raw.mapping.iter().map(|m| m.id).collect();
    assert_eq!(raw.mapping.len(), 1);
    for loc in &raw.location {
        assert!(mapping_ids.contains(&loc.mapping_id));
        assert_eq!(loc.line.len(), 1, "exactly one line per location");
        assert!(
            function_ids.contains(&loc.line[0].function_id),
            "line -> existing function"
        );
    }
    for f in &raw.function {
        assert!(!s(f.name).is_empty(), "every function is named");
        assert_eq!(
            f.system_name, 0,
            "system_name empty so pprof does not demangle"
        );
    }
    for sample in &raw.sample {
        assert!(sample
            .location_id
            .iter()
            .all(|id| location_ids.contains(id)));
    }
    // Distinct frames share nothing; equal frames share one location.
    let distinct: HashSet<&Frame> = p.sites.iter().flat_map(|s| &s.stack).collect();
    assert_eq!(raw.location.len(), distinct.len());
    let names: HashSet<(&str, &str)> = distinct.iter().map(|f| (&*f.function, &*f.file)).collect();
    assert_eq!(raw.function.len(), names.len());
    // Leaf first: the first location of the first sample is the innermost frame.
    let leaf = &raw.location[(raw.sample[0].location_id[0] - 1) as usize];
    assert_eq!(
        s(raw.function[(leaf.line[0].function_id - 1) as usize].name),
        "fib"
    );
    assert_eq!(leaf.line[0].line, 3);
}

#[test]
fn empty_profile_round_trips() {
    let p = HeapProfile {
        sites: vec![],
        rate: 524_288,
        time_nanos: 0,
        duration_nanos: 0,
    };
    let d = HeapProfile::decode(&p.encode()).unwrap();
    assert!(d.samples.is_empty());
    assert_eq!(d.sample_types.len(), 4);
    assert_eq!(
        top(&d, SampleIndex::InuseSpace, 0),
        "Type: inuse_space\nShowing nodes accounting for 0, 0% of 0 total\n      flat  flat%   sum%        cum   cum%\n"
    );
}

#[test]
fn sample_index_parses_go_names() {
    for (name, index) in [
        ("alloc_objects", SampleIndex::AllocObjects),
        ("alloc_space", SampleIndex::AllocSpace),
        ("inuse_objects", SampleIndex::InuseObjects),
        ("inuse_space", SampleIndex::InuseSpace),
    ] {
        assert_eq!(name.parse::<SampleIndex>(), Ok(index));
        assert_eq!(index.to_string(), name);
    }
    assert!("inuse".parse::<SampleIndex>().is_err());
    assert!("INUSE_SPACE".parse::<SampleIndex>().is_err());
    assert_eq!(
        SampleIndex::ALL.map(|i| i.name()),
        [
            "alloc_objects",
            "alloc_space",
            "inuse_objects",
            "inuse_space"
        ]
    );
}

/// Every allocation recorded (rate 1), so the values are exact; built to hit pprof's unit
/// rule (100 B next to MBs prints everything in kB), recursion, a dropped node and `%g`
/// percentages.
fn top_profile() -> HeapProfile {
    let main = |line| frame("main", "m.lox", line);
    let rec = |line| frame("rec", "r.lox", line);
    HeapProfile {
        sites: vec![
            site(
                vec![frame("leafA", "a.lox", 1), main(10)],
                "String",
                1 << 20,
                (2, 3 << 20),
                (1, 3 << 19),
            ),
            site(
                vec![
                    frame("leafB", "b.lox", 2),
                    frame("mid", "m.lox", 20),
                    main(11),
                ],
                "Instance",
                1024,
                (512, 1 << 19),
                (512, 1 << 19),
            ),
            site(
                vec![frame("mid", "m.lox", 21), main(12)],
                "String",
                100,
                (10, 1000),
                (1, 100),
            ),
            site(
                vec![rec(5), rec(6), rec(6), main(13)],
                "Closure",
                200,
                (100, 20_000),
                (100, 20_000),
            ),
            site(
                vec![frame("tiny", "t.lox", 1), main(14)],
                "String",
                16,
                (1, 16),
                (1, 16),
            ),
        ],
        rate: 1,
        time_nanos: 1_700_000_000_000_000_000,
        duration_nanos: 0,
    }
}

/// Expected reports are `go tool pprof -top` output (Go 1.19.8) for `top_profile()`, with
/// pprof's `Time:` line removed.
#[test]
fn top_matches_go_tool_pprof() {
    let d = HeapProfile::decode(&top_profile().encode()).unwrap();
    assert_eq!(top(&d, SampleIndex::InuseSpace, 0), GO_TOP_INUSE_SPACE);
    assert_eq!(top(&d, SampleIndex::InuseObjects, 0), GO_TOP_INUSE_OBJECTS);
    assert_eq!(top(&d, SampleIndex::AllocSpace, 2), GO_TOP_ALLOC_SPACE_2);
}

const GO_TOP_INUSE_SPACE: &str = "\
Type: inuse_space
Showing nodes accounting for 2067.63kB, 100% of 2067.64kB total
Dropped 1 node (cum <= 10.34kB)
      flat  flat%   sum%        cum   cum%
    1536kB 74.29% 74.29%     1536kB 74.29%  leafA
     512kB 24.76% 99.05%      512kB 24.76%  leafB
   19.53kB  0.94%   100%    19.53kB  0.94%  rec
    0.10kB 0.0047%   100%   512.10kB 24.77%  mid
         0     0%   100%  2067.64kB   100%  main
";
const GO_TOP_INUSE_OBJECTS: &str = "\
Type: inuse_objects
Showing nodes accounting for 613, 99.67% of 615 total
Dropped 2 nodes (cum <= 3)
      flat  flat%   sum%        cum   cum%
       512 83.25% 83.25%        512 83.25%  leafB
       100 16.26% 99.51%        100 16.26%  rec
         1  0.16% 99.67%        513 83.41%  mid
         0     0% 99.67%        615   100%  main
";
const GO_TOP_ALLOC_SPACE_2: &str = "\
Type: alloc_space
Showing nodes accounting for 3584kB, 99.43% of 3604.52kB total
Dropped 1 node (cum <= 18.02kB)
Showing top 2 nodes out of 5
      flat  flat%   sum%        cum   cum%
    3072kB 85.23% 85.23%     3072kB 85.23%  leafA
     512kB 14.20% 99.43%      512kB 14.20%  leafB
";

#[test]
fn top_flat_is_innermost_and_cum_counts_once_per_sample() {
    let d = HeapProfile::decode(&top_profile().encode()).unwrap();
    let report = top(&d, SampleIndex::InuseSpace, 0);
    let row = |name: &str| {
        report
            .lines()
            .find(|l| l.ends_with(&format!("  {name}")))
            .unwrap_or_else(|| panic!("no row for {name}:\n{report}"))
            .to_owned()
    };
    // rec appears three times in one stack of 20000 B: cum is 20000 B (19.53kB), not 3x.
    assert!(
        row("rec").trim_start().starts_with("19.53kB"),
        "{}",
        row("rec")
    );
    assert!(row("rec").contains("19.53kB") && !row("rec").contains("58.59kB"));
    // main is never innermost: flat 0, cum everything.
    assert!(
        row("main").trim_start().starts_with("0 "),
        "{}",
        row("main")
    );
    assert!(row("main").contains("  100%  main"));
    // The rows are in flat order.
    let order: Vec<&str> = report
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("flat"))
        .skip(1)
        .map(|l| l.rsplit(' ').next().unwrap())
        .collect();
    assert_eq!(order, ["leafA", "leafB", "rec", "mid", "main"]);
}

#[test]
fn top_reports_a_missing_sample_type() {
    let raw = proto::Profile {
        sample_type: vec![proto::ValueType { r#type: 1, unit: 2 }],
        string_table: vec!["".into(), "samples".into(), "count".into()],
        ..Default::default()
    };
    let d = HeapProfile::decode(&raw.encode_to_vec()).unwrap();
    assert_eq!(
        top(&d, SampleIndex::InuseSpace, 0),
        "Type: inuse_space: no such sample type in profile\n"
    );
}

fn invalid(raw: proto::Profile) -> String {
    match HeapProfile::decode(&raw.encode_to_vec()) {
        Err(Error::Invalid(why)) => why,
        other => panic!("expected Error::Invalid, got {other:?}"),
    }
}

#[test]
fn decode_rejects_malformed_profiles() {
    let good = profile(524_288).to_proto(None);
    assert!(
        HeapProfile::decode(&good.encode_to_vec()).is_ok(),
        "plain (ungzipped) proto is accepted"
    );

    let mut p = good.clone();
    p.string_table[0] = "x".into();
    assert!(invalid(p).contains("string_table[0]"));
    let mut p = good.clone();
    p.string_table.clear();
    assert!(invalid(p).contains("string_table[0]"));
    let mut p = good.clone();
    p.function[0].name = 10_000;
    assert!(invalid(p).contains("string index 10000"));
    let mut p = good.clone();
    p.sample[0].label[0].key = -1;
    assert!(invalid(p).contains("string index -1"));
    let mut p = good.clone();
    p.sample_type.clear();
    assert!(invalid(p).contains("no sample types"));
    let mut p = good.clone();
    p.sample[1].value.pop();
    assert!(invalid(p).contains("sample 1 has 3 values for 4 sample types"));
    let mut p = good.clone();
    p.sample[0].location_id.push(999);
    assert!(invalid(p).contains("missing location 999"));
    let mut p = good.clone();
    p.location[0].line[0].function_id = 999;
    assert!(invalid(p).contains("missing function 999"));
    let mut p = good.clone();
    p.location[0].mapping_id = 7;
    assert!(invalid(p).contains("missing mapping 7"));
    let mut p = good.clone();
    p.location[1].id = p.location[0].id;
    assert!(invalid(p).contains("duplicate location id"));
    let mut p = good.clone();
    p.function[0].id = 0;
    assert!(invalid(p).contains("function id 0"));
    let mut p = good.clone();
    p.location[0].line[0].line = -1;
    assert!(invalid(p).contains("line number -1"));
}

#[test]
fn decode_rejects_bad_bytes() {
    assert!(matches!(
        HeapProfile::decode(b"not a profile at all"),
        Err(Error::Proto(_))
    ));
    let gz = profile(1).encode();
    assert!(matches!(
        HeapProfile::decode(&gz[..gz.len() / 2]),
        Err(Error::Gzip(_))
    ));
    let mut corrupt = gz.clone();
    let n = corrupt.len();
    corrupt[n - 8] ^= 0xff; // The CRC.
    assert!(matches!(HeapProfile::decode(&corrupt), Err(Error::Gzip(_))));
}

/// Decoding returns, never panics, whatever prefix or single-byte corruption it is given.
#[test]
fn decode_never_panics_on_truncated_or_corrupted_input() {
    let plain = profile(524_288).to_proto(None).encode_to_vec();
    let gz = profile(524_288).encode();
    for bytes in [&plain, &gz] {
        for n in 0..bytes.len() {
            let _ = HeapProfile::decode(&bytes[..n]);
        }
        for i in 0..bytes.len() {
            for x in [0x01, 0x80, 0xff] {
                let mut b = bytes.clone();
                b[i] ^= x;
                if let Ok(d) = HeapProfile::decode(&b) {
                    for index in SampleIndex::ALL {
                        let _ = top(&d, index, 3);
                    }
                }
            }
        }
    }
}
