"""When the guard fails, nothing is patched and the stock paths are used: checked in a
subprocess, so the real libraries of this test process stay as they are."""

from __future__ import annotations

import subprocess
import sys

PROGRAM = """
import asyncio, logging
from engineio import async_socket
from salon.realtime import fastpath
stock_poll = async_socket.AsyncSocket.poll
logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
fastpath._process = fastpath.FastPath(lambda: ["uvicorn 0.99.0 is outside the tested range"],
                                      lambda: 1 / 0)
import tempfile
from salon.app import build_services
from salon.cli import ws_protocol
from salon.core.config import Settings
assert ws_protocol("auto") == "auto" and ws_protocol("websockets-sansio") == "websockets-sansio"
services, hub = build_services(Settings(data_dir=tempfile.mkdtemp(), secret="x" * 40))
sio = hub.sio
assert async_socket.AsyncSocket.poll is stock_poll
assert not hasattr(async_socket.AsyncSocket, "salon_direct")
assert isinstance(sio.eio.create_queue(), asyncio.Queue)
assert not fastpath.active()
assert b"salon_fastpath_active 0.0" in services.metrics.render()
print("stock")
"""


def test_a_failed_guard_leaves_the_stock_paths() -> None:
    run = subprocess.run(
        [sys.executable, "-c", PROGRAM], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "stock"
    warnings = [line for line in run.stderr.splitlines() if line.startswith("WARNING")]
    assert warnings == [
        "WARNING fast path off, stock python-engineio/uvicorn paths in use: "
        "uvicorn 0.99.0 is outside the tested range"
    ]
