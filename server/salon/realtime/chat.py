"""chat:* events: thin wrappers over ChatService."""

from __future__ import annotations

from salon.chat.payloads import ChatEdit, ChatHistory, ChatReact, ChatRef, ChatSend
from salon.realtime.hub import Ack, Client, Hub
from salon.services import Services


def joined(client: Client, room_id: str) -> None:
    client.require_joined(room_id)


def register(hub: Hub, s: Services) -> None:
    async def send(client: Client, p: ChatSend) -> Ack:
        joined(client, p.room_id)
        message, created = await s.chat.send(p.room_id, client.identity, p.client_id, p.body)
        return {"message": message, "duplicate": not created}

    async def edit(client: Client, p: ChatEdit) -> Ack:
        joined(client, p.room_id)
        return {"message": await s.chat.edit(p.room_id, client.identity, p.message_id, p.body)}

    async def delete(client: Client, p: ChatRef) -> Ack:
        joined(client, p.room_id)
        return {"message": await s.chat.delete(p.room_id, client.identity, p.message_id)}

    async def react(client: Client, p: ChatReact) -> Ack:
        joined(client, p.room_id)
        return await s.chat.react(p.room_id, client.identity, p.message_id, p.emoji, p.on)

    async def history(client: Client, p: ChatHistory) -> Ack:
        return await s.chat.history(p.room_id, client.identity, p.before, p.after, p.limit)

    hub.handle("chat:send", ChatSend, send)
    hub.handle("chat:edit", ChatEdit, edit)
    hub.handle("chat:delete", ChatRef, delete)
    hub.handle("chat:react", ChatReact, react)
    hub.handle("chat:history", ChatHistory, history)
