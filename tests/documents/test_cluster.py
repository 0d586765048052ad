"""One document, several nodes (Redis bus + PostgreSQL): every node's clients see every edit."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from salon_client.document import DocumentClient
from tests.documents.helpers import Api, eventually
from tests.support.clients import user_id
from tests.support.cluster import cluster

pytestmark = pytest.mark.slow


async def test_document_spans_nodes(tmp_path: Path) -> None:
    with cluster(tmp_path, nodes=2) as (nodes, _):
        host = user_id("host")
        api = Api(nodes[0], host)
        room = api.create_room()
        tok = nodes[0].token(host)
        a = await DocumentClient(
            nodes[0].url, room, "notes", token=tok, user={"name": "a"}
        ).connect()
        b = await DocumentClient(
            nodes[1].url, room, "notes", token=tok, user={"name": "b"}
        ).connect()

        a.text().insert(0, "from node 0. ")
        await eventually(lambda: "from node 0" in str(b.text()))
        b.text().insert(len(b.text()), "from node 1.")
        await eventually(lambda: str(a.text()) == str(b.text()) == "from node 0. from node 1.")

        # concurrent typing on both nodes converges
        async def type_on(live: DocumentClient, char: str) -> None:
            for _ in range(40):
                live.text().insert(0, char)
                await asyncio.sleep(0.005)

        await asyncio.gather(type_on(a, "x"), type_on(b, "y"))
        await eventually(lambda: str(a.text()) == str(b.text()) and len(str(a.text())) == 105)

        # awareness crosses nodes, and so does its removal
        await eventually(lambda: len(a.awareness.states) == 2 and len(b.awareness.states) == 2)
        await b.close()
        await eventually(lambda: len(a.awareness.states) == 1)

        # a late joiner on the other node gets everything (loaded there from the archive)
        c = await DocumentClient(nodes[1].url, room, "notes", token=tok).connect()
        await eventually(lambda: str(c.text()) == str(a.text()))
        assert Api(nodes[1], host).text(room) == str(a.text())

        # deleting on one node closes the document's sockets on every node
        r = api.call("DELETE", f"/rooms/{room}/documents/notes")
        assert r.status_code == 200, r.text
        await eventually(lambda: not a.sio.namespaces and not c.sio.namespaces)
        await a.close()
        await c.close()
