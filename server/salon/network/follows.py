"""Following people, tags, rooms and sessions; followers/following counts; who may see whom.

Counts are public. Who follows whom is seen by the two people and by hosts; everyone else sees
an edge only when both people made their graph public (the default is private: a company's
staff should not learn who reads whose work unless both chose to show it). Rooms and sessions
in a list are only those the viewer may see, so a follow never reveals a private room."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, delete, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from salon.core.auth import Identity
from salon.core.errors import SalonError, forbidden, not_found
from salon.network.access import can_see
from salon.network.inbox import InboxService
from salon.rooms.service import RoomService
from salon.store.db import Database
from salon.store.models import Follow, Membership, NetworkSettings, SessionRecord, User

MAX_FOLLOWS = 1000


def normal_tag(tag: str) -> str:
    return tag.strip().casefold()


def follow_key(kind: str, target: str) -> str:
    return f"{kind}:{normal_tag(target) if kind == 'tag' else target}"


def follow_dict(f: Follow, names: dict[str, str] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "user_id": f.user_id,
        "kind": f.target_kind,
        "target": f.target_id,
        "created_at": f.created_at.isoformat(),
    }
    if names is not None:
        data["user_name"] = names.get(f.user_id, f.user_id)
        if f.target_kind == "user":
            data["target_name"] = names.get(f.target_id, f.target_id)
    return data


async def is_host_anywhere(s: AsyncSession, user_id: str) -> bool:
    query = select(Membership.room_id).where(
        Membership.user_id == user_id, Membership.role == "host", Membership.removed_at.is_(None)
    )
    return bool(await s.scalar(select(exists(query))))


def _public(user_col: Any) -> ColumnElement[bool]:
    return exists(
        select(NetworkSettings.user_id).where(
            NetworkSettings.user_id == user_col, NetworkSettings.graph_public.is_(True)
        )
    )


class FollowService:
    def __init__(self, db: Database, rooms: RoomService, inbox: InboxService) -> None:
        self._db = db
        self._rooms = rooms
        self._inbox = inbox

    async def follow(self, who: Identity, kind: str, target: str) -> dict[str, Any]:
        """Idempotent: following twice keeps one follow (``created`` says which call made it)."""
        target = await self._checked(who, kind, target)
        try:
            async with self._db.unit() as s:
                existing = await s.get(Follow, (who.user_id, kind, target))
                if existing is not None:
                    return {"follow": follow_dict(existing), "created": False}
                mine = await s.scalar(
                    select(func.count()).select_from(Follow).where(Follow.user_id == who.user_id)
                )
                if int(mine or 0) >= MAX_FOLLOWS:
                    raise SalonError("limit_reached", f"you follow {MAX_FOLLOWS} things already")
                row = Follow(user_id=who.user_id, target_kind=kind, target_id=target)
                s.add(row)
                await s.flush()
                notes = []
                if kind == "user":
                    data = {"user_id": who.user_id, "name": who.name}
                    notes.append(await self._inbox.add(s, target, "follow.new", data))
        except IntegrityError:  # the same person's other click got there first
            async with self._db.read() as s:
                won = await s.get(Follow, (who.user_id, kind, target))
            if won is None:
                raise
            return {"follow": follow_dict(won), "created": False}
        await self._inbox.push(notes)
        return {"follow": follow_dict(row), "created": True}

    async def unfollow(self, who: Identity, kind: str, target: str) -> bool:
        if kind == "tag":
            target = normal_tag(target)
        async with self._db.unit() as s:
            result = await s.execute(
                delete(Follow).where(
                    Follow.user_id == who.user_id,
                    Follow.target_kind == kind,
                    Follow.target_id == target,
                )
            )
        return bool(getattr(result, "rowcount", 0))

    async def _checked(self, who: Identity, kind: str, target: str) -> str:
        if who.is_guest:
            raise forbidden("guests to follow")
        if kind == "tag":
            tag = normal_tag(target)
            if not tag or len(tag) > 40:
                raise SalonError("bad_request", "a tag has 1 to 40 characters")
            return tag
        if kind == "room":
            await self._rooms.require(target, who, "viewer", "following this room")
            return target
        async with self._db.read() as s:
            if kind == "user":
                if target == who.user_id:
                    raise SalonError("bad_request", "you cannot follow yourself")
                if await s.get(User, target) is None:
                    raise not_found("user")
                return target
            rec = await s.get(SessionRecord, target)
        if rec is None:
            raise not_found("session")
        await self._rooms.require(rec.room_id, who, "viewer", "following this session")
        return target

    # -- reading -----------------------------------------------------------------------------

    async def profile(self, viewer: Identity, user_id: str) -> dict[str, Any]:
        """Counts (public), the person's choice, and how the viewer relates to them."""
        async with self._db.read() as s:
            if await s.get(User, user_id) is None:
                raise not_found("user")
            followers = await s.scalar(
                select(func.count())
                .select_from(Follow)
                .where(Follow.target_kind == "user", Follow.target_id == user_id)
            )
            following = await s.scalar(
                select(func.count()).select_from(Follow).where(Follow.user_id == user_id)
            )
            settings = await s.get(NetworkSettings, user_id)
            i_follow = await s.get(Follow, (viewer.user_id, "user", user_id))
            follows_me = await s.get(Follow, (user_id, "user", viewer.user_id))
        return {
            "user_id": user_id,
            "followers": int(followers or 0),
            "following": int(following or 0),
            "graph_public": bool(settings and settings.graph_public),
            "followed_by_me": i_follow is not None,
            "follows_me": follows_me is not None,
        }

    async def followers(self, viewer: Identity, user_id: str) -> list[dict[str, Any]]:
        query = select(Follow).where(Follow.target_kind == "user", Follow.target_id == user_id)
        async with self._db.read() as s:
            if viewer.user_id != user_id and not await is_host_anywhere(s, viewer.user_id):
                query = query.where(
                    or_(
                        Follow.user_id == viewer.user_id,
                        and_(_public(Follow.user_id), _public(Follow.target_id)),
                    )
                )
            return await self._listed(s, query)

    async def following(
        self, viewer: Identity, user_id: str, kind: str | None
    ) -> list[dict[str, Any]]:
        query = select(Follow).where(Follow.user_id == user_id)
        if kind is not None:
            query = query.where(Follow.target_kind == kind)
        async with self._db.read() as s:
            if viewer.user_id != user_id:
                host = await is_host_anywhere(s, viewer.user_id)
                query = query.where(self._seen_by(viewer.user_id, host))
            return await self._listed(s, query)

    def _seen_by(self, viewer: str, host: bool) -> ColumnElement[bool]:
        session = aliased(SessionRecord)
        room_ok = and_(Follow.target_kind == "room", can_see(Follow.target_id, viewer))
        session_ok = and_(
            Follow.target_kind == "session",
            exists(
                select(session.id).where(
                    session.id == Follow.target_id, can_see(session.room_id, viewer)
                )
            ),
        )
        people = and_(Follow.target_kind == "user", Follow.target_id == viewer)
        if host:
            shown = or_(Follow.target_kind.in_(("user", "tag")), room_ok, session_ok)
        else:
            public = _public(Follow.user_id)
            shown = or_(
                people,
                and_(public, Follow.target_kind == "user", _public(Follow.target_id)),
                and_(public, or_(Follow.target_kind == "tag", room_ok, session_ok)),
            )
        return shown

    async def _listed(self, s: AsyncSession, query: Any) -> list[dict[str, Any]]:
        rows = list(await s.scalars(query.order_by(Follow.created_at.desc()).limit(MAX_FOLLOWS)))
        people = {r.user_id for r in rows} | {r.target_id for r in rows if r.target_kind == "user"}
        found = await s.execute(select(User.id, User.name).where(User.id.in_(people)))
        names = {uid: name for uid, name in found.all()}
        return [follow_dict(r, names) for r in rows]

    async def set_graph_public(self, who: Identity, public: bool) -> dict[str, Any]:
        if who.is_guest:
            raise forbidden("guests to change network settings")
        async with self._db.unit() as s:
            row = await s.get(NetworkSettings, who.user_id)
            if row is None:
                s.add(NetworkSettings(user_id=who.user_id, graph_public=public))
            else:
                row.graph_public = public
        return {"graph_public": public}


def follow_keys(user_id: str) -> Select[Any]:
    """The feed's match keys ("tag:…", "user:…", "room:…") of everything someone follows, as
    SQL, so a feed read folds its follows into its own statement."""
    key = (Follow.target_kind + ":" + Follow.target_id).label("key")
    return select(key).where(Follow.user_id == user_id)
