"""A reader that stops reading while a document fans out, and the fan-out itself: shared by
tests/realtime/test_slow_reader.py and the on-demand bench/slow_reader.py."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from dataclasses import dataclass, field
from pathlib import Path

from websockets.asyncio.client import ClientConnection, connect

from salon_client.document import DocumentClient


def rss_bytes(pid: int) -> int:
    """Resident memory of a process, as the kernel counts it (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise LookupError(f"no VmRSS for {pid}")


@dataclass
class StalledReader:
    """An Engine.IO WebSocket on one document namespace that reads nothing after connecting.

    With ``heartbeats`` it keeps sending PONGs without reading the PINGs (a hostile client
    that looks alive); without, it falls silent and the heartbeat finds it."""

    ws: ClientConnection
    heartbeats: asyncio.Task[None] | None = None
    sent_pongs: int = field(default=0)

    @classmethod
    async def open(
        cls, port: int, namespace: str, token: str, heartbeats: float | None = None
    ) -> StalledReader:
        # max_queue=1: the client stops reading the socket once one message waits for recv();
        # a small receive buffer keeps the kernel from absorbing much of what the server sends.
        ws = await connect(
            f"ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket",
            max_queue=1,
            compression=None,
            ping_interval=None,
            max_size=None,
        )
        sock = ws.transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        assert str(await ws.recv()).startswith("0")
        await ws.send(f"40{namespace}," + json.dumps({"token": token}))
        while True:
            text = str(await ws.recv())
            if text.startswith(f"40{namespace},"):
                break
            assert not text.startswith(f"44{namespace},"), text
        reader = cls(ws)
        if heartbeats is not None:
            reader.heartbeats = asyncio.create_task(reader._pong_every(heartbeats))
        return reader

    async def _pong_every(self, seconds: float) -> None:
        # Engine.IO takes a PONG whenever it comes: answering blindly keeps the socket alive.
        with contextlib.suppress(Exception):
            while True:
                await self.ws.send("3")
                self.sent_pongs += 1
                await asyncio.sleep(seconds)

    async def stop_heartbeats(self) -> None:
        """Fall silent: from now on the server's heartbeat finds it gone."""
        if self.heartbeats is not None:
            self.heartbeats.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.heartbeats
            self.heartbeats = None

    async def close(self) -> None:
        await self.stop_heartbeats()
        self.ws.transport.abort()


async def wait_for(check: object, within: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not check():  # type: ignore[operator]
        if loop.time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.01)


async def fan_out(
    editor: DocumentClient,
    readers: list[DocumentClient],
    total_bytes: int,
    chunk: int = 500_000,
    within: float = 60.0,
) -> int:
    """Insert ``chunk`` characters and delete them again until ``total_bytes`` were inserted;
    each step waits until every reader has it. The document stays small (deleted text is
    garbage-collected), the fan-out is ``total_bytes`` per recipient. Returns the rounds."""
    text = editor.text()
    rounds = 0
    while rounds * chunk < total_bytes:
        letter = chr(ord("a") + rounds % 26)
        text.insert(0, letter * chunk)
        await wait_for(lambda: all(len(r.text()) == chunk for r in readers), within)
        del text[0:chunk]
        await wait_for(lambda: all(len(r.text()) == 0 for r in readers), within)
        rounds += 1
    return rounds
