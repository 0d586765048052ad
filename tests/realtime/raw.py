"""Hand-written Socket.IO packets from a real client, for what a well-behaved library refuses
to send (lifecycle event names, `NaN`, numbers as event names, deep nesting)."""

from __future__ import annotations

import asyncio
from typing import Any

import socketio


async def raw_call(
    sio: socketio.AsyncClient, body: str, namespace: str = "/", timeout: float = 5.0
) -> Any:
    """Send the EVENT packet ``42<namespace>,<id><body>`` and return its ack (the first
    argument), as the client library would for ``call``."""
    loop = asyncio.get_running_loop()
    answer: asyncio.Future[Any] = loop.create_future()

    def on_ack(*args: Any) -> None:
        if not answer.done():
            answer.set_result(args[0] if args else None)

    ack_id = sio._generate_ack_id(namespace, on_ack)
    prefix = "" if namespace == "/" else f"{namespace},"
    await sio.eio.send(f"2{prefix}{ack_id}{body}")
    return await asyncio.wait_for(answer, timeout)


async def raw_emit(sio: socketio.AsyncClient, body: str, namespace: str = "/") -> None:
    """Send the EVENT packet ``42<namespace>,<body>`` without an ack."""
    prefix = "" if namespace == "/" else f"{namespace},"
    await sio.eio.send(f"2{prefix}{body}")


def nested(levels: int, leaf: str = "1") -> str:
    return "[" * levels + leaf + "]" * levels
