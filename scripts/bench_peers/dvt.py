"""Google's Data Validation Tool (google-pso-data-validator 8.10.1), row hash mode.

Connections are stored as files under $PSO_DV_CONN_HOME: a temporary directory
here, removed at exit (the files hold the password). Traps (peer-tools.md):
exit 0 when validations fail (the status is in the output), timestamptz
rendered to whole seconds, values rtrimmed, every row hash pulled into pandas.
"""
import atexit
import csv
import io
import json
import os
import shutil
import subprocess
import tempfile
from urllib.parse import unquote, urlsplit

from . import measure
from .outcome import Outcome


class SetupError(Exception):
    """A connection could not be stored; the message never holds the password."""


def _conn_args(url):
    u = urlsplit(url)
    return ["--host", u.hostname or "127.0.0.1", "--port", str(u.port or 5432),
            "--user", unquote(u.username or "postgres"), "--password", unquote(u.password or ""),
            "--database", u.path.lstrip("/") or "postgres"]


class Connections:
    def __init__(self, exe, source, target):
        self.exe = exe
        self.home = tempfile.mkdtemp(prefix="bench-dvt-")
        atexit.register(shutil.rmtree, self.home, True)
        self.env = dict(os.environ, PSO_DV_CONN_HOME=self.home)
        for name, url in (("src", source), ("tgt", target)):
            cmd = [exe, "connections", "add", "-c", name, "Postgres", *_conn_args(url)]
            r = subprocess.run(cmd, env=self.env, capture_output=True, text=True)
            if r.returncode != 0:
                last = (r.stderr.strip().splitlines() or ["no message"])[-1]
                raise SetupError(f"connections add {name} exited {r.returncode}: {last}")

    def run(self, table, key):
        cmd = [self.exe, "validate", "row", "-sc", "src", "-tc", "tgt", "-tbls", table,
               "--primary-keys", key, "--hash", "*", "--filter-status", "fail", "-fmt", "csv"]
        r = measure.run(cmd, env=self.env)
        reported, unparsed = parse(r.stdout)
        out = Outcome(r.wall, r.rss_kb, reported, _crash(r.stderr, r.code), r.code)
        notes = [f"{unparsed} result rows not understood"] if unparsed else []
        summary = _summary_failures(r.stderr)
        if summary is not None and summary != len(reported) + unparsed:
            notes.append(f"its summary counts {summary} failed rows, its result lists {len(reported)}")
        out.note = "; ".join(notes)
        return out


def _crash(stderr, code):
    lines = stderr.strip().splitlines()
    if any(line.startswith("Traceback") for line in lines) or code != 0:
        return f"{(lines or ['no message'])[-1].strip()[:200]} (exit {code})"
    return ""


def _summary_failures(stderr):
    """total_rows_fail_validation_status from the JSON summary DVT logs at the end."""
    for line in reversed(stderr.splitlines()):
        start = line.find('{"run_id"')
        if start >= 0:
            try:
                return int(json.loads(line[start:])["total_rows_fail_validation_status"])
            except (ValueError, KeyError, TypeError):
                return None
    return None


def _key(row):
    """The primary key value of a result row (group_by_columns holds {"id": "…"})."""
    raw = row.get("group_by_columns") or ""
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    if isinstance(value, dict) and value:
        return str(next(iter(value.values())))
    return None


def parse(stdout):
    """Failed rows of the CSV result: {(kind, key)}, and how many rows had no key."""
    start = stdout.find("validation_name")
    if start < 0:
        return set(), 0
    reported, unparsed = set(), 0
    for row in csv.DictReader(io.StringIO(stdout[start:])):
        if row.get("validation_status") != "fail":
            continue
        key = _key(row)
        if key is None:
            unparsed += 1
            continue
        if not row.get("target_agg_value"):
            reported.add(("missing", key))
        elif not row.get("source_agg_value"):
            reported.add(("extra", key))
        else:
            reported.add(("changed", key))
    return reported, unparsed
