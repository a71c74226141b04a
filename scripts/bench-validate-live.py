#!/usr/bin/env python3
"""make bench-validate-live: dmsflow validate while CDC runs.

pgbench's tables (scale BENCH_LIVE_SCALE, default 10; pgbench_history given a
key) replicate through native logical replication (`dmsflow replicate start`).
Measured with the release CLI:
  - validate at rest (no load; median of BENCH_ROUNDS runs, default 3);
  - five validate runs while `pgbench -c 4 -j 2` writes to the source;
printed: time under load / time at rest, the false DIFFERENT count over the
five loaded runs (target 0: the source and target are identical but for rows
in flight), and the unverified (hot) rows of each run. Printed, never asserted.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DMSFLOW = os.environ.get("DMSFLOW_BIN", os.path.join(ROOT, "target", "release", "dmsflow"))
SCALE = os.environ.get("BENCH_LIVE_SCALE", "10")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
DB = "bench_live"
SCHEMA = "bench"


def pgbin(name):
    found = sorted(
        os.path.join("/usr/lib/postgresql", v, "bin", name)
        for v in os.listdir("/usr/lib/postgresql")
        if os.path.exists(os.path.join("/usr/lib/postgresql", v, "bin", name))
    ) if os.path.isdir("/usr/lib/postgresql") else []
    return found[-1] if found else name


PSQL, PGBENCH = pgbin("psql"), pgbin("pgbench")
SRC_BASE = os.environ["DMSFLOW_SOURCE_URL"].rsplit("/", 1)[0]
TGT_BASE = os.environ["DMSFLOW_TARGET_URL"].rsplit("/", 1)[0]
S, T = f"{SRC_BASE}/{DB}", f"{TGT_BASE}/{DB}"
ENV = dict(os.environ, PGOPTIONS=f"-c client_min_messages=warning -c search_path={SCHEMA}")
SUB = ["--source", S, "--target", T, "--schema", SCHEMA,
       "--publication", "bench_live_pub", "--subscription", "bench_live_sub"]


def run(cmd, check=True):
    # Connection strings hold the password: never echoed.
    return subprocess.run(cmd, env=ENV, check=check, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)


def psql(url, *sql):
    args = [PSQL, "-X", "-q", "-v", "ON_ERROR_STOP=1", url]
    for s in sql:
        args += ["-c", s]
    run(args)


def setup():
    for base in (SRC_BASE, TGT_BASE):
        psql(f"{base}/postgres", f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)", f"CREATE DATABASE {DB}")
    for url in (S, T):
        psql(url, f"CREATE SCHEMA {SCHEMA}")
    run([PGBENCH, "-i", "-s", SCALE, "-q", S])
    run([PGBENCH, "-i", "-I", "dtp", T])
    for url in (S, T):
        psql(url, f"ALTER TABLE {SCHEMA}.pgbench_history ADD COLUMN hid bigserial PRIMARY KEY")
    run([DMSFLOW, "replicate", "start", *SUB])
    run([DMSFLOW, "replicate", "poll", *SUB, "--wait-in-sync", "900", "--interval", "0.5"])


def validate():
    """(seconds, tables, JSON result) of one `dmsflow validate`."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        started = time.monotonic()
        done = run([DMSFLOW, "validate", "--source", S, "--target", T, "--schema", SCHEMA,
                    "--sequences", "warn", "--json", out.name, "-q"], check=False)
        seconds = time.monotonic() - started
        if done.returncode not in (0, 1):
            sys.exit(f"bench-validate-live: validate failed:\n{done.stdout[-2000:]}")
        doc = json.load(open(out.name))
    return seconds, doc["tables"]


def main():
    if not os.access(DMSFLOW, os.X_OK):
        sys.exit(f"bench-validate-live: {DMSFLOW} missing: cargo build --release -p dmsflow-cli")
    try:
        setup()
        at_rest = [validate()[0] for _ in range(ROUNDS)]
        load = subprocess.Popen([PGBENCH, "-c", "4", "-j", "2", "-n", "-T", "600", S], env=ENV,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(2)
        loaded = []
        try:
            for n in range(1, 6):
                seconds, tables = validate()
                different = [t["table"] for t in tables["tables"] if t["status"] == "different"]
                loaded.append((seconds, different, tables.get("unverified_rows", 0)))
                print(f"bench-validate-live: loaded run {n}: {tables['status']} in {seconds:.2f} s, "
                      f"unverified rows {tables.get('unverified_rows', 0)}"
                      + (f", DIFFERENT: {', '.join(different)}" if different else ""), flush=True)
        finally:
            load.terminate()
            load.wait()
    finally:
        run([DMSFLOW, "replicate", "stop", *SUB], check=False)
    rest = statistics.median(at_rest)
    busy = statistics.median(s for s, _, _ in loaded)
    false_different = sum(1 for _, d, _ in loaded if d)
    print(f"bench-validate-live: scale {SCALE}; validate at rest {rest:.2f} s (median of {ROUNDS}), "
          f"under pgbench -c 4 load {busy:.2f} s (median of 5)")
    print(f"bench-validate-live:   loaded / at rest = {busy / rest:.2f}")
    print(f"bench-validate-live:   false DIFFERENT over 5 loaded runs: {false_different} (target 0)")
    print(f"bench-validate-live:   unverified rows per run: {[u for _, _, u in loaded]}")


if __name__ == "__main__":
    main()
