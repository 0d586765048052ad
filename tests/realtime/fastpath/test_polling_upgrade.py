"""A client that starts on HTTP long-polling and upgrades to WebSocket, as browsers do, against
a real server running the fast path's ``poll`` and WebSocket handler: events flow both ways
on each transport, and the pending poll is ended by the upgrade."""

from __future__ import annotations

import asyncio
from typing import Any

import engineio
import httpx
import socketio
from engineio import packet, payload

from tests.support.clients import connected, new_room, user_id
from tests.support.servers import ServerProcess


class LateUpgradeEngine(engineio.AsyncClient):  # type: ignore[misc]
    """python-engineio's client, held on long-polling until ``upgrade()``: its own upgrade runs
    inside ``connect()``, before any event could travel over polling."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.held: tuple[Any, ...] | None = None
        self.polling = True
        self.polled: list[int] = []  # types of the packets that came over polling GETs
        self.poll_ended = asyncio.Event()

    async def _connect_websocket(self, url: str, headers: Any, engineio_path: str) -> bool:
        if self.sid and self.held is None:  # connect()'s immediate upgrade: later
            self.held = (url, headers, engineio_path)
            return False
        return bool(await super()._connect_websocket(url, headers, engineio_path))

    async def _read_loop_polling(self) -> None:
        # The library's loop, minus its error handling, stopping once the upgrade has begun
        # (browsers pause polling the same way).
        while self.polling:
            response = await self._send_request(
                "GET", self.base_url + self._get_url_timestamp(), timeout=30
            )
            assert response.status == 200
            body = (await response.read()).decode()
            for pkt in payload.Payload(encoded_payload=body).packets:
                self.polled.append(pkt.packet_type)
                await self._receive_packet(pkt)
        self.poll_ended.set()

    async def upgrade(self) -> None:
        assert self.held is not None
        self.polling = False
        writer = self.write_loop_task  # the polling writer; the upgrade starts its own
        writer.cancel()
        await asyncio.gather(writer, return_exceptions=True)
        assert await self._connect_websocket(*self.held)
        await asyncio.wait_for(self.poll_ended.wait(), 10)


class LateUpgradeClient(socketio.AsyncClient):  # type: ignore[misc]
    def _engineio_client_class(self) -> type[engineio.AsyncClient]:
        return LateUpgradeEngine


async def eventually(seen: list[dict[str, Any]], body: str) -> None:
    async with asyncio.timeout(10):
        while not any(m["body"] == body for m in seen):
            await asyncio.sleep(0.02)


def fastpath_active(server: ServerProcess) -> bool:
    return "\nsalon_fastpath_active 1.0\n" in httpx.get(f"{server.url}/metrics").text


async def test_long_polling_upgrades_to_websocket_with_events_both_ways(
    own_server: ServerProcess,
) -> None:
    own_server.start()
    assert fastpath_active(own_server)
    alice, bob = user_id("alice"), user_id("bob")
    async with connected(own_server, bob) as (b,):
        room = await new_room(b)
        await b.join(room)
        sio = LateUpgradeClient()
        got: list[dict[str, Any]] = []
        sio.on("chat:message", got.append)
        await sio.connect(
            own_server.url,
            auth={"token": own_server.token(alice)},
            transports=["polling", "websocket"],
            wait_timeout=10,
        )
        try:
            eio: LateUpgradeEngine = sio.eio
            assert sio.transport() == "polling"
            assert (await sio.call("room:join", {"room_id": room}, timeout=10))["ok"]
            for transport in ("polling", "websocket"):
                if transport == "websocket":
                    await eio.upgrade()
                    # the server answered the poll that was waiting with a NOOP
                    assert eio.polled[-1] == packet.NOOP
                assert sio.transport() == transport
                body = f"alice over {transport}"
                payload = {"room_id": room, "client_id": f"c-{transport}", "body": body}
                ack = await sio.call("chat:send", payload, timeout=10)
                assert ack["ok"] and ack["message"]["body"] == body
                await b.wait_for("chat:message", lambda m, t=body: m["body"] == t, 10, True)
                await b.send_chat(room, f"bob to {transport}")
                await eventually(got, f"bob to {transport}")
            assert [m["body"] for m in got] == [
                "alice over polling",
                "bob to polling",
                "alice over websocket",
                "bob to websocket",
            ]
        finally:
            await sio.disconnect()
