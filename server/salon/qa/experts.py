"""Expert recognition: what a person's answers earned them, and who leads per room or tag.

Counts only cover rooms the caller may see and questions everyone may see (open or answered),
so a profile never reveals work done in a private room or on a dismissed question.
Leaderboard score = answers + 3 x accepted answers + upvotes on the questions answered + the
times someone picked one of the answers instead of asking ("this answered it").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import ConfigDict, Field, StringConstraints, field_validator, model_validator

from salon.core.auth import Identity
from salon.core.errors import not_found
from salon.core.payloads import Payload
from salon.qa import repository as repo
from salon.qa.repository import AnswerRow
from salon.search.repository import visible_rooms
from salon.sessions import repository as sessions_repo
from salon.store.db import Database
from salon.store.models import User
from salon.store.users import names_of

ACCEPTED_WEIGHT = 3
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]


class LeaderboardQuery(Payload):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    room: Name | None = None
    tag: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)] | None
    ) = None
    since: datetime | None = Field(None, alias="from")
    until: datetime | None = Field(None, alias="to")
    limit: Annotated[int, Field(ge=1, le=100)] = 20

    @field_validator("since", "until")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value

    @model_validator(mode="after")
    def _range(self) -> LeaderboardQuery:
        if self.since and self.until and self.since > self.until:
            raise ValueError("from must not be after to")
        return self


def _tally(
    rows: Sequence[AnswerRow], votes: dict[int, int], helps: dict[int, int]
) -> dict[str, Any]:
    answered = {r.question_id for r in rows}
    accepted = sum(1 for r in rows if r.accepted)
    upvotes = sum(votes.get(qid, 0) for qid in answered)
    helped = sum(helps.get(r.answer_id, 0) for r in rows)
    return {
        "answers": len(rows),
        "accepted": accepted,
        "questions_answered": len(answered),
        "upvotes": upvotes,
        "helped": helped,
        "score": len(rows) + ACCEPTED_WEIGHT * accepted + upvotes + helped,
    }


class ExpertService:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def profile(self, who: Identity, user_id: str) -> dict[str, Any]:
        rooms = visible_rooms(who.user_id)
        async with self._db.read() as s:
            user = await s.get(User, user_id)
            if user is None:
                raise not_found("user")
            rows = await repo.answer_rows(s, rooms, author=user_id)
            votes = await repo.vote_counts(s, sorted({r.question_id for r in rows}))
            helps = await repo.help_counts(s, [r.answer_id for r in rows])
            led = await sessions_repo.led_by(s, user_id, rooms)
        tags: Counter[str] = Counter()
        for tag_list in [r.session_tags for r in rows] + [rec.tags for rec in led]:
            tags.update(tag_list)
        recent = {r.question_id: r for r in reversed(rows)}
        return {
            "user_id": user.id,
            "name": user.name,
            **_tally(rows, votes, helps),
            "sessions_led": len(led),
            "tags": [{"tag": tag, "count": n} for tag, n in tags.most_common(10)],
            "recent_answers": [
                {
                    "question_id": r.question_id,
                    "question": r.question_body,
                    "session_id": r.session_id,
                    "accepted": r.accepted,
                }
                for r in list(recent.values())[:5]
            ],
        }

    async def leaderboard(self, who: Identity, p: LeaderboardQuery) -> list[dict[str, Any]]:
        async with self._db.read() as s:
            rows = await repo.answer_rows(
                s, visible_rooms(who.user_id), room=p.room, tag=p.tag, since=p.since, until=p.until
            )
            votes = await repo.vote_counts(s, sorted({r.question_id for r in rows}))
            helps = await repo.help_counts(s, [r.answer_id for r in rows])
            names = await names_of(s, {r.author_id for r in rows})
        by_author: dict[str, list[AnswerRow]] = {}
        for row in rows:
            by_author.setdefault(row.author_id, []).append(row)
        board = [
            {"user_id": uid, "name": names.get(uid, uid), **_tally(mine, votes, helps)}
            for uid, mine in by_author.items()
        ]
        board.sort(key=lambda e: (-e["score"], -e["accepted"], e["user_id"]))
        return [{"rank": i + 1, **entry} for i, entry in enumerate(board[: p.limit])]
