"""Socket.IO transport: the only package that imports socketio. Handlers validate, call a
service, and ack; they hold no business rules."""

from __future__ import annotations

from salon.realtime import answers, bans, chat, network, qa, replay, rooms, sessions, yjs
from salon.realtime.hub import Hub
from salon.services import Services


def register_all(hub: Hub, services: Services) -> None:
    for module in (bans, rooms, chat, yjs, sessions, qa, answers, replay, network):
        module.register(hub, services)


__all__ = ["Hub", "register_all"]
