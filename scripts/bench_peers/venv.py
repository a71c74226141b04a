"""One virtualenv per peer under .local/bench-venv/<tool>, created on first use.

Their pins clash with each other and with moto/boto3, so each tool gets its own
environment. A marker file records the requirement set that was installed; a
venv whose marker differs (or is missing: an interrupted install) is rebuilt.
"""
import os
import shutil
import subprocess
import sys
import time

MARKER = ".dmsflow-requirements"
SECONDS = ".dmsflow-install-seconds"


class InstallError(Exception):
    """The tool could not be installed; the message says why and what to do."""


def _pip(venv_dir, requirements, log):
    pip = os.path.join(venv_dir, "bin", "pip")
    cmd = [pip, "install", "--disable-pip-version-check", "--no-input", *requirements]
    r = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT)
    return r.returncode == 0


def _tail(path, lines=8):
    with open(path, errors="replace") as f:
        return "".join(f.readlines()[-lines:])


def ensure(root, tool, attempts, entry_point):
    """Return (path of the tool's executable, install seconds, True when the venv was reused).

    `attempts` is a list of (label, requirements, precheck) tried in order; precheck
    is None or a function returning None (ok) or a reason the attempt cannot run
    (a missing build dependency). Raises InstallError naming every failed attempt.
    """
    venv_dir = os.path.join(root, ".local", "bench-venv", tool)
    exe = os.path.join(venv_dir, "bin", entry_point)
    marker = os.path.join(venv_dir, MARKER)
    wanted = {" ".join(reqs) for _, reqs, _ in attempts}
    if os.path.exists(marker) and os.path.exists(exe):
        with open(marker) as f:
            if f.read().strip() in wanted:
                return exe, _read_seconds(venv_dir), True
    reasons = []
    t0 = time.monotonic()
    for label, reqs, precheck in attempts:
        why = precheck() if precheck else None
        if why:
            reasons.append(f"{label}: {why}")
            continue
        shutil.rmtree(venv_dir, ignore_errors=True)
        os.makedirs(os.path.dirname(venv_dir), exist_ok=True)
        r = subprocess.run([sys.executable, "-m", "venv", venv_dir], capture_output=True, text=True)
        if r.returncode != 0:
            raise InstallError(f"python3 -m venv failed: {r.stderr.strip()}")
        log_path = os.path.join(venv_dir, "install.log")
        print(f"bench-validate: installing {tool} ({label}) into {os.path.relpath(venv_dir, root)}…",
              flush=True)
        with open(log_path, "w") as log:
            ok = _pip(venv_dir, ["--upgrade", "pip"], log) and _pip(venv_dir, reqs, log)
        if ok and os.path.exists(exe):
            seconds = time.monotonic() - t0
            with open(os.path.join(venv_dir, SECONDS), "w") as f:
                f.write(f"{seconds:.1f}\n")
            with open(marker, "w") as f:
                f.write(" ".join(reqs) + "\n")
            return exe, seconds, False
        reasons.append(f"{label}: pip install {' '.join(reqs)} failed; last lines of "
                       f"{os.path.relpath(log_path, root)}:\n{_tail(log_path)}")
    raise InstallError("\n".join(reasons))


def _read_seconds(venv_dir):
    try:
        with open(os.path.join(venv_dir, SECONDS)) as f:
            return float(f.read())
    except (OSError, ValueError):
        return None


def have_build_deps_for_psycopg2():
    """None when psycopg2 can build from source here, else what to install."""
    missing = [name for name in ("gcc", "pg_config") if shutil.which(name) is None]
    if shutil.which("pg_config") and not _has_libpq_headers():
        missing.append("libpq-fe.h")
    if not missing:
        return None
    return (f"building psycopg2 from source needs gcc and libpq-dev (missing: {', '.join(missing)}); "
            "install them with: apt-get install gcc libpq-dev")


def _has_libpq_headers():
    r = subprocess.run(["pg_config", "--includedir"], capture_output=True, text=True)
    return r.returncode == 0 and os.path.exists(os.path.join(r.stdout.strip(), "libpq-fe.h"))
