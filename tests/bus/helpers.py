from __future__ import annotations

import asyncio
from collections.abc import Callable

import redis

from salon.bus.redis import client_name


async def eventually(check: Callable[[], bool], within: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


def connections_of(port: int, node_id: str) -> list[dict[str, str]]:
    """The connections Redis holds for one node, found by the name the node gives them."""
    clients = redis.Redis(port=port).client_list()
    return [c for c in clients if c["name"] == client_name(node_id)]
