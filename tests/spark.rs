//! The Spark driver (deploy/spark/corscope_spark.py) in `local-cluster[2,1,1024]` mode (two
//! executor JVMs, each with its own Python workers) gives the report of one `analyze` run, byte
//! for byte, on the generated fleet capture set of tests/stages.rs: with the capture points
//! judged apart (decide partitioned by input) and judged together (`--merge-points`: decide
//! partitioned by hash of the browser, sorted by merge time).
//!
//! Needs Java and a Python with pyspark and pyarrow: `.ci/run` installs them into a virtual
//! environment and names its Python in `CORSCOPE_SPARK_PYTHON`. Without Java the test says it
//! is skipped; with `CORSCOPE_REQUIRE_SPARK=1` (set by `.ci/run` once Java is there) a missing
//! Python package fails it instead.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "stages_support/fleet.rs"]
mod fleet;
#[path = "pcap_writer/mod.rs"]
mod pcap_writer;

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_corscope");
const KEY: &str = "spark-equality";

fn java_runs() -> bool {
    Command::new("java")
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The Python to run the driver with and its pyspark's home, or why there is none.
fn pyspark() -> Result<(String, String), String> {
    let python = std::env::var("CORSCOPE_SPARK_PYTHON").unwrap_or_else(|_| "python3".into());
    let out = Command::new(&python)
        .args([
            "-c",
            "import os, pyarrow, pyspark; print(os.path.dirname(pyspark.__file__))",
        ])
        .output()
        .map_err(|e| format!("{python}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{python} has no pyspark and pyarrow: {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
        ));
    }
    let home = String::from_utf8(out.stdout).unwrap().trim().to_string();
    Ok((python, home))
}

#[test]
fn spark_local_cluster_equals_one_analyze_run() {
    if !java_runs() {
        eprintln!("skipped: Java is not installed (the Spark test needs a JVM)");
        return;
    }
    let (python, spark_home) = match pyspark() {
        Ok(found) => found,
        Err(why) if std::env::var_os("CORSCOPE_REQUIRE_SPARK").is_none() => {
            eprintln!("skipped: {why} (.ci/run installs them)");
            return;
        }
        Err(why) => panic!("{why}"),
    };
    let dir = tempfile::tempdir().unwrap();
    let captures = dir.path().join("captures");
    fleet::write(&captures);
    let captures = captures.to_str().unwrap();
    let spark = Spark {
        python,
        spark_home,
        dir: dir.path(),
    };
    for merged in [false, true] {
        let flag: &[&str] = if merged { &["--merge-points"] } else { &[] };
        let reference = Command::new(BIN)
            .args([&["analyze", "--format", "jsonl"][..], flag, &[captures]].concat())
            .env("CORSCOPE_REDACT_KEY", KEY)
            .output()
            .unwrap();
        assert!(matches!(reference.status.code(), Some(0 | 1)));
        let report = spark.run(flag, captures);
        assert!(
            report == reference.stdout,
            "the Spark run (merge points: {merged}) differs from analyze"
        );
    }
    let out = dir.path().join("spark");
    // The records are Parquet files Spark wrote, one per non-empty partition.
    let parts = std::fs::read_dir(out.join("records"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "parquet")
        })
        .count();
    assert!(parts >= 1);
}

/// The Spark driver, run in `local-cluster` mode with two executors.
struct Spark<'a> {
    python: String,
    spark_home: String,
    dir: &'a std::path::Path,
}

impl Spark<'_> {
    /// The JSONL report of the driver over `captures`, with `flags`.
    fn run(&self, flags: &[&str], captures: &str) -> Vec<u8> {
        let out = self.dir.join("spark");
        let driver = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/deploy/spark/corscope_spark.py"
        );
        let run = Command::new(&self.python)
            .args([
                driver,
                "--corscope",
                BIN,
                "--master",
                "local-cluster[2,1,1024]",
            ])
            .args(["--partitions", "3", "--format", "jsonl"])
            .args(["--out", out.to_str().unwrap()])
            .args(flags)
            .arg(captures)
            .env("CORSCOPE_REDACT_KEY", KEY)
            .env("SPARK_HOME", &self.spark_home)
            .env("PYSPARK_PYTHON", &self.python)
            .env("PYSPARK_DRIVER_PYTHON", &self.python)
            .output()
            .expect("run the Spark driver");
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert!(run.status.success(), "driver failed:\n{stderr}");
        assert!(
            stderr.contains(&format!("{} inputs, 2 executors", fleet::HOSTS)),
            "two executors:\n{stderr}"
        );
        std::fs::read(out.join("report.jsonl")).unwrap()
    }
}
