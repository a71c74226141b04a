#!/usr/bin/env python3
"""make bench-validate: dmsflow validate beside the real peers, same tables, same run.

Two local clusters hold an identical order_items-like table (bigint key, four
ints, two numeric, two timestamptz, two text, jsonb; BENCH_VALIDATE_ROWS rows,
5M by default). Measured, each as a child process (wall time, peak RSS of its
process tree, differences found), first on the identical table, then after 10
scattered differences on the target (a microsecond, a numeric's last digit, a
jsonb key, NULL vs text, 3 deletes, 3 inserts):
  - dmsflow validate (release build, all checks);
  - reladiff 0.6.0, data-diff 0.11.2 and Google's DVT 8.10.1, each installed on
    first use into its own virtualenv under .local/bench-venv/<tool> (a peer
    that cannot be installed says why; the bench goes on without it);
  - a raw scan reading every column without text conversion, both sides.
Figures and targets are printed, never asserted.
  BENCH_VALIDATE_ROWS  table size (default 5,000,000)
  BENCH_ROUNDS         rounds per measurement, medians printed (default 3)
  BENCH_PEERS          comma-separated subset of reladiff,data-diff,dvt (default all)
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_peers import dmsflow_run, dvt, fixture, hashdiff, installs, venv  # noqa: E402
from bench_peers.outcome import Outcome  # noqa: E402
from bench_peers.report import Row, print_report  # noqa: E402

ROWS = int(os.environ.get("BENCH_VALIDATE_ROWS", "5000000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DMSFLOW = os.environ.get("DMSFLOW_BIN", os.path.join(ROOT, "target", "release", "dmsflow"))
SOURCE = os.environ["DMSFLOW_SOURCE_URL"]
TARGET = os.environ["DMSFLOW_TARGET_URL"]
TABLE = f"{fixture.SCHEMA}.{fixture.TABLE}"

# name, label, pip attempts, entry point.
PEERS = [
    ("reladiff", "reladiff 0.6.0 -j 2", installs.RELADIFF, "reladiff"),
    ("data-diff", "data-diff 0.11.2 -j 2", installs.DATA_DIFF, "data-diff"),
    ("dvt", "DVT 8.10.1 row --hash '*'", installs.DVT, "data-validation"),
]
WANTED = set(os.environ.get("BENCH_PEERS", "reladiff,data-diff,dvt").split(","))


def install_peers():
    """[(Row, runner or None)]: every wanted peer, installed or with the reason it is not."""
    peers = []
    for name, label, attempts, entry in PEERS:
        if name not in WANTED:
            continue
        row = Row(label)
        try:
            exe, seconds, reused = venv.ensure(ROOT, name, attempts, entry)
        except venv.InstallError as e:
            row.install = f"not installed: {e}"
            print(f"bench-validate: {name} {row.install}", flush=True)
            peers.append((row, None))
            continue
        took = "" if seconds is None else f" in {seconds:.0f} s"
        row.install = f"venv reused (installed{took} earlier)" if reused else f"installed{took}"
        if name == "dvt":
            try:
                conn = dvt.Connections(exe, SOURCE, TARGET)
            except (dvt.SetupError, OSError) as e:
                row.install += f"; cannot be run: {e}"
                peers.append((row, None))
                continue
            peers.append((row, lambda conn=conn: conn.run(TABLE, "id")))
        else:
            peers.append((row, lambda exe=exe, name=name:
                          hashdiff.run(exe, name, SOURCE, TARGET, TABLE, "id", fixture.COLUMNS)))
    return peers


def run_peer(runner):
    """One peer run; whatever goes wrong in it is that peer's crash, not the bench's."""
    try:
        return runner()
    except Exception as e:  # noqa: BLE001 - one peer never fails the whole bench
        return Outcome(0.0, 0, crash=f"the bench could not run it: {type(e).__name__}: {e}", code=-1)


def measure_phase(phase, dms_row, peers, raw_sql, raw_times, expect_status):
    """ROUNDS rounds of dmsflow, the raw scan and every peer, interleaved."""
    for i in range(ROUNDS):
        outcome, status, code = dmsflow_run.run(DMSFLOW, SOURCE, TARGET, fixture.SCHEMA)
        if status != expect_status:
            sys.exit(f"dmsflow validate said {status} (exit {code}), expected {expect_status}")
        dms_row.add(phase, outcome)
        if raw_times is not None:
            raw_times.append(fixture.both(SOURCE, TARGET, raw_sql))
        line = f"round {i + 1} ({phase}): dmsflow {outcome.wall:.2f} s"
        if raw_times is not None:
            line += f", raw scan {raw_times[-1]:.2f} s"
        for row, runner in peers:
            if runner is not None:
                o = run_peer(runner)
                row.add(phase, o)
                line += f", {row.label.split()[0]} {o.wall:.2f} s" + (" (crashed)" if o.crash else "")
        print(line, flush=True)


def main():
    peers = install_peers()
    print(f"bench-validate: building {TABLE} with {ROWS:,} rows on both clusters…", flush=True)
    t0 = time.monotonic()
    size = fixture.build(SOURCE, TARGET, ROWS)
    print(f"bench-validate: ready in {time.monotonic() - t0:.0f} s ({size} per side)", flush=True)

    raw = "SELECT " + ", ".join(f"count({c})" for c in fixture.COLUMNS) + f" FROM {TABLE}"
    fixture.both(SOURCE, TARGET, raw)  # warm the caches once: every method then reads memory
    dms_row, raw_times = Row("dmsflow validate"), []
    measure_phase("identical", dms_row, peers, raw, raw_times, "identical")
    expected = fixture.apply_diffs(TARGET, ROWS)
    measure_phase("diffs", dms_row, peers, raw, None, "different")
    # Peak memory while localising a differing 100k-row chunk row by row.
    chunk_100k, _, _ = dmsflow_run.run(DMSFLOW, SOURCE, TARGET, fixture.SCHEMA, ["--chunk-rows", "100000"])

    print_report(ROWS, size, ROUNDS, dms_row, [row for row, _ in peers], raw_times, chunk_100k, expected)
    fixture.drop(SOURCE, TARGET)


if __name__ == "__main__":
    main()
