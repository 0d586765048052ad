"""follow:*, network:*, feed:* and inbox:* events: thin wrappers over the network services."""

from __future__ import annotations

from salon.core.payloads import Payload
from salon.network.payloads import (
    FeedPage,
    FollowingOf,
    FollowRef,
    GraphSetting,
    InboxPage,
    InboxRead,
    InboxSince,
    NetworkOf,
    Preferences,
)
from salon.realtime.hub import Ack, Client, Hub
from salon.services import Services


class Nothing(Payload):
    pass


def register(hub: Hub, s: Services) -> None:
    follows, inbox = s.follows, s.notifications

    async def follow(c: Client, p: FollowRef) -> Ack:
        return await follows.follow(c.identity, p.kind, p.target)

    async def unfollow(c: Client, p: FollowRef) -> Ack:
        return {"removed": await follows.unfollow(c.identity, p.kind, p.target)}

    async def profile(c: Client, p: NetworkOf) -> Ack:
        return {"network": await follows.profile(c.identity, p.user_id)}

    async def followers(c: Client, p: NetworkOf) -> Ack:
        return {"followers": await follows.followers(c.identity, p.user_id)}

    async def following(c: Client, p: FollowingOf) -> Ack:
        return {"following": await follows.following(c.identity, p.user_id, p.kind)}

    async def settings(c: Client, p: GraphSetting) -> Ack:
        return await follows.set_graph_public(c.identity, p.graph_public)

    async def feed(c: Client, p: FeedPage) -> Ack:
        return await s.feed.page(c.identity, p.before, p.limit)

    async def page(c: Client, p: InboxPage) -> Ack:
        return await inbox.page(c.identity.user_id, p.before, p.limit, p.unread)

    async def sync(c: Client, p: InboxSince) -> Ack:
        return await inbox.since(c.identity.user_id, p.after, p.limit)

    async def counts(c: Client, p: Nothing) -> Ack:
        return await inbox.counts(c.identity.user_id)

    async def read(c: Client, p: InboxRead) -> Ack:
        return {"marked": await inbox.mark_read(c.identity.user_id, list(p.ids))}

    async def read_all(c: Client, p: Nothing) -> Ack:
        return {"marked": await inbox.mark_read(c.identity.user_id, None)}

    async def preferences(c: Client, p: Nothing) -> Ack:
        return {"preferences": await inbox.preferences(c.identity.user_id)}

    async def set_preferences(c: Client, p: Preferences) -> Ack:
        prefs = await inbox.set_preferences(c.identity.user_id, dict(p.preferences))
        return {"preferences": prefs}

    hub.handle("follow:add", FollowRef, follow)
    hub.handle("follow:remove", FollowRef, unfollow)
    hub.handle("network:profile", NetworkOf, profile)
    hub.handle("network:followers", NetworkOf, followers)
    hub.handle("network:following", FollowingOf, following)
    hub.handle("network:settings", GraphSetting, settings)
    hub.handle("feed:page", FeedPage, feed)
    hub.handle("inbox:page", InboxPage, page)
    hub.handle("inbox:sync", InboxSince, sync)
    hub.handle("inbox:counts", Nothing, counts)
    hub.handle("inbox:read", InboxRead, read)
    hub.handle("inbox:read_all", Nothing, read_all)
    hub.handle("inbox:preferences", Nothing, preferences)
    hub.handle("inbox:preferences:set", Preferences, set_preferences)
