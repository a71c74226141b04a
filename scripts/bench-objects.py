#!/usr/bin/env python3
"""make bench-objects: the object checks on a wide schema, beside migra.

Both local clusters get the same database: 500 tables in one schema (a key,
a secondary index, a foreign key to the previous table, a few rows each) and
2,000 other objects (500 sequences used through DEFAULT nextval, 500 trigger
functions, 500 triggers, 500 views). Prints, for the identical pair and after
5 injected object differences:
  dmsflow validate   (every check: objects, sequences, rows of all 500 tables)
  migra              (schema diff only, the reference for what a diff covers)
Figures only: nothing here passes or fails on time. Run through
scripts/with-services.sh (the Makefile's target does).
"""
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DMSFLOW = os.environ.get("DMSFLOW_BIN", os.path.join(ROOT, "target", "release", "dmsflow"))
SOURCE = os.environ["DMSFLOW_SOURCE_URL"]
TARGET = os.environ["DMSFLOW_TARGET_URL"]
SCHEMAS = 1
TABLES_PER_SCHEMA = int(os.environ.get("BENCH_OBJECT_TABLES", "500"))
DB = "bench_objects"
VENV = os.path.join(ROOT, ".local", "bench-venv", "migra")


def base(url):
    return url.rsplit("/", 1)[0]


def psql(url, sql):
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", url], input=sql, text=True,
                   check=True, stdout=subprocess.DEVNULL,
                   env={**os.environ, "PGOPTIONS": "-c client_min_messages=warning"})


def ddl():
    out = []
    for s in range(SCHEMAS):
        schema = f"app{s}"
        out.append(f"CREATE SCHEMA {schema};")
        for t in range(TABLES_PER_SCHEMA):
            name = f"{schema}.t{t}"
            out.append(f"CREATE SEQUENCE {schema}.t{t}_ref_seq;")
            out.append(
                f"CREATE TABLE {name} (id integer PRIMARY KEY, parent integer, "
                f"ref bigint NOT NULL DEFAULT nextval('{schema}.t{t}_ref_seq'), "
                f"label text, changed_at timestamptz);")
            out.append(f"CREATE INDEX t{t}_label_idx ON {name} (label);")
            if t > 0:
                out.append(f"ALTER TABLE {name} ADD FOREIGN KEY (parent) REFERENCES {schema}.t{t-1} (id);")
            out.append(
                f"CREATE FUNCTION {schema}.t{t}_touch() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN NEW.changed_at := now(); RETURN NEW; END $$;")
            out.append(f"CREATE TRIGGER t{t}_touch BEFORE UPDATE ON {name} FOR EACH ROW EXECUTE FUNCTION {schema}.t{t}_touch();")
            out.append(f"CREATE VIEW {schema}.v{t} AS SELECT id, label FROM {name} WHERE id % 2 = 0;")
            out.append(f"INSERT INTO {name} (id, parent, label) SELECT g, CASE WHEN {t} > 0 THEN g END, 'row ' || g FROM generate_series(1, 20) g;")
    return "\n".join(out)


def recreate(url):
    psql(base(url) + "/postgres", f"DROP DATABASE IF EXISTS {DB} WITH (FORCE); CREATE DATABASE {DB};")


def timed(cmd, env=None):
    start = time.monotonic()
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    return time.monotonic() - start, r


def migra_bin():
    exe = os.path.join(VENV, "bin", "migra")
    if not os.path.exists(exe):
        print("bench-objects: installing migra in its own virtualenv", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
        subprocess.run([os.path.join(VENV, "bin", "pip"), "install", "-q", "migra",
                        "SQLAlchemy<2", "psycopg2-binary"], check=True)
    return exe


def run_round(label, src, tgt):
    secs, r = timed([DMSFLOW, "validate", "--source", src, "--target", tgt, "--schema", "app0"])
    flagged = [line.strip() for line in r.stdout.splitlines()
               if line.strip().startswith(("missing", "extra", "different", "behind"))]
    print(f"  dmsflow validate ({label}): {secs:6.2f} s, exit {r.returncode}, {len(flagged)} finding lines")
    for line in flagged[:8]:
        print(f"      {line[:110]}")
    if r.returncode not in (0, 1):
        print(r.stderr[-2000:], file=sys.stderr)
    try:
        exe = migra_bin()
        secs, r = timed([exe, "--unsafe", tgt.replace("postgres://", "postgresql://"),
                         src.replace("postgres://", "postgresql://")])
        statements = sum(1 for line in r.stdout.splitlines() if line.strip().endswith(";"))
        print(f"  migra            ({label}): {secs:6.2f} s, exit {r.returncode}, {statements} statements to converge")
    except (subprocess.CalledProcessError, OSError) as e:
        print(f"  migra: not available ({e})")
    return len(flagged)


def main():
    if not os.path.exists(DMSFLOW):
        sys.exit(f"bench-objects: {DMSFLOW} missing: cargo build --release --bin dmsflow")
    src, tgt = base(SOURCE) + "/" + DB, base(TARGET) + "/" + DB
    text = ddl()
    for url in (SOURCE, TARGET):
        recreate(url)
    start = time.monotonic()
    psql(src, text)
    psql(tgt, text)
    tables = SCHEMAS * TABLES_PER_SCHEMA
    print(f"bench-objects: {tables} tables, {4 * tables} other objects per side "
          f"(built in {time.monotonic() - start:.1f} s)")
    run_round("identical", src, tgt)
    psql(tgt, "DROP TRIGGER t7_touch ON app0.t7; DROP VIEW app0.v3; "
              "SELECT setval('app0.t5_ref_seq', 1); ALTER TABLE app0.t9 DROP CONSTRAINT t9_parent_fkey; "
              "GRANT SELECT ON app0.t1 TO PUBLIC;")
    run_round("5 differences", src, tgt)


if __name__ == "__main__":
    main()
