"""Run one tool as a child: wall time, peak RSS of its whole process tree, output.

Peak RSS is the larger of two readings:
  - GNU time's %M (wait4's ru_maxrss): the high-water mark of the tool or of any
    descendant it waited for (exact, but per process: never a sum of processes);
  - the sum of VmRSS over the tool's live process tree, sampled every 100 ms
    (catches tools that fan out into concurrent processes; can miss a spike).
Trap: ru_maxrss read by this Python process for a child it started directly
includes this interpreter's own RSS (~14 MB), copied in at fork and kept as the
high-water mark across exec; /bin/true then "peaks" at 14 MB. So the tool runs
under /usr/bin/time, whose own ~1 MB is what its child inherits. Without
/usr/bin/time only the sampled tree is used.
"""
import os
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass

SAMPLE_SECONDS = 0.1
GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else shutil.which("time")


@dataclass
class Run:
    wall: float
    rss_kb: int
    code: int
    stdout: str
    stderr: str


def _children_by_parent():
    tree = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                # The command name (field 2) may hold spaces; ppid follows the last ')'.
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        tree.setdefault(ppid, []).append(int(name))
    return tree


def _rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_kb(root, skip_root=False):
    tree, total = _children_by_parent(), 0
    todo = list(tree.get(root, ())) if skip_root else [root]
    while todo:
        pid = todo.pop()
        total += _rss_kb(pid)
        todo.extend(tree.get(pid, ()))
    return total


def _time_kb(path):
    """The last line of GNU time's -o file (it writes 'Command exited…' lines first)."""
    try:
        with open(path) as f:
            lines = f.read().split()
        return int(lines[-1])
    except (OSError, ValueError, IndexError):
        return 0


def run(cmd, env=None):
    """Run cmd to completion; never raises on a non-zero exit (the caller judges)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err, \
            tempfile.NamedTemporaryFile("r", suffix=".rss") as rss_file:
        wrapped = [GNU_TIME, "-f", "%M", "-o", rss_file.name, *cmd] if GNU_TIME else cmd
        t0 = time.monotonic()
        proc = subprocess.Popen(wrapped, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env)
        peak, done = [0], threading.Event()

        def sample():
            while not done.wait(SAMPLE_SECONDS):
                peak[0] = max(peak[0], tree_rss_kb(proc.pid, skip_root=bool(GNU_TIME)))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        code = proc.wait()
        wall = time.monotonic() - t0
        done.set()
        sampler.join()
        out.seek(0)
        err.seek(0)
        rss = max(_time_kb(rss_file.name), peak[0])
        return Run(wall, rss, code, out.read(), err.read())
