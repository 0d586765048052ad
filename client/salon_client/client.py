"""SalonClient: one Socket.IO connection plus REST calls, for scripts, bots, tests and load.

Rooms joined through the client are re-joined after a reconnect, passing the last chat
sequence number up to which nothing is missing, so the server sends what was missed; pages
are followed (``next_after``) until caught up. Chat sequence numbers have no gaps per room, so
a live message that skips one means some were lost on the way (a node or the bus failed):
the client fetches the missing range. A message already seen (same seq) is not recorded twice.
Live sessions' Q&A is caught up from their timeline the same way (salon_client.timeline).
"""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import socketio

from salon_client.network import NetworkMixin
from salon_client.replay import ReplayMixin
from salon_client.sessions import SessionsMixin
from salon_client.timeline import TimelineMixin

PROTOCOL_VERSION = 1
HISTORY_PAGE = 200  # the most chat:history returns per call
Handler = Callable[[dict[str, Any]], Awaitable[None] | None]


class SalonClientError(Exception):
    def __init__(self, code: str, message: str, status: int | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


def _unwrap(reply: Any) -> dict[str, Any]:
    if not isinstance(reply, dict):
        raise SalonClientError("bad_reply", f"unexpected reply {reply!r}")
    if not reply.get("ok"):
        error = reply.get("error") or {}
        raise SalonClientError(error.get("code", "unknown"), error.get("message", ""))
    return reply


class SalonClient(TimelineMixin, SessionsMixin, ReplayMixin, NetworkMixin):
    def __init__(
        self,
        url: str,
        token: str | None = None,
        guest_name: str | None = None,
        timeout: float = 10.0,
        reconnection: bool = True,
    ) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.guest_name = guest_name
        self.timeout = timeout
        self.sio = socketio.AsyncClient(
            reconnection=reconnection, reconnection_delay=0.2, reconnection_delay_max=2.0
        )
        self.joined: dict[str, int] = {}  # room id -> chat seq up to which none is missing
        self._ahead: dict[str, set[int]] = defaultdict(set)  # seqs seen past a gap
        self._filling: set[str] = set()
        self.events: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._waiters: list[tuple[str, Callable[[dict[str, Any]], bool], asyncio.Future[Any]]] = []
        self._handlers: dict[str, list[Handler]] = defaultdict(list)
        self._http: aiohttp.ClientSession | None = None
        self.sio.on("*", self._on_event)
        self.sio.on("connect", self._on_connect)
        self.sio.on("connect_error", self._on_connect_error)
        self._refusal: dict[str, Any] | None = None
        self._init_timeline()

    # -- connection ----------------------------------------------------------------------

    def _auth(self) -> dict[str, Any]:
        auth: dict[str, Any] = {"protocol": PROTOCOL_VERSION}
        if self.token:
            auth["token"] = self.token
        elif self.guest_name:
            auth["guest"] = {"name": self.guest_name}
        return auth

    async def connect(self) -> None:
        self._refusal = None
        try:
            await self.sio.connect(
                self.url, auth=self._auth(), transports=["websocket"], wait_timeout=self.timeout
            )
        except socketio.exceptions.ConnectionError as exc:
            if self._refusal is not None:
                refusal = self._refusal
                raise SalonClientError(refusal["code"], refusal.get("message", "")) from None
            raise SalonClientError("connect_failed", str(exc)) from None

    async def _on_connect_error(self, data: Any = None) -> None:
        detail = data.get("data") if isinstance(data, dict) else None
        if isinstance(detail, dict) and "code" in detail:
            self._refusal = detail

    async def close(self) -> None:
        await self.sio.disconnect()
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def __aenter__(self) -> SalonClient:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _on_connect(self) -> None:
        # A reconnect: rejoin and catch up from the last message seen, in the background
        # (handlers may not block the client's event loop task).
        if self.joined:
            asyncio.get_running_loop().create_task(self._rejoin())

    async def _rejoin(self) -> None:
        for room_id, seq in list(self.joined.items()):
            try:
                reply = await self.call("room:join", {"room_id": room_id, "chat_after": seq})
                missed = [m for m in reply["chat"]["messages"] if self._take_chat(m)]
                missed += await self._follow(room_id, reply["chat"].get("next_after"))
            except SalonClientError as exc:
                self._record("client:rejoin_failed", {"room_id": room_id, "code": exc.code})
                continue
            self._record("client:rejoined", {"room_id": room_id, "missed": missed})
            self._timeline_after_rejoin(room_id)  # Q&A broadcasts missed while away

    async def _follow(self, room_id: str, after: int | None) -> list[dict[str, Any]]:
        """Page on from ``after`` until the server says there is no more; returns the new ones."""
        taken: list[dict[str, Any]] = []
        while after is not None:
            page = await self.history(room_id, after=after, limit=HISTORY_PAGE)
            taken += [m for m in page["messages"] if self._take_chat(m)]
            after = page.get("next_after")
        return taken

    def _take_chat(self, message: dict[str, Any]) -> bool:
        """Record a chat message unless already seen; True if it was new."""
        if not self._new_seq(message):
            return False
        self._record_event("chat:message", message)
        return True

    def _new_seq(self, message: dict[str, Any]) -> bool:
        room_id, seq = message.get("room_id"), int(message.get("seq", 0))
        if room_id not in self.joined:
            return True
        ahead = self._ahead[room_id]
        if seq <= self.joined[room_id] or seq in ahead:
            return False
        ahead.add(seq)
        while self.joined[room_id] + 1 in ahead:  # the contiguous prefix grows
            self.joined[room_id] += 1
            ahead.discard(self.joined[room_id])
        if ahead and room_id not in self._filling:
            self._filling.add(room_id)
            asyncio.get_running_loop().create_task(self._fill(room_id))
        return True

    async def _fill(self, room_id: str) -> None:
        """Fetch the messages of a gap in the room's sequence."""
        try:
            while self._ahead.get(room_id) and room_id in self.joined:
                before = self.joined[room_id]
                page = await self.history(room_id, after=before, limit=HISTORY_PAGE)
                for message in page["messages"]:
                    self._take_chat(message)
                if self.joined.get(room_id, before) == before:
                    break  # nothing closed the gap (yet): the next live message retries
        except (SalonClientError, socketio.exceptions.SocketIOError, TimeoutError) as exc:
            code = exc.code if isinstance(exc, SalonClientError) else "offline"
            self._record_event("client:gap_fill_failed", {"room_id": room_id, "code": code})
        finally:
            self._filling.discard(room_id)

    # -- events --------------------------------------------------------------------------

    def on(self, event: str, handler: Handler) -> None:
        self._handlers[event].append(handler)

    async def _on_event(self, event: str, data: Any = None) -> None:
        self._record(event, data if isinstance(data, dict) else {"data": data})

    def _record(self, event: str, data: dict[str, Any]) -> None:
        if event == "chat:message":
            self._take_chat(data)
        else:
            self._on_timeline_event(event, data)
            self._record_event(event, data)

    def _record_event(self, event: str, data: dict[str, Any]) -> None:
        if event == "inbox:notification" and isinstance(data.get("notification"), dict):
            self.saw_notification(data["notification"])
        self.events[event].append(data)
        for name, predicate, future in list(self._waiters):
            if name == event and not future.done() and predicate(data):
                future.set_result(data)
        for handler in self._handlers.get(event, ()):
            result = handler(data)
            if asyncio.iscoroutine(result):
                asyncio.get_running_loop().create_task(result)

    async def wait_for(
        self,
        event: str,
        predicate: Callable[[dict[str, Any]], bool] = lambda _: True,
        timeout: float | None = None,
        include_past: bool = False,
    ) -> dict[str, Any]:
        """The next ``event`` matching ``predicate`` (or a past one with ``include_past``)."""
        if include_past:
            for data in self.events.get(event, ()):
                if predicate(data):
                    return data
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        entry = (event, predicate, future)
        self._waiters.append(entry)
        try:
            async with asyncio.timeout(timeout or self.timeout):
                result: dict[str, Any] = await future
                return result
        finally:
            self._waiters.remove(entry)

    async def call(self, event: str, payload: Any) -> dict[str, Any]:
        """Emit with an ack and return the ack, raising SalonClientError on ``ok: false``."""
        reply = await self.sio.call(event, payload, timeout=self.timeout)
        return _unwrap(reply)

    # -- rooms, presence, chat -----------------------------------------------------------

    async def join(self, room_id: str) -> dict[str, Any]:
        reply = await self.call("room:join", {"room_id": room_id})
        messages = reply["chat"]["messages"]
        self.joined[room_id] = messages[-1]["seq"] if messages else 0
        self._ahead.pop(room_id, None)
        return reply

    async def leave(self, room_id: str) -> None:
        self.joined.pop(room_id, None)
        await self.call("room:leave", {"room_id": room_id})

    async def raise_hand(self, room_id: str, raised: bool = True) -> dict[str, Any]:
        return await self.call("presence:update", {"room_id": room_id, "hand_raised": raised})

    async def send_chat(
        self, room_id: str, body: str, client_id: str | None = None
    ) -> dict[str, Any]:
        payload = {"room_id": room_id, "body": body, "client_id": client_id or uuid.uuid4().hex}
        reply = await self.call("chat:send", payload)
        message: dict[str, Any] = reply["message"]
        return message

    async def edit_chat(self, room_id: str, message_id: int, body: str) -> dict[str, Any]:
        reply = await self.call(
            "chat:edit", {"room_id": room_id, "message_id": message_id, "body": body}
        )
        return dict(reply["message"])

    async def delete_chat(self, room_id: str, message_id: int) -> dict[str, Any]:
        reply = await self.call("chat:delete", {"room_id": room_id, "message_id": message_id})
        return dict(reply["message"])

    async def react(
        self, room_id: str, message_id: int, emoji: str, on: bool = True
    ) -> dict[str, Any]:
        payload = {"room_id": room_id, "message_id": message_id, "emoji": emoji, "on": on}
        return await self.call("chat:react", payload)

    async def history(
        self, room_id: str, before: int | None = None, after: int | None = None, limit: int = 50
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {"room_id": room_id, "limit": limit}
        if before is not None:
            payload["before"] = before
        if after is not None:
            payload["after"] = after
        return await self.call("chat:history", payload)

    # -- REST ----------------------------------------------------------------------------

    async def request(
        self, method: str, path: str, json: Any = None, **params: Any
    ) -> dict[str, Any]:
        if self._http is None:
            self._http = aiohttp.ClientSession()
        headers = {"authorization": f"Bearer {self.token}"} if self.token else {}
        query = {
            k: str(v).lower() if isinstance(v, bool) else str(v)
            for k, v in params.items()
            if v is not None
        }
        async with self._http.request(
            method, self.url + path, json=json, headers=headers, params=query
        ) as response:
            data = await response.json(content_type=None)
        if not isinstance(data, dict) or not data.get("ok"):
            error = (data or {}).get("error") or {} if isinstance(data, dict) else {}
            raise SalonClientError(
                error.get("code", "http_error"), error.get("message", ""), response.status
            )
        return data

    async def create_room(self, title: str, **fields: Any) -> dict[str, Any]:
        reply = await self.request("POST", "/api/v1/rooms", {"title": title, **fields})
        return dict(reply["room"])

    async def list_rooms(self, **params: Any) -> dict[str, Any]:
        return await self.request("GET", "/api/v1/rooms", **params)

    async def set_role(self, room_id: str, user_id: str, role: str) -> dict[str, Any]:
        return await self.request(
            "PUT", f"/api/v1/rooms/{room_id}/members/{user_id}", {"role": role}
        )

    async def remove_member(self, room_id: str, user_id: str) -> None:
        await self.request("DELETE", f"/api/v1/rooms/{room_id}/members/{user_id}")
