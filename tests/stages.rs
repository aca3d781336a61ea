//! The stages chained give exactly the report of one `analyze` run. A generated fleet capture
//! set (several backends behind a load balancer, each capture point rotating its files,
//! preflights cached for two hours across files, keep-alive connections and answers across
//! file boundaries) is analysed in one process and by `extract` / `decide` / `report` run as
//! separate processes two at a time with `xargs` (deploy/shell/run-stages.sh): the reports
//! are byte-identical in every format. Reading every file on its own instead gives other
//! verdicts: the seams matter, and the test sees them.
//!
//! With the capture points judged together (`--merge-points`), requests whose preflight
//! reached another backend are paired with it, and `decide` split into three partitions of
//! the browsers gives, in every format, the bytes of one `analyze --merge-points` run.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "stages_support/fleet.rs"]
mod fleet;
#[path = "pcap_writer/mod.rs"]
mod pcap_writer;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_corscope");
const KEY: &str = "stages-equality";

fn corscope(args: &[&str], stdin: Option<&Path>) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env("NO_COLOR", "1")
        .env("CORSCOPE_REDACT_KEY", KEY);
    if let Some(path) = stdin {
        cmd.stdin(std::fs::File::open(path).unwrap());
    }
    cmd.output().expect("run corscope")
}

fn ok(out: &Output) -> &[u8] {
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "status {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    &out.stdout
}

/// Per (method, URL) in order of appearance: the verdicts and causes a JSONL report gives.
fn verdicts(jsonl: &[u8]) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in jsonl.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        let v: Value = serde_json::from_slice(line).unwrap();
        if v.get("verdict").is_none() {
            continue;
        }
        let key = format!("{} {} {}", v["client"], v["method"], v["url"]);
        let causes: Vec<String> = v["causes"]
            .as_array()
            .map(|c| c.iter().map(|c| c["id"].to_string()).collect())
            .unwrap_or_default();
        out.entry(key)
            .or_default()
            .push(format!("{} {}", v["verdict"], causes.join(",")));
    }
    for list in out.values_mut() {
        list.sort();
    }
    out
}

/// In every format, `deploy/shell/run-stages.sh` (two processes at a time; with `partitions`,
/// `decide --merge-points` in that many partitions) gives the bytes of one `analyze` run (with
/// `--merge-points` when partitioned).
fn stages_equal_analyze(dir: &Path, captures: &str, partitions: Option<usize>) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/shell/run-stages.sh");
    let merge: &[&str] = if partitions.is_some() {
        &["--merge-points"]
    } else {
        &[]
    };
    for format in [
        "jsonl", "json", "text", "html", "sarif", "junit", "markdown",
    ] {
        let analyze = corscope(
            &[&["analyze"][..], merge, &["--format", format, captures]].concat(),
            None,
        );
        let work = match partitions {
            None => dir.join(format!("work-{format}")),
            Some(_) => dir.join(format!("merged-{format}")),
        };
        let mut run = Command::new("bash");
        run.args([script, BIN, work.to_str().unwrap(), format, captures])
            .env("CORSCOPE_REDACT_KEY", KEY)
            .env("NO_COLOR", "1")
            .env("PARALLEL", "2");
        if let Some(n) = partitions {
            run.env("PARTITIONS", n.to_string());
        }
        let staged = run.output().expect("run the stages");
        assert!(
            staged.status.success(),
            "{format}: {}",
            String::from_utf8_lossy(&staged.stderr)
        );
        assert!(
            ok(&analyze) == staged.stdout.as_slice(),
            "{format} ({partitions:?} partitions): the stages differ from analyze {merge:?}"
        );
    }
}

#[test]
fn stages_chained_by_xargs_equal_one_analyze_run_and_per_file_runs_differ() {
    let dir = tempfile::tempdir().unwrap();
    let captures = dir.path().join("captures");
    let files = fleet::write(&captures);
    assert!(files >= 30, "rotated into many files: {files}");
    let bytes: u64 = (0..fleet::HOSTS)
        .flat_map(|h| std::fs::read_dir(captures.join(format!("host{h}"))).unwrap())
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();
    eprintln!("fleet: {files} files, {bytes} bytes");
    let captures = captures.to_str().unwrap();

    let plan = corscope(&["extract", "--plan", captures], None);
    let plan = String::from_utf8(ok(&plan).to_vec()).unwrap();
    assert_eq!(
        plan.lines().count(),
        fleet::HOSTS,
        "one input per capture point:\n{plan}"
    );

    let reference = corscope(&["analyze", "--format", "jsonl", captures], None);
    let reference = ok(&reference).to_vec();
    let judged = verdicts(&reference);
    let blocked = reference
        .split(|b| *b == b'\n')
        .filter(|l| l.windows(19).any(|w| w == b"\"verdict\":\"blocked\""))
        .count();
    assert!(
        judged.len() > 40 && blocked > 0,
        "{} {blocked}",
        judged.len()
    );

    stages_equal_analyze(dir.path(), captures, None);

    // Compared with a baseline (an earlier report: here the per-file run's), the same bytes.
    let baseline = dir.path().join("baseline.json");
    let earlier = corscope(
        &["analyze", "--no-join", "--format", "json", captures],
        None,
    );
    std::fs::write(&baseline, ok(&earlier)).unwrap();
    let records = dir.path().join("work-jsonl/records");
    for format in ["text", "sarif", "markdown", "html"] {
        let args = ["--format", format, "--baseline", baseline.to_str().unwrap()];
        let analyze = corscope(&[&["analyze"][..], &args, &[captures]].concat(), None);
        let report = corscope(
            &[&["report"][..], &args, &[records.to_str().unwrap()]].concat(),
            None,
        );
        assert_eq!(analyze.status.code(), report.status.code(), "{format}");
        assert!(
            ok(&analyze) == ok(&report),
            "{format} with a baseline: the stages differ from analyze"
        );
    }

    // The Arrow IPC path, piped: the same bytes.
    let ipc = dir.path().join("exchanges.arrow");
    let extracted = corscope(&["extract", captures, "-o", "-"], None);
    std::fs::write(&ipc, ok(&extracted)).unwrap();
    let decided = corscope(&["decide", "-", "-o", "-"], Some(&ipc));
    let records = dir.path().join("records.arrow");
    std::fs::write(&records, ok(&decided)).unwrap();
    let reported = corscope(&["report", "--format", "jsonl", "-"], Some(&records));
    assert!(ok(&reported) == reference.as_slice(), "IPC stages differ");

    // Negative control: every rotated file on its own loses the preflights cached in earlier
    // files and the answers that arrive in the next file.
    let naive = corscope(
        &["analyze", "--no-join", "--format", "jsonl", captures],
        None,
    );
    let naive = verdicts(ok(&naive));
    let changed = judged
        .iter()
        .filter(|(k, v)| naive.get(*k) != Some(*v))
        .count();
    eprintln!(
        "per-file runs change the verdicts of {changed} of {} requests",
        judged.len()
    );
    assert!(changed > 0, "per-file analysis should differ");
}

#[test]
fn decide_refuses_rows_out_of_order_and_unfinished_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let captures = dir.path().join("captures");
    fleet::write(&captures);
    let captures = captures.to_str().unwrap();
    let ex = dir.path().join("ex");
    ok(&corscope(
        &["extract", captures, "-o", ex.to_str().unwrap()],
        None,
    ));
    // The same input twice.
    let first = ex.join("input-000000.parquet");
    let twice = corscope(
        &[
            "decide",
            first.to_str().unwrap(),
            first.to_str().unwrap(),
            "-o",
            "-",
        ],
        None,
    );
    assert_eq!(twice.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&twice.stderr).contains("appears twice"));
    let merged_twice = corscope(
        &[
            "decide",
            "--merge-points",
            first.to_str().unwrap(),
            first.to_str().unwrap(),
            "-o",
            "-",
        ],
        None,
    );
    assert_eq!(merged_twice.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&merged_twice.stderr).contains("given twice"));
    let bad_partition = corscope(
        &[
            "decide",
            "--merge-points",
            "--partition",
            "3/3",
            captures,
            "-o",
            "-",
        ],
        None,
    );
    assert_eq!(bad_partition.status.code(), Some(2));
    // Without a key every task would mark secrets differently.
    let keyless = Command::new(BIN)
        .args(["decide", first.to_str().unwrap(), "-o", "-"])
        .env_remove("CORSCOPE_REDACT_KEY")
        .output()
        .unwrap();
    assert_eq!(keyless.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&keyless.stderr).contains("--redact-key"));
    // A records file is not an exchanges file.
    let fx = dir.path().join("fx");
    ok(&corscope(
        &[
            "decide",
            first.to_str().unwrap(),
            "-o",
            fx.to_str().unwrap(),
        ],
        None,
    ));
    let wrong = corscope(&["decide", fx.to_str().unwrap(), "-o", "-"], None);
    assert_eq!(wrong.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("expected corscope.exchanges/2"));
}

/// The cross-capture-point references of a JSONL report: records whose preflight (or cached
/// preflight) was captured at another input.
fn across_points(jsonl: &[u8]) -> usize {
    jsonl
        .split(|b| *b == b'\n')
        .filter_map(|l| serde_json::from_slice::<Value>(l).ok())
        .filter(|v| {
            let own = v["input"].as_u64().unwrap_or(u64::MAX).to_string();
            ["preflight", "preflight_cached_from"].iter().any(|k| {
                v[*k]
                    .as_str()
                    .and_then(|r| r.split(':').next())
                    .is_some_and(|input| input != own)
            })
        })
        .count()
}

#[test]
fn capture_points_merged_judge_browsers_across_backends_and_partitions_agree() {
    let dir = tempfile::tempdir().unwrap();
    let captures = dir.path().join("captures");
    fleet::write(&captures);
    let captures = captures.to_str().unwrap();

    let merged = corscope(
        &["analyze", "--merge-points", "--format", "jsonl", captures],
        None,
    );
    let merged = ok(&merged).to_vec();
    let apart = corscope(&["analyze", "--format", "jsonl", captures], None);
    let apart = ok(&apart).to_vec();
    // Requests whose preflight reached another backend are judged with it.
    let across = across_points(&merged);
    assert!(across > 0, "no request paired across capture points");
    assert_eq!(across_points(&apart), 0);
    // Judged apart, a backend that saw only the request infers none was authorised.
    let (merged_v, apart_v) = (verdicts(&merged), verdicts(&apart));
    let changed = apart_v
        .iter()
        .filter(|(k, v)| merged_v.get(*k) != Some(*v))
        .count();
    eprintln!(
        "{across} requests paired across capture points; {changed} requests judged otherwise apart"
    );
    assert!(changed > 0);

    stages_equal_analyze(dir.path(), captures, Some(3));
}
