"""Calendars: an .ics per session for those who may see it, and a private feed URL whose
token reads that feed only, can be rotated (the old URL stops) and revoked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import icalendar

from tests.support.clients import connected, new_room, user_id
from tests.support.servers import ServerProcess


async def test_session_ics_and_private_feed(server: ServerProcess) -> None:
    host, fan, out = user_id("host"), user_id("fan"), user_id("out")
    tag = user_id("certs")  # unique: other tests on this server use tags too
    async with connected(server, host, fan, out) as (h, f, _o):
        room = await new_room(h, title="Platform", tags=[tag])
        private = await new_room(h, title="Private", visibility="invite-only", tags=[tag])
        when = datetime.now(UTC) + timedelta(days=2)
        session = await h.schedule_session(
            room, "Cert rotation", starts_at=when.isoformat(), description="Bring questions"
        )
        await h.schedule_session(private, "Hidden planning", starts_at=when.isoformat())

        with server.http(fan) as http:
            ics = http.get(f"/api/v1/sessions/{session['id']}/calendar.ics")
        assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
        assert "attachment" in ics.headers["content-disposition"]
        event = icalendar.Calendar.from_ical(ics.content).walk("VEVENT")[0]
        assert str(event["summary"]) == "Cert rotation"
        assert event.decoded("dtstart") == when.replace(microsecond=0)  # iCalendar has seconds
        assert f"/rooms/{room}" in str(event["url"])
        with server.http(out) as http:
            hidden = await h.sessions_in(private)
            refused = http.get(f"/api/v1/sessions/{hidden[0]['id']}/calendar.ics")
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_member"

        await f.follow("tag", tag)
        made = await f.request("POST", "/api/v1/me/calendar")
        url = made["calendar"]["url"]
        assert (await f.request("GET", "/api/v1/me/calendar"))["calendar"]["active"] is True
        feed = httpx.get(url, timeout=10)  # no bearer: the URL is the credential
        assert feed.status_code == 200
        titles = [
            str(e["summary"]) for e in icalendar.Calendar.from_ical(feed.content).walk("VEVENT")
        ]
        assert titles == ["Cert rotation"]  # the private room's session is not in it

        token = url.rsplit("/", 1)[1].removesuffix(".ics")
        as_bearer = httpx.get(
            f"{server.url}/api/v1/feed", headers={"authorization": f"Bearer {token}"}, timeout=10
        )
        assert as_bearer.status_code == 401  # the token grants nothing else

        rotated = (await f.request("POST", "/api/v1/me/calendar"))["calendar"]["url"]
        assert rotated != url
        assert httpx.get(url, timeout=10).status_code == 404
        assert httpx.get(rotated, timeout=10).status_code == 200
        assert (await f.request("DELETE", "/api/v1/me/calendar"))["revoked"] is True
        assert httpx.get(rotated, timeout=10).status_code == 404
        assert (
            httpx.get(f"{server.url}/api/v1/calendar/nonsense.ics", timeout=10).status_code == 404
        )
