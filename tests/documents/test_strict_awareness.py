"""Awareness states are strict JSON: `NaN`, `Infinity` and deep nesting are refused with
`bad_request` and never relayed, so no y-socket.io client's `JSON.parse` ever sees them."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from salon.core.errors import SalonError
from salon.core.jsonlib import MAX_DEPTH
from salon.documents import varuint
from salon.documents.awareness import decode_update
from salon_client.document import DocumentClient
from tests.documents.helpers import Api, eventually
from tests.documents.test_node import node_harness, start_node  # noqa: F401 (a fixture)
from tests.support.clients import user_id
from tests.support.servers import ServerProcess

HOSTILE_STATES = [
    b'{"cursor":NaN}',
    b'{"cursor":Infinity}',
    b'{"cursor":-Infinity}',
    b'{"deep":' + b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1) + b"}",
    b'{"deep":' + b"[" * 5000 + b"]" * 5000 + b"}",
]


def awareness_message(state: bytes, client_id: int = 4242, clock: int = 1) -> bytes:
    return b"".join(
        [
            varuint.write(1),
            varuint.write(client_id),
            varuint.write(clock),
            varuint.write(len(state)),
            state,
        ]
    )


@pytest.mark.parametrize("state", HOSTILE_STATES, ids=["nan", "inf", "-inf", "deep", "5000"])
def test_the_decoder_refuses_non_strict_states(state: bytes) -> None:
    with pytest.raises(SalonError) as err:
        decode_update(awareness_message(state))
    assert err.value.code == "bad_request"


def test_the_nesting_bound_is_inclusive() -> None:
    ok = b'{"a":' + b"[" * (MAX_DEPTH - 1) + b"]" * (MAX_DEPTH - 1) + b"}"
    assert decode_update(awareness_message(ok))[0].state is not None


async def test_hostile_states_are_refused_and_not_relayed(server: ServerProcess) -> None:
    host = Api(server, user_id("host"))
    room = host.create_room()
    hostile = await DocumentClient(server.url, room, "notes", token=host.token).connect()
    watcher = await DocumentClient(server.url, room, "notes", token=host.token).connect()
    try:
        for state in HOSTILE_STATES:
            await hostile.sio.emit(
                "awareness-update", awareness_message(state), namespace=hostile.namespace
            )
        await eventually(
            lambda: sum(e["code"] == "bad_request" for e in hostile.errors) == len(HOSTILE_STATES)
        )
        late = await DocumentClient(server.url, room, "notes", token=host.token).connect()
        await asyncio.sleep(0.2)
        for client in (watcher, late):
            assert 4242 not in client.awareness.states
        await late.close()
    finally:
        await hostile.close()
        await watcher.close()


@pytest.mark.node
async def test_y_socket_io_clients_survive_a_nan_awareness_state(
    node_harness: Path,  # noqa: F811
    server: ServerProcess,
) -> None:
    host = Api(server, user_id("host"))
    room = host.create_room()
    users = [f"aware-{i}" for i in range(2)]
    for user in users:
        host.grant(room, user, "participant")
    tokens = [server.token(u) for u in users]
    node = await start_node(node_harness, server, room, tokens, edits=5, expected=10)
    await node.expect("synced")
    hostile = await DocumentClient(server.url, room, "notes", token=host.token).connect()
    try:
        for state in HOSTILE_STATES:
            await hostile.sio.emit(
                "awareness-update", awareness_message(state), namespace=hostile.namespace
            )
        await eventually(
            lambda: sum(e["code"] == "bad_request" for e in hostile.errors) == len(HOSTILE_STATES)
        )
        await node.command("go")
        converged = await node.expect("converged")
        assert all(set(names) >= {"node-0", "node-1"} for names in converged["awareness"])
        # A provider that joins afterwards gets every known state on connect: none is hostile.
        late = await start_node(node_harness, server, room, tokens[:1], edits=0, expected=10)
        await late.expect("synced")
        await late.command("go")
        assert (await late.expect("converged"))["text"] == converged["text"]
        for harness in (late, node):
            await harness.command("leave")
            await harness.command("exit")
            assert await asyncio.wait_for(harness.proc.wait(), 15) == 0
    finally:
        await hostile.close()
