"""room:join / room:leave / presence:update, and live role changes on connected sockets."""

from __future__ import annotations

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
        # The channel first, so no message falls between the history read and the broadcasts;
        # presence last, so a join that fails on the way is undone without anyone seeing it.
        fresh = room.id not in client.rooms
        client.rooms.add(room.id)
        client.evicted.pop(room.id, None)
        await hub.sio.enter_room(client.sid, room_channel(room.id))
        try:
            after, limit = (
                (p.chat_after, 500) if p.chat_after is not None else (None, HISTORY_ON_JOIN)
            )
            chat = await s.chat.history(room.id, who, None, after, limit)
        except BaseException:
            if fresh:
                client.rooms.discard(room.id)
                await hub.sio.leave_room(client.sid, room_channel(room.id))
            raise
        await s.presence.join(room.id, client.sid, who.user_id, who.name, role, who.is_guest)
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
        client.require_joined(p.room_id)
        me = await s.presence.update(p.room_id, client.identity.user_id, hand_raised=p.hand_raised)
        return {"presence": me}

    async def rights_changed(room_id: str, user_id: str | None) -> None:
        """Re-apply the room's rules to this node's joined sockets, as on a fresh join: those
        who may no longer enter leave at once (channel and presence), others get their role."""
        for uid, clients in hub.joined(room_id, user_id).items():
            role = await s.rooms.role_of(room_id, clients[0].identity)
            if role is None:
                refusal = await s.rooms.refusal(room_id, clients[0].identity)
                await evict(room_id, uid, clients, refusal.code)
                continue
            before = s.presence.role_here(room_id, uid)
            await s.presence.update(room_id, uid, role=role)
            if user_id is not None or before != role:
                for client in clients:
                    await hub.sio.emit(
                        "role:changed", {"room_id": room_id, "role": role}, to=client.sid
                    )

    async def evict(room_id: str, user_id: str, clients: list[Client], code: str) -> None:
        for client in clients:
            client.rooms.discard(room_id)
            client.evicted[room_id] = code
            await hub.sio.leave_room(client.sid, room_channel(room_id))
            await hub.sio.emit("room:removed", {"room_id": room_id, "code": code}, to=client.sid)
        await s.presence.remove_user(room_id, user_id)

    hub.on_connect.append(connected)
    hub.on_disconnect.append(disconnected)
    s.rooms.on_rights_change(rights_changed)
    hub.handle("room:join", Join, join)
    hub.handle("room:leave", RoomRef, leave)
    hub.handle("presence:update", PresenceChange, update_presence)
