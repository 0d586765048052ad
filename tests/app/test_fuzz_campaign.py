"""The short CI version of the fuzz campaign (bench/fuzz.py; `make fuzz` runs 100,000 inputs):
hostile REST, Socket.IO and Yjs inputs against a real server while two npm y-socket.io
clients type into the attacked document."""

from __future__ import annotations

import shutil
from pathlib import Path

from bench.fuzz import campaign
from tests.support.services import require


async def test_a_short_fuzz_campaign_leaves_the_server_whole(tmp_path: Path) -> None:
    require(shutil.which("node") is not None, "node is not installed")
    report = await campaign(1_500, seed=7, data_dir=tmp_path / "data")
    assert report["total"] >= 1_500
    assert report["server_errors"] == []  # no 5xx, no `internal` ack
    assert report["tracebacks"] == 0, report["traceback_excerpts"]
    assert report["converged"], report["honest"]
