"""room:join / room:leave / presence:update, and live role changes on connected sockets."""

from __future__ import annotations

from salon.core.errors import SalonError
from salon.realtime.hub import Ack, Client, Hub, room_channel
from salon.rooms.payloads import Join, PresenceChange, RoomRef
from salon.rooms.service import room_dict
from salon.services import Services

HISTORY_ON_JOIN = 50


def register(hub: Hub, s: Services) -> None:
    async def connected(client: Client) -> None:
        await s.rooms.ensure_user(client.identity)

    async def disconnected(client: Client) -> None:
        s.presence.disconnected(client.sid)
        for room_id in client.rooms:
            await s.presence.leave(room_id, client.sid, client.identity.user_id, dropped=True)

    async def join(client: Client, p: Join) -> Ack:
        room, role = await s.rooms.enter(p.room_id, client.identity)
        who = client.identity
        client.rooms.add(room.id)
        await hub.sio.enter_room(client.sid, room_channel(room.id))
        await s.presence.join(room.id, client.sid, who.user_id, who.name, role, who.is_guest)
        if p.chat_after is not None:
            chat = await s.chat.history(room.id, who, None, p.chat_after, 500)
        else:
            chat = await s.chat.history(room.id, who, None, None, HISTORY_ON_JOIN)
        return {
            "room": room_dict(room, role),
            "role": role,
            "presence": s.presence.list(room.id),
            "chat": chat,
        }

    async def leave(client: Client, p: RoomRef) -> Ack:
        if p.room_id in client.rooms:
            client.rooms.discard(p.room_id)
            await hub.sio.leave_room(client.sid, room_channel(p.room_id))
            await s.presence.leave(p.room_id, client.sid, client.identity.user_id, dropped=False)
        return {}

    async def update_presence(client: Client, p: PresenceChange) -> Ack:
        if p.room_id not in client.rooms:
            raise SalonError("not_joined", "join the room first")
        me = await s.presence.update(p.room_id, client.identity.user_id, hand_raised=p.hand_raised)
        return {"presence": me}

    async def member_changed(room_id: str, user_id: str, role: str | None) -> None:
        sids = hub.sids_of(user_id, room_id)
        if not sids:
            return
        if role is None:
            for sid in sids:
                hub.clients[sid].rooms.discard(room_id)
                await hub.sio.leave_room(sid, room_channel(room_id))
                await hub.sio.emit("room:removed", {"room_id": room_id}, to=sid)
            await s.presence.remove_user(room_id, user_id)
            return
        await s.presence.update(room_id, user_id, role=role)
        for sid in sids:
            await hub.sio.emit("role:changed", {"room_id": room_id, "role": role}, to=sid)

    hub.on_connect.append(connected)
    hub.on_disconnect.append(disconnected)
    s.rooms.on_member_change(member_changed)
    hub.handle("room:join", Join, join)
    hub.handle("room:leave", RoomRef, leave)
    hub.handle("presence:update", PresenceChange, update_presence)
