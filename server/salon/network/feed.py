"""The "For you" feed. Each event (a session scheduled, live or archived; a question answered;
an answer accepted) is written once with the keys it matches ("room:…", "tag:…", "user:…",
"session:…"); a reader's page is the newest items matching any key they follow, in rooms they
may see now, found by walking the (key, item id) index newest first in growing windows."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    Subquery,
    func,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession

from salon.core.auth import Identity
from salon.network.access import hidden_rooms
from salon.network.follows import FollowService, follow_keys, normal_tag
from salon.network.kinds import link
from salon.store.db import Database
from salon.store.models import (
    ANSWERED,
    ENDED,
    LIVE,
    SCHEDULED,
    Answer,
    FeedItem,
    FeedKey,
    Question,
    Room,
    SessionExpert,
    SessionRecord,
)

# Item ids the first look of a page covers; later looks cover four times the last.
FIRST_WINDOW = 200
NEWEST = 2**62
# What a session item stands for while the session is in that state; once it moves on, the
# item of its next state speaks for it.
SESSION_STATE = {"session.scheduled": SCHEDULED, "session.live": LIVE, "session.archived": ENDED}


def question_keys(q: Question, room: Room) -> set[str]:
    """A question asked outside any session (ask anytime): its room and its room's and own tags."""
    tags = {*room.tags, *([q.tag] if q.tag else [])}
    return {f"room:{room.id}"} | {f"tag:{normal_tag(t)}" for t in tags if normal_tag(t)}


def session_keys(rec: SessionRecord, room: Room | None, experts: Iterable[str]) -> set[str]:
    tags = {*rec.tags, *(room.tags if room is not None else [])}
    return (
        {f"room:{rec.room_id}", f"session:{rec.id}"}
        | {f"tag:{normal_tag(t)}" for t in tags if normal_tag(t)}
        | {f"user:{e}" for e in experts}
    )


async def record(
    s: AsyncSession,
    kind: str,
    room_id: str,
    keys: set[str],
    *,
    session_id: str | None = None,
    question_id: int | None = None,
    answer_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> FeedItem:
    """Write one item inside the unit of work of the event it tells of."""
    item = FeedItem(
        kind=kind,
        room_id=room_id,
        session_id=session_id,
        question_id=question_id,
        answer_id=answer_id,
        data=data or {},
    )
    s.add(item)
    await s.flush()
    s.add_all(FeedKey(key=k, item_id=item.id, room_id=room_id) for k in sorted(keys))
    await s.flush()
    return item


class FeedService:
    def __init__(self, db: Database, follows: FollowService) -> None:
        self._db = db
        self._follows = follows

    async def page(self, who: Identity, before: int | None, limit: int) -> dict[str, Any]:
        """Newest first, ``limit`` items below the cursor ``before``; ``next_before`` pages on.
        One statement finds and renders the page on PostgreSQL; another runs only when items
        dropped at render time (a session moved on, a question dismissed) left it short."""
        shown: list[dict[str, Any]] = []
        cursor = before if before is not None else NEWEST
        async with self._db.read() as s:
            while len(shown) <= limit:
                rows = await _newest(s, who.user_id, cursor, limit + 1)
                shown.extend(_render(rows))
                if len(rows) <= limit:
                    break  # nothing older matched
                cursor = rows[-1].FeedItem.id
        more = len(shown) > limit
        shown = shown[:limit]
        return {"items": shown, "next_before": shown[-1]["id"] if more else None}

    async def session_ids(self, who: Identity, limit: int) -> list[str]:
        """Sessions in the person's network (for their calendar), newest first."""
        async with self._db.read() as s:
            rows = await _newest(s, who.user_id, NEWEST, limit, kinds=("session.scheduled",))
            return [row.SessionRecord.id for row in rows if row.SessionRecord is not None]


async def _newest(
    s: AsyncSession,
    user_id: str,
    cursor: int,
    want: int,
    kinds: tuple[str, ...] | None = None,
) -> list[Row[Any]]:
    """The newest ``want`` items below ``cursor`` matching any key the reader follows, in rooms
    they may see now, joined with what they are about. On PostgreSQL that is one statement:
    each followed key walks down its (key, item id) index in a LATERAL subquery that stops
    after ``want`` rows. SQLite has no LATERAL: there the index is walked in id windows, newest
    first, the window growing fourfold while too little matched, each window one statement
    (in-process, so a statement costs no round trip)."""
    hidden = hidden_rooms(user_id).cte("hidden")

    def matching(key_filter: ColumnElement[bool]) -> Select[Any]:
        query = select(FeedKey.item_id).where(
            key_filter,
            FeedKey.item_id < cursor,
            FeedKey.room_id.not_in(select(hidden.c.room_id)),
        )
        if kinds is not None:
            query = query.where(
                select(FeedItem.id)
                .where(FeedItem.id == FeedKey.item_id, FeedItem.kind.in_(kinds))
                .exists()
            )
        return query

    bind = s.get_bind()
    if bind.dialect.name == "postgresql":
        followed = follow_keys(user_id).cte("followed")
        per_key = (
            matching(FeedKey.key == followed.c.key)
            .order_by(FeedKey.item_id.desc())
            .limit(want)
            .lateral("per_key")
        )
        ids = (
            select(per_key.c.item_id)
            .select_from(followed)
            .join(per_key, true())
            .distinct()
            .order_by(per_key.c.item_id.desc())
            .limit(want)
            .subquery("ids")
        )
        return list((await s.execute(_rendered(ids, postgres=True))).all())
    top = await s.scalar(select(func.max(FeedItem.id)))
    hi = min(cursor, int(top or 0) + 1)
    window = FIRST_WINDOW
    found: list[Row[Any]] = []
    while hi > 1 and len(found) < want:
        lo = max(1, hi - window)
        ids = (
            matching(FeedKey.key.in_(follow_keys(user_id)))
            .where(FeedKey.item_id < hi, FeedKey.item_id >= lo)
            .distinct()
            .order_by(FeedKey.item_id.desc())
            .limit(want - len(found))
            .subquery("ids")
        )
        found.extend((await s.execute(_rendered(ids, postgres=False))).all())
        hi, window = lo, window * 4
    return found


def _rendered(ids: Subquery, *, postgres: bool) -> Select[Any]:
    """The items of ``ids`` with what they are about and their sessions' experts (a JSON
    array), newest first."""
    gather = func.json_agg if postgres else func.json_group_array
    experts = (
        select(gather(SessionExpert.user_id))
        .where(SessionExpert.session_id == FeedItem.session_id)
        .scalar_subquery()
    )
    return (
        select(FeedItem, SessionRecord, Room, Question, Answer, experts.label("experts"))
        .select_from(ids)
        .join(FeedItem, FeedItem.id == ids.c.item_id)
        .outerjoin(SessionRecord, SessionRecord.id == FeedItem.session_id)
        .join(Room, Room.id == FeedItem.room_id)
        .outerjoin(Question, Question.id == FeedItem.question_id)
        .outerjoin(Answer, Answer.id == FeedItem.answer_id)
        .order_by(FeedItem.id.desc())
    )


def _render(rows: list[Row[Any]]) -> list[dict[str, Any]]:
    """The items as they read now: a question dismissed since, or an answer no longer the
    accepted one, drops out; a session item shows only while its session is in that state."""
    out = []
    for row in rows:
        item, rec, room, q, a, experts = tuple(row)
        wanted = SESSION_STATE.get(item.kind)
        if wanted is not None and (rec is None or rec.status != wanted):
            continue
        if item.question_id is not None and (q is None or q.status != ANSWERED):
            continue
        if item.kind == "answer.accepted" and (q is None or q.accepted_answer_id != item.answer_id):
            continue
        if isinstance(experts, str):
            experts = json.loads(experts)
        names = sorted(experts or []) if rec is not None else []
        out.append(_item_dict(item, rec, room, names, q, a))
    return out


def _stamp(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _item_dict(
    item: FeedItem,
    rec: SessionRecord | None,
    room: Room,
    experts: list[str],
    q: Question | None,
    a: Answer | None,
) -> dict[str, Any]:
    seq = (q.answered_seq if q is not None else None) or (a.seq if a is not None else None)
    ended = rec is not None and rec.status == ENDED
    data: dict[str, Any] = {
        "id": item.id,
        "kind": item.kind,
        "at": item.at.isoformat(),
        "room": {"id": room.id, "title": room.title},
        # None for a question asked and answered outside any session (ask anytime).
        "session": {
            "id": rec.id,
            "title": rec.title,
            "status": rec.status,
            "tags": list(rec.tags),
            "experts": experts,
            "starts_at": _stamp(rec.starts_at),
            "started_at": _stamp(rec.started_at),
            "ended_at": _stamp(rec.ended_at),
        }
        if rec is not None
        else None,
        "link": link(
            item.kind,
            {
                "room_id": room.id,
                "session_id": rec.id if rec is not None else None,
                "seq": seq,
                "question_id": item.question_id,
            },
            ended=ended or item.kind == "session.archived",
        ),
    }
    if q is not None:
        # Never the asker: anonymous questions stay anonymous in everyone's feed.
        data["question"] = {"id": q.id, "body": q.body, "status": q.status}
    if a is not None:
        data["answer"] = {"id": a.id, "body": a.body, "author_id": a.author_id}
    return data
