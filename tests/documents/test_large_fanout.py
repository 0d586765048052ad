"""Fan-out of a ~160 kB document: unchanged npm SocketIOProvider clients all converge, and the
archive holds the same text after the server reloads it (snapshot + tail, issue 19).

Needs Node.js and ``npm ci`` in tests/node; skips without them, fails when
SALON_REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.documents.helpers import Api, eventually
from tests.documents.test_node import NODE_DIR, NodeClients
from tests.documents.test_node import node_harness as node_harness  # the fixture
from tests.support.clients import user_id
from tests.support.servers import ServerProcess

pytestmark = [pytest.mark.node, pytest.mark.slow]
STARTUP_S = 120.0  # a 2-core machine shared by many test runs can take long to import and migrate


@pytest.fixture
def large_server(tmp_path: Path) -> Iterator[ServerProcess]:
    """A private SQLite server this test restarts; a small row threshold so the reload goes
    through a snapshot (taken after the seed) plus the log tail of the edits."""
    proc = ServerProcess(tmp_path / "data", doc_snapshot_every=20)
    proc.start(timeout=STARTUP_S)
    try:
        yield proc
    finally:
        proc.stop()


@pytest.mark.usefixtures("node_harness")
async def test_large_document_fan_out_converges_and_survives_a_reload(
    large_server: ServerProcess,
) -> None:
    server = large_server
    host = Api(server, user_id("host"))
    room = host.create_room()
    # CI: 10 receivers, 500 edits; `make long` (SALON_LONG=1): 20 receivers, 2,000 edits.
    receivers, edits = (20, 2000) if os.environ.get("SALON_LONG") == "1" else (10, 500)
    env = {
        **os.environ,
        "TOKEN": host.token,
        "RECEIVERS": str(receivers),
        "EDITS": str(edits),
        "TARGET_BYTES": "160000",
    }
    proc = await asyncio.create_subprocess_exec(
        "node", str(NODE_DIR / "doc-large-fanout.mjs"), server.url, room, "notes",
        cwd=NODE_DIR, env=env, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    node = NodeClients(proc)
    seeded: dict[str, Any] = await node.expect("seeded", within=120)
    assert seeded["bytes"] >= 160_000
    await node.expect("synced", within=120)
    converged = await node.expect("converged", within=120)
    assert converged["length"] == seeded["length"] + edits
    assert converged["text"].count("é") == edits
    assert await asyncio.wait_for(proc.wait(), 20) == 0

    await eventually(lambda: host.text(room) == converged["text"], within=30)
    # Reload from the archive alone: what every client converged on is what was logged.
    await asyncio.to_thread(server.stop)
    await asyncio.to_thread(server.start, STARTUP_S)
    assert host.text(room) == converged["text"]
