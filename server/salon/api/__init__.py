"""REST API (Starlette): thin endpoints over the same services the Socket.IO handlers use."""

from __future__ import annotations

from starlette.routing import BaseRoute

from salon.api import (
    answers,
    bans,
    chat,
    documents,
    experts,
    health,
    network,
    qa,
    replay,
    rooms,
    search,
    sessions,
)
from salon.services import Services


def routes(services: Services) -> list[BaseRoute]:
    collected: list[BaseRoute] = []
    for module in (
        health,
        rooms,
        bans,
        chat,
        documents,
        sessions,
        qa,
        answers,
        search,
        experts,
        replay,
        network,
    ):
        collected.extend(module.routes(services))
    return collected
