"""replay:* events: open a replay of an ended session and steer it. Each socket owns its
replays; they stop when it disconnects. Read-only: nothing here touches the live room."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from pydantic import Field

from salon.core.errors import SalonError
from salon.core.payloads import Id, Payload
from salon.realtime.hub import Ack, Client, Hub
from salon.replay.player import ReplayPlayer
from salon.services import Services

MAX_REPLAYS_PER_SOCKET = 4
Offset = Annotated[int, Field(ge=0, le=10**10)]
Speed = Annotated[float, Field(ge=0.25, le=16)]


class ReplayOpen(Payload):
    session_id: Id
    offset: Offset = 0
    seq: Annotated[int, Field(ge=1)] | None = None
    speed: Speed = 1.0
    skip_silence: bool = False
    autoplay: bool = True


class ReplayRef(Payload):
    replay_id: Id


class ReplaySeek(Payload):
    replay_id: Id
    offset: Offset


class ReplaySpeed(Payload):
    replay_id: Id
    speed: Speed
    skip_silence: bool | None = None


def register(hub: Hub, s: Services) -> None:
    service = s.replay
    # A replay whose access was revoked keeps its id, holding the refusal, until it is closed:
    # steering it answers why rather than a puzzling not_found.
    players: dict[str, dict[str, ReplayPlayer | SalonError]] = {}

    async def player(client: Client, replay_id: str) -> ReplayPlayer:
        found = players.get(client.sid, {}).get(replay_id)
        if found is None:
            raise SalonError("not_found", "no such replay on this connection")
        if isinstance(found, SalonError):
            raise found
        room_id = found.source.session["room_id"]
        try:
            await s.rooms.require(room_id, client.identity, "viewer", "replaying sessions")
        except SalonError as exc:
            await revoke(client.sid, replay_id, exc)
            raise
        return found

    async def revoke(sid: str, replay_id: str, refusal: SalonError) -> None:
        held = players.get(sid, {}).get(replay_id)
        if isinstance(held, ReplayPlayer):
            await held.close()
            players[sid][replay_id] = refusal
            closed = {"replay_id": replay_id, **refusal.to_dict()["error"]}
            await hub.sio.emit("replay:closed", closed, to=sid)

    async def rights_changed(room_id: str, user_id: str | None) -> None:
        """Replays of the room's sessions stop at once for whoever may no longer enter it."""
        for sid, mine in list(players.items()):
            client = hub.clients.get(sid)
            if client is None or user_id not in (None, client.identity.user_id):
                continue
            for replay_id, held in list(mine.items()):
                if isinstance(held, SalonError) or held.source.session["room_id"] != room_id:
                    continue
                if await s.rooms.role_of(room_id, client.identity) is None:
                    await revoke(sid, replay_id, await s.rooms.refusal(room_id, client.identity))

    async def open_replay(client: Client, p: ReplayOpen) -> Ack:
        mine = players.setdefault(client.sid, {})
        if len(mine) >= MAX_REPLAYS_PER_SOCKET:
            raise SalonError("limit_reached", "close a replay before opening another")
        source = await service.open(client.identity, p.session_id, with_updates=True)
        replay_id = secrets.token_hex(6)

        async def emit(event: str, data: dict[str, Any]) -> None:
            await hub.sio.emit(event, {"replay_id": replay_id, **data}, to=client.sid)

        new = ReplayPlayer(source, emit, p.speed, p.skip_silence)
        mine[replay_id] = new
        start = source.offset_of_seq(p.seq) if p.seq is not None else p.offset
        hub.sio.start_background_task(first_frame, new, start, p.autoplay)
        return {
            "replay_id": replay_id,
            "session": source.session,
            "duration_ms": source.duration_ms,
            "markers": source.markers(),
            "documents": sorted(source.documents.values()),
            "offset": source.clamp(start),
        }

    async def first_frame(new: ReplayPlayer, start: int, autoplay: bool) -> None:
        # After the ack, so the client knows the replay id before its first frame arrives.
        await new.seek(start)
        if autoplay:
            await new.play()

    async def pause(client: Client, p: ReplayRef) -> Ack:
        await (await player(client, p.replay_id)).pause()
        return {}

    async def resume(client: Client, p: ReplayRef) -> Ack:
        await (await player(client, p.replay_id)).play()
        return {}

    async def seek(client: Client, p: ReplaySeek) -> Ack:
        found = await player(client, p.replay_id)
        await found.seek(p.offset)
        return {"offset": found.position}

    async def speed(client: Client, p: ReplaySpeed) -> Ack:
        found = await player(client, p.replay_id)
        await found.set_speed(p.speed, p.skip_silence)
        return found.status()

    async def close(client: Client, p: ReplayRef) -> Ack:
        found = players.get(client.sid, {}).pop(p.replay_id, None)
        if isinstance(found, ReplayPlayer):
            await found.close()
        return {}

    async def disconnected(client: Client) -> None:
        for found in players.pop(client.sid, {}).values():
            if isinstance(found, ReplayPlayer):
                await found.close()

    hub.on_disconnect.append(disconnected)
    s.rooms.on_rights_change(rights_changed)
    hub.handle("replay:open", ReplayOpen, open_replay)
    hub.handle("replay:pause", ReplayRef, pause)
    hub.handle("replay:resume", ReplayRef, resume)
    hub.handle("replay:seek", ReplaySeek, seek)
    hub.handle("replay:speed", ReplaySpeed, speed)
    hub.handle("replay:close", ReplayRef, close)
