"""reladiff 0.6.0 and data-diff 0.11.2: the same command line and output format.

Traps handled here (see shared notes, peer-tools.md):
  - both exit 0 when rows differ, and reladiff exits 0 after crashing while it
    sorts the results (it then prints part of the differences): a crash is read
    from stderr ('ERROR -' log lines, a Python traceback), not from the exit code;
  - both print through rich, which wraps every line (JSONL too) at the terminal
    width, 80 columns without a tty, and pads log lines to it: COLUMNS is set
    wide enough for one row, and a cut result line is counted, not dropped;
  - only the key is compared unless every column is named with -c;
  - data-diff wants a password in the URI and sends telemetry unless --no-tracking;
    it prints its log (warnings, errors) on stdout, between the JSON lines.
"""
import json
import os
import re

from . import measure
from .outcome import Outcome, keys_from_signs


# Wide enough for one result row of the bench table, not more: rich pads every
# log line to the full width.
CONSOLE_COLUMNS = 4096


def _uri(url):
    # Both tools want the SQLAlchemy-style scheme (never printed: it holds the password).
    return "postgresql://" + url.split("://", 1)[1]


def command(exe, tool, source, target, table, key, columns, threads=2):
    cmd = [exe, _uri(source), table, _uri(target), table, "-k", key]
    for c in columns:
        if c != key:
            cmd += ["-c", c]
    cmd += ["-j", str(threads), "--json"]
    if tool == "data-diff":
        cmd.append("--no-tracking")
    return cmd


# A log line at level ERROR or CRITICAL: "[10:30:48] ERROR - msg" (reladiff),
# "10:34:06 ERROR    msg" (data-diff).
_ERROR = re.compile(r"^\s*(\[?[0-9:]+\]?\s+)?(ERROR|CRITICAL)\b[\s:-]*")


def _crash(text, code):
    """Why the run crashed ('' if it did not): an ERROR log line, else a traceback's
    last line, else a non-zero exit. Exit codes alone say nothing (0 after a crash)."""
    lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    for line in lines:
        m = _ERROR.search(line)
        if m:
            return f"{line[m.end():][:300]} (exit {code})"
    if any(line.startswith("Traceback") for line in lines):
        return f"{lines[-1][:300]} (exit {code})"
    if code != 0:
        return f"{(lines or ['no message'])[-1][:300]} (exit {code})"
    return ""


def parse(stdout):
    """(signed keys, log lines printed on stdout, count of JSON lines not understood)."""
    signed, logs, unparsed = [], [], 0
    for line in stdout.splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            if line.startswith(('["-"', '["+"')):
                unparsed += 1  # a result line cut by rich's wrapping
            else:
                logs.append(line)  # a log line: data-diff logs to stdout
            continue
        try:
            sign, values = entry
            signed.append((sign, str(values[0])))
        except (ValueError, TypeError, IndexError, KeyError):
            unparsed += 1
    return signed, logs, unparsed


def run(exe, tool, source, target, table, key, columns):
    env = dict(os.environ, COLUMNS=str(CONSOLE_COLUMNS))
    r = measure.run(command(exe, tool, source, target, table, key, columns), env=env)
    signed, logs, unparsed = parse(r.stdout)
    crash = _crash("\n".join([r.stderr, *logs]), r.code)
    out = Outcome(r.wall, r.rss_kb, keys_from_signs(signed), crash, r.code)
    if unparsed:
        out.note = f"{unparsed} output lines not understood"
    return out
