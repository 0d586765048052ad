"""py-spy on the server under test: ``--profile DIR`` records each Salon workload while it runs.

The recorder attaches to the running server (so its own CPU is not counted as the server's),
writes collapsed stacks (``--format raw``), and the report lists the
functions where the server spent its own time (leaf frames) and, inclusive, its hot callers.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

LINE = re.compile(r":\d+\)$")  # "fn (file.py:12)" -> "fn (file.py)": one row per function


def py_spy() -> str | None:
    local = Path(sys.executable).with_name("py-spy")
    return str(local) if local.exists() else shutil.which("py-spy")


class Recorder:
    def __init__(self, pid: int, out: Path, cpus: str | None, rate: int = 100) -> None:
        self.out = out
        binary = py_spy()
        if binary is None:
            raise RuntimeError("py-spy is not installed: pip install -e '.[bench]'")
        # --gil: only samples that hold the GIL, i.e. Python work; an event loop waiting in
        # epoll and aiosqlite's thread waiting for its next query would otherwise dominate.
        command = [binary, "record", "--pid", str(pid), "--rate", str(rate), "--nonblocking",
                   "--gil", "--format", "raw", "--output", str(out)]  # fmt: skip
        if cpus is not None and shutil.which("taskset"):
            command = ["taskset", "-c", cpus, *command]
        out.parent.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
        )

    def stop(self) -> dict[str, Any]:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            _, err = self.process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, err = self.process.communicate()
        if not self.out.exists():
            return {"file": str(self.out), "error": err.decode(errors="replace")[-500:]}
        return {"file": str(self.out), **summarize(self.out)}


def summarize(path: Path, top: int = 15) -> dict[str, Any]:
    """Self time per leaf function and inclusive time per function, as shares of all samples."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [LINE.sub(")", frame) for frame in stack.split(";")]
        total += count
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    if total == 0:
        return {"samples": 0, "self": [], "inclusive": []}

    def share(counter: Counter[str]) -> list[list[Any]]:
        return [[frame, round(n / total, 4)] for frame, n in counter.most_common(top)]

    return {"samples": total, "self": share(own), "inclusive": share(inclusive)}
