"""@mentions in chat: who a message names, matched the way the web client highlights them
(``@`` + a room member's name or id, case-insensitive, longest first, not inside a word)."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.store.models import ChatMessage, Membership, User

# Chat authors this far back count as people of the room (as the web client's list does).
RECENT_AUTHORS = 1000
_WORD = re.compile(r"[\w-]", re.UNICODE)


async def room_people(s: AsyncSession, room_id: str) -> list[tuple[str, str]]:
    members = select(Membership.user_id).where(
        Membership.room_id == room_id, Membership.removed_at.is_(None)
    )
    recent = (
        select(ChatMessage.user_id)
        .where(ChatMessage.room_id == room_id)
        .order_by(ChatMessage.seq.desc())
        .limit(RECENT_AUTHORS)
        .subquery()
    )
    ids = set(await s.scalars(members)) | set(await s.scalars(select(recent.c.user_id)))
    if not ids:
        return []
    rows = await s.execute(select(User.id, User.name).where(User.id.in_(ids)))
    return [(uid, name) for uid, name in rows.all()]


def mentioned(body: str, people: list[tuple[str, str]]) -> list[str]:
    """User ids named in ``body`` (``people`` are (user id, name) pairs)."""
    text = unicodedata.normalize("NFC", body).casefold()
    names = sorted(
        ((label.casefold(), uid) for uid, name in people for label in (name, uid) if label),
        key=lambda pair: -len(pair[0]),
    )
    found: list[str] = []
    at = text.find("@")
    while at != -1:
        if at == 0 or not text[at - 1].isalnum():
            rest = text[at + 1 :]
            for label, uid in names:
                after = rest[len(label) : len(label) + 1]
                if rest.startswith(label) and not (after and _WORD.match(after)):
                    found.append(uid)
                    break
        at = text.find("@", at + 1)
    return list(dict.fromkeys(found))
