"""Small helpers of the network tests."""

from __future__ import annotations

from typing import Any

from salon_client import SalonClient


def notes_of(client: SalonClient, kind: str) -> list[dict[str, Any]]:
    """Notifications of ``kind`` pushed live to this client so far."""
    return [
        e["notification"]
        for e in client.events["inbox:notification"]
        if e["notification"]["kind"] == kind
    ]


async def pushed(client: SalonClient, kind: str, **data: Any) -> dict[str, Any]:
    """The next (or an earlier) live note of ``kind`` whose data has these values."""

    def matches(event: dict[str, Any]) -> bool:
        note = event["notification"]
        return note["kind"] == kind and all(note["data"].get(k) == v for k, v in data.items())

    event = await client.wait_for("inbox:notification", matches, include_past=True)
    return dict(event["notification"])


async def inbox_kinds(client: SalonClient) -> list[str]:
    page = await client.inbox(limit=100)
    return [n["kind"] for n in page["notifications"]]


async def error_of(client: SalonClient, event: str, payload: Any) -> str:
    reply = await client.sio.call(event, payload, timeout=10)
    assert reply["ok"] is False, reply
    return str(reply["error"]["code"])
