"""Full-state requests (sync-step-1) on a large document: answered from one shared encoding
per document version, and rate-limited per socket (SALON_DOC_FULL_STATE_RATE/_BURST)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import socketio

from salon_client.document import DocumentClient
from tests.documents.helpers import Api, eventually
from tests.support.clients import user_id
from tests.support.fanout import StalledReader, rss_bytes
from tests.support.servers import ServerProcess

MiB = 1024 * 1024
CHUNK = 900_000  # characters per insert: under SALON_DOC_MAX_UPDATE_BYTES


async def big_document(server: ServerProcess, chunks: int) -> tuple[str, str]:
    """A room whose notes hold ``chunks`` times CHUNK characters; and a viewer's token."""
    host = Api(server, user_id("host"))
    room = host.create_room()
    viewer = user_id("viewer")
    host.grant(room, viewer, "viewer")
    async with DocumentClient(server.url, room, "notes", token=host.token) as editor:
        for i in range(chunks):
            editor.text().insert(0, chr(ord("a") + i % 26) * CHUNK)
            await editor.flushed()
        await eventually(lambda: len(host.text(room)) == chunks * CHUNK, within=60)
    return room, server.token(viewer)


async def test_full_state_requests_are_rate_limited_per_socket(
    make_server: Callable[..., ServerProcess],
) -> None:
    server = make_server(doc_full_state_rate=0.01, doc_full_state_burst=3)
    room, token = await big_document(server, 1)
    namespace = f"/yjs|{room}/notes"
    sio = socketio.AsyncClient()
    errors: list[dict[str, Any]] = []
    sio.on("doc:error", errors.append, namespace=namespace)
    await sio.connect(
        server.url, namespaces=[namespace], auth={"token": token}, transports=["websocket"]
    )
    try:
        answers = [await sio.call("sync-step-1", b"\x00", namespace=namespace) for _ in range(5)]
        await eventually(lambda: len(errors) >= 2)
        assert [len(a) > CHUNK if isinstance(a, bytes) else a for a in answers] == [
            True, True, True, None, None
        ]  # fmt: skip
        assert {(e["event"], e["code"]) for e in errors} == {("sync-step-1", "rate_limited")}
        assert all(e["details"]["retry_after"] > 0 for e in errors)
    finally:
        await sio.disconnect()


def binary_sync_step_1(namespace: str, ack: int) -> tuple[str, bytes]:
    """The two frames of a y-socket.io sync-step-1 with an empty state vector."""
    header = f"451-{namespace},{ack}" + json.dumps(
        ["sync-step-1", {"_placeholder": True, "num": 0}]
    )
    return header, b"\x00"


async def test_repeated_full_state_requests_share_one_encoding(
    make_server: Callable[..., ServerProcess],
) -> None:
    # No rate limit and no outgoing bound here: only the shared encoding keeps memory flat.
    server = make_server(doc_full_state_rate=1000, doc_full_state_burst=1000, max_outgoing_bytes=0)
    assert server.proc is not None
    room, token = await big_document(server, 5)
    namespace = f"/yjs|{room}/notes"
    stalled = await StalledReader.open(server.port, namespace, token, heartbeats=1)
    try:
        await asyncio.sleep(0.5)
        before = rss_bytes(server.proc.pid)
        for ack in range(40):  # 40 answers of 4.5 MB each wait for a socket that reads nothing
            for frame in binary_sync_step_1(namespace, ack):
                await stalled.ws.send(frame)
        await asyncio.sleep(2)  # let the server answer them all
        grown = rss_bytes(server.proc.pid) - before
        assert grown < 40 * MiB, f"RSS grew by {grown / MiB:.1f} MiB"
        assert "Traceback" not in server.log()
    finally:
        await stalled.close()
