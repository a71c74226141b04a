"""dmsflow validate itself (release build), measured like every peer."""
import json
import os
import sys
import tempfile

from . import measure
from .outcome import Outcome


def run(exe, source, target, schema, extra=()):
    """One validate of the schema; returns (Outcome, status, exit code). Exits on an error."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = f.name
    cmd = [exe, "validate", "--source", source, "--target", target, "--schema", schema,
           "--rechecks", "0", "--json", out, "--quiet", "--max-diffs", "100", *extra]
    r = measure.run(cmd)
    try:
        if r.code not in (0, 1):
            sys.exit(f"dmsflow validate failed ({r.code}):\n{r.stdout}\n{r.stderr}")
        with open(out) as f:
            doc = json.load(f)
    finally:
        os.unlink(out)
    tables = doc["tables"]
    reported = {(d["kind"], str(d["key"][0])) for t in tables["tables"] for d in t["differences"]["sample"]}
    return Outcome(r.wall, r.rss_kb, reported), tables["status"], r.code
