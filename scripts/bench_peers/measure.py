"""Run one tool as a child: wall time, peak RSS of its whole process tree, output.

Peak RSS is the larger of two readings:
  - wait4's ru_maxrss: the high-water mark of the child or of any descendant it
    waited for (exact, but per process: it never adds processes together);
  - the sum of VmRSS over the live process tree, sampled every 100 ms (catches
    tools that fan out into concurrent processes; can miss a short spike).
"""
import os
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass

SAMPLE_SECONDS = 0.1


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


def tree_rss_kb(root):
    tree, total, todo = _children_by_parent(), 0, [root]
    while todo:
        pid = todo.pop()
        total += _rss_kb(pid)
        todo.extend(tree.get(pid, ()))
    return total


def run(cmd, env=None, timeout=None):
    """Run cmd to completion; never raises on a non-zero exit (the caller judges)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env)
        peak, done = [0], threading.Event()

        def sample():
            while not done.wait(SAMPLE_SECONDS):
                peak[0] = max(peak[0], tree_rss_kb(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        timer = threading.Timer(timeout, proc.kill) if timeout else None
        if timer:
            timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - t0
        done.set()
        sampler.join()
        if timer:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(wall, max(usage.ru_maxrss, peak[0]), proc.returncode, out.read(), err.read())
