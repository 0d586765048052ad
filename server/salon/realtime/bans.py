"""Server bans on "/": refused at connect, and the connected sockets of a banned person or
address on this node are told why and disconnected the moment any node bans them. Room bans
need nothing here: they are rights changes (see realtime.rooms and realtime.yjs)."""

from __future__ import annotations

import logging

from salon.core.auth import Identity
from salon.realtime.hub import Hub, room_channel
from salon.services import Services

log = logging.getLogger("salon.realtime")


def register(hub: Hub, s: Services) -> None:
    def gate(identity: Identity, address: str) -> None:
        s.bans.check_server(identity.user_id, address)

    async def bans_changed(room_id: str | None, user_id: str | None, address: str | None) -> None:
        if room_id is not None:
            return
        for client in list(hub.clients.values()):
            if (user_id is None or client.identity.user_id != user_id) and (
                address is None or client.address != address
            ):
                continue
            ban = s.bans.server_ban(client.identity.user_id, client.address)
            if ban is None:  # lifted, or another ban's message
                continue
            log.info("disconnecting %s (user %s): banned", client.sid, client.identity.user_id)
            await hub.sio.emit("banned", ban.refusal().to_dict()["error"], to=client.sid)
            # Out of presence at once, not after the grace a dropped connection gets.
            rooms, client.rooms = set(client.rooms), set()
            for room_id in rooms:
                await hub.sio.leave_room(client.sid, room_channel(room_id))
                await s.presence.remove_user(room_id, client.identity.user_id)
            await hub.sio.disconnect(client.sid)

    hub.gates.append(gate)
    s.bans.on_change(bans_changed)
