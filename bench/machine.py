"""The conditions every figure is printed with: machine, versions, load at the start."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from importlib import metadata
from typing import Any


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def node_version() -> str:
    node = shutil.which("node")
    if node is None:
        return "absent"
    return subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()


def package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "absent"


def git_commit(directory: str) -> str:
    result = subprocess.run(
        ["git", "-C", directory, "log", "-1", "--format=%h %D"], capture_output=True, text=True
    )
    changes = subprocess.run(
        ["git", "-C", directory, "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
    )
    # A commit names the code measured only if the checkout has nothing uncommitted.
    dirty = ", with uncommitted changes" if changes.stdout.strip() else ""
    return (result.stdout.strip() or "unknown") + dirty


def conditions(salon_source: str, baseline_source: str | None = None) -> dict[str, Any]:
    load1, load5, _ = os.getloadavg()
    baseline = {}
    if baseline_source is not None:
        baseline["baseline_source"] = f"{baseline_source} ({git_commit(baseline_source)})"
    return {
        "salon_source": f"{salon_source} ({git_commit(salon_source)})",
        **baseline,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count() or 1,
        "cpu": cpu_model(),
        "python": sys.version.split()[0],
        "node": node_version(),
        "os": f"{platform.system()} {platform.release()}",
        "loadavg_at_start": f"{load1:.2f} / {load5:.2f}",
        "packages": {
            name: package_version(name)
            for name in ("salon", "python-socketio", "uvicorn", "pycrdt", "websockets")
        },
    }
