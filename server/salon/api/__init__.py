"""REST API (Starlette): thin endpoints over the same services the Socket.IO handlers use."""

from __future__ import annotations

from starlette.routing import BaseRoute

from salon.api import bans, chat, documents, experts, health, qa, replay, rooms, search, sessions
from salon.services import Services


def routes(services: Services) -> list[BaseRoute]:
    collected: list[BaseRoute] = []
    for module in (health, rooms, bans, chat, documents, sessions, qa, search, experts, replay):
        collected.extend(module.routes(services))
    return collected
