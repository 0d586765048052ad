"""Unchanged npm y-socket.io SocketIOProvider clients + the Python SDK on one document.

Needs Node.js and ``npm ci`` in tests/node (done here if npm is available). Skips when Node is
missing, but fails instead when SALON_REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from salon_client.document import DocumentClient
from tests.documents.helpers import Api, eventually
from tests.support.clients import user_id
from tests.support.servers import ServerProcess

NODE_DIR = Path(__file__).resolve().parents[1] / "node"
REQUIRE = os.environ.get("SALON_REQUIRE_SERVICES") == "1"

pytestmark = pytest.mark.node


def _unavailable(reason: str) -> None:
    if REQUIRE:
        pytest.fail(f"{reason} (required: SALON_REQUIRE_SERVICES=1)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def node_harness() -> Path:
    if shutil.which("node") is None or shutil.which("npm") is None:
        _unavailable("Node.js/npm not installed")
    if not (NODE_DIR / "node_modules" / "y-socket.io").exists():
        done = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR, capture_output=True, timeout=300
        )
        if done.returncode != 0:
            _unavailable(f"npm ci failed in tests/node: {done.stderr.decode()[-500:]}")
    return NODE_DIR / "doc-clients.mjs"


class NodeClients:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.seen: list[dict[str, Any]] = []

    async def expect(self, event: str, within: float = 30.0) -> dict[str, Any]:
        assert self.proc.stdout is not None
        while True:
            line = await asyncio.wait_for(self.proc.stdout.readline(), within)
            if not line:
                raise AssertionError(f"node harness exited before {event!r}")
            message: dict[str, Any] = json.loads(line)
            self.seen.append(message)
            if message["event"] == "error":
                raise AssertionError(f"node harness: {message['message']}")
            if message["event"] == event:
                return message

    async def command(self, name: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(name.encode() + b"\n")
        await self.proc.stdin.drain()


async def start_node(
    script: Path, server: ServerProcess, room: str, tokens: list[str], edits: int, expected: int
) -> NodeClients:
    env = {
        **os.environ,
        "TOKENS": json.dumps(tokens),
        "EDITS": str(edits),
        "EXPECTED_LEN": str(expected),
    }
    proc = await asyncio.create_subprocess_exec(
        "node", str(script), server.url, room, "notes",
        cwd=NODE_DIR, env=env, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    return NodeClients(proc)


async def python_typing(live: DocumentClient, edits: int, char: str = "P") -> None:
    text = live.text()
    for _ in range(edits):
        text.insert(random.randint(0, len(text)), char)
        await asyncio.sleep(random.random() * 0.01)


@pytest.mark.slow
async def test_node_and_python_clients_converge_with_awareness(
    node_harness: Path, server: ServerProcess, host: Api
) -> None:
    room = host.create_room()
    node_users = [f"node-user-{i}" for i in range(3)]
    for user in node_users:
        host.grant(room, user, "participant")
    edits = 25
    expected = edits * (len(node_users) + 1)
    live = await DocumentClient(
        server.url, room, "notes", token=host.token, user={"name": "python"}
    ).connect()
    node = await start_node(
        node_harness, server, room, [server.token(u) for u in node_users], edits, expected
    )
    synced = await node.expect("synced")
    await node.command("go")
    await python_typing(live, edits)
    converged = await node.expect("converged")
    await eventually(lambda: str(live.text()) == converged["text"])
    assert sorted(converged["text"]) == sorted(
        "P" * edits + "a" * edits + "b" * edits + "c" * edits
    )

    # every Node client sees the Python user and the other Node users
    for names in converged["awareness"]:
        assert set(names) >= {"python", "node-0", "node-1", "node-2"}
    await eventually(lambda: len(live.awareness.states) == 4)

    await node.command("leave")
    await node.expect("cleared")
    await eventually(lambda: synced["clientIds"][0] not in live.awareness.states)
    await node.command("exit")
    assert await asyncio.wait_for(node.proc.wait(), 10) == 0
    await eventually(lambda: len(live.awareness.states) == 1)  # only our own state is left

    await live.close()
    r = host.call("GET", f"/rooms/{room}/documents/notes/content")
    assert r.status_code == 200 and r.text == converged["text"]


@pytest.mark.slow
async def test_node_provider_survives_kill_9_and_nothing_is_lost(
    node_harness: Path, durable_server: ServerProcess
) -> None:
    server = durable_server
    host = Api(server, user_id("host"))
    room = host.create_room()
    count = 120
    env = {
        **os.environ,
        "TOKEN": host.token,
        "CHAR": "n",
        "COUNT": str(count),
        "EXPECTED_LEN": str(2 * count),
    }
    proc = await asyncio.create_subprocess_exec(
        "node", str(node_harness.parent / "doc-typist.mjs"), server.url, room, "notes",
        cwd=NODE_DIR, env=env, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    node = NodeClients(proc)
    live = await DocumentClient(server.url, room, "notes", token=host.token).connect()
    await node.expect("synced")

    async def crash_and_restart() -> None:
        await asyncio.sleep(0.3)  # mid-typing on both sides
        server.kill()
        await asyncio.sleep(0.3)
        await asyncio.to_thread(server.start)

    await asyncio.gather(python_typing(live, count, "p"), crash_and_restart())
    converged = await node.expect("converged", within=60)
    assert {"event": "status", "status": "disconnected"} in node.seen  # it did live the crash
    assert sorted(converged["text"]) == sorted("n" * count + "p" * count)
    await eventually(lambda: str(live.text()) == converged["text"], within=20)
    await eventually(lambda: host.text(room) == converged["text"], within=20)
    assert await asyncio.wait_for(proc.wait(), 10) == 0
    await live.close()
