#!/usr/bin/env python3
"""Runs corscope's stages on Apache Spark.

extract: one Spark task per input (a capture, possibly many rotated files), each running
         `corscope extract --input K -o -` and passing its Arrow IPC stream on (mapInArrow);
shuffle: repartition by the input column, sort within partitions by (input, seq);
         with --merge-points (the inputs are capture points of one site): repartition by
         hash(browser), the client key (or the input, for a recording of one browser), and
         sort within partitions by (merge_ns, input, seq);
decide:  each partition streamed through one `corscope decide - -o -` process (mapInArrow;
         `decide --merge-points` with --merge-points);
         the records are written as Parquet (Spark's own writer);
report:  `corscope report` over that Parquet, in any report format.

The corscope binary is shipped to the executors with SparkContext.addFile; the inputs must be
readable at the same paths on every executor (a shared file system), as in local and
local-cluster mode.

usage: corscope_spark.py --corscope BIN --out DIR [--master URL] [--partitions N]
                         [--format F] [--merge-points] INPUT...
CORSCOPE_REDACT_KEY must be set (decide needs one key for every task), unless --no-redact.
"""

import argparse
import os
import subprocess
import sys
import threading

import pyarrow as pa
import pyarrow.ipc as ipc
from pyspark import SparkFiles
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

SCHEMA_KEY = b"corscope.schema"

HEADERS = pa.list_(
    pa.field(
        "item",
        pa.struct([pa.field("name", pa.binary()), pa.field("value", pa.binary())]),
    )
)

# The exchanges table, corscope.exchanges/2 (README: "Stage schemas").
EXCHANGES = pa.schema(
    [
        pa.field("row", pa.string(), nullable=False),
        pa.field("input", pa.int64(), nullable=False),
        pa.field("seq", pa.int64(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("file", pa.string()),
        pa.field("frame", pa.int64()),
        pa.field("entry", pa.int64()),
        pa.field("client_key", pa.string()),
        pa.field("origin", pa.string()),
        pa.field("req_ts_ns", pa.int64()),
        pa.field("resp_ts_ns", pa.int64()),
        pa.field("method", pa.string()),
        pa.field("url", pa.string()),
        pa.field("status", pa.int32()),
        pa.field("req_headers", HEADERS),
        pa.field("resp_headers", HEADERS),
        pa.field("detail", pa.string(), nullable=False),
        pa.field("merge_ns", pa.int64()),
    ],
    metadata={SCHEMA_KEY: b"corscope.exchanges/2"},
)

# The records table, corscope.records/2.
RECORDS = pa.schema(
    [
        pa.field("row", pa.string(), nullable=False),
        pa.field("input", pa.int64(), nullable=False),
        pa.field("ord", pa.int64(), nullable=False),
        pa.field("seq", pa.int64()),
        pa.field("kind", pa.string()),
        pa.field("verdict", pa.string()),
        pa.field("causes", pa.list_(pa.field("item", pa.string()))),
        pa.field("origin", pa.string()),
        pa.field("method", pa.string()),
        pa.field("url", pa.string()),
        pa.field("status", pa.int32()),
        pa.field("started_ns", pa.int64()),
        pa.field("client", pa.string()),
        pa.field("server", pa.string()),
        pa.field("detail", pa.string(), nullable=False),
    ],
    metadata={SCHEMA_KEY: b"corscope.records/2"},
)

# The same tables as Spark DDL (signed integers only: Spark has no unsigned types).
EXCHANGES_DDL = (
    "row string, input long, seq long, source string, file string, frame long, entry long, "
    "client_key string, origin string, req_ts_ns long, resp_ts_ns long, method string, "
    "url string, status int, req_headers array<struct<name:binary,value:binary>>, "
    "resp_headers array<struct<name:binary,value:binary>>, detail string, merge_ns long"
)
RECORDS_DDL = (
    "row string, input long, ord long, seq long, kind string, verdict string, "
    "causes array<string>, origin string, method string, url string, status int, "
    "started_ns long, client string, server string, detail string"
)


def conform(batch, schema):
    """The batch with the columns, types and metadata of `schema` (Spark drops metadata and
    may name list items differently)."""
    columns = [batch.column(batch.schema.get_field_index(f.name)).cast(f.type) for f in schema]
    return pa.RecordBatch.from_arrays(columns, schema=schema)


def binary():
    return SparkFiles.get("corscope")


def check(proc, what):
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.wait() not in (0,):
        raise RuntimeError(f"corscope {what} failed ({proc.returncode}): {err}")


def extract_tasks(inputs, extra):
    """mapInArrow function: rows of (input) tasks in, exchange batches out."""

    def run(batches):
        for b in batches:
            for index in b.column("input").to_pylist():
                cmd = [binary(), "extract", *extra, "--input", str(index), "-o", "-", *inputs]
                proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                for batch in ipc.open_stream(proc.stdout):
                    yield batch
                check(proc, "extract")

    return run


def decide_partition(extra):
    """mapInArrow function: one partition's exchanges (sorted by input, seq) through one
    corscope decide process; record batches out."""

    def run(batches):
        batches = iter(batches)
        first = next(batches, None)
        if first is None:
            return
        proc = subprocess.Popen(
            [binary(), "decide", *extra, "-", "-o", "-"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        failure = []

        def feed():
            try:
                with ipc.new_stream(proc.stdin, EXCHANGES) as w:
                    w.write_batch(conform(first, EXCHANGES))
                    for b in batches:
                        w.write_batch(conform(b, EXCHANGES))
            except BrokenPipeError as e:  # decide stopped: its status says why
                failure.append(e)
            finally:
                proc.stdin.close()

        # Written from a thread while this one reads: neither side waits on a full pipe.
        writer = threading.Thread(target=feed, daemon=True)
        writer.start()
        for batch in ipc.open_stream(proc.stdout):
            yield batch
        writer.join()
        check(proc, "decide")

    return run


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--corscope", required=True, help="the corscope binary")
    p.add_argument("--out", required=True, help="output directory (records/ and report.*)")
    p.add_argument("--master", default=None, help="Spark master (default: as configured)")
    p.add_argument("--partitions", type=int, default=4, help="decide partitions")
    p.add_argument("--format", default="jsonl", help="report format")
    p.add_argument("--no-redact", action="store_true", help="records show secrets as recorded")
    p.add_argument(
        "--merge-points",
        action="store_true",
        help="the inputs are capture points of one site: judge each browser over all of them",
    )
    p.add_argument("inputs", nargs="+")
    args = p.parse_args()
    corscope = os.path.abspath(args.corscope)
    inputs = [os.path.abspath(i) for i in args.inputs]
    decide_flags = ["--no-redact"] if args.no_redact else []

    plan = subprocess.run(
        [corscope, "extract", "--plan", *inputs], check=True, capture_output=True, text=True
    ).stdout
    tasks = [int(line.split("\t")[0]) for line in plan.splitlines() if line]

    builder = SparkSession.builder.appName("corscope")
    if args.master:
        builder = builder.master(args.master)
    spark = builder.getOrCreate()
    spark.sparkContext.addFile(corscope)
    try:
        work = spark.createDataFrame([(t,) for t in tasks], "input long")
        exchanges = work.repartition(max(1, len(tasks))).mapInArrow(
            extract_tasks(inputs, []), EXCHANGES_DDL
        )
        if args.merge_points:
            # The browser key decide uses: the client, else the input (one browser).
            browser = F.coalesce(
                F.col("client_key"), F.concat(F.lit("input "), F.col("input").cast("string"))
            )
            ordered = exchanges.repartition(args.partitions, browser).sortWithinPartitions(
                "merge_ns", "input", "seq"
            )
            decide_flags.append("--merge-points")
        else:
            ordered = exchanges.repartition(args.partitions, "input").sortWithinPartitions(
                "input", "seq"
            )
        records = ordered.mapInArrow(decide_partition(decide_flags), RECORDS_DDL)
        out = os.path.abspath(args.out)
        records.write.mode("overwrite").option("compression", "zstd").parquet(
            os.path.join(out, "records")
        )
        # The driver is listed with the executors.
        executors = len(spark.sparkContext.statusTracker().getExecutorInfos()) - 1
        print(f"corscope-spark: {len(tasks)} inputs, {executors} executors", file=sys.stderr)
    finally:
        spark.stop()
    report = os.path.join(out, f"report.{args.format}")
    status = subprocess.run(
        [corscope, "report", "--format", args.format, "--color", "never", "-o", report,
         os.path.join(out, "records")]
    ).returncode
    # 1: blocked exchanges found, the report is complete.
    sys.exit(0 if status in (0, 1) else status)


if __name__ == "__main__":
    main()
