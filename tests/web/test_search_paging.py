"""The archive search's pager in the browser follows the server's paging (next_offset): Next
leads through every ranked hit and no further, Previous back. Chat is sent through the real
SDK; what is checked is what the browser shows."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from tests.support.clients import user_id
from tests.support.servers import ServerProcess
from tests.web.conftest import Person
from tests.web.sdk import live_room, run
from tests.web.test_room import enter, expect

MESSAGES = 45  # three pages of 20: 20, 20, 5
# Under the default chat rate (5 a second per person), so setup is never refused.
CHAT_GAP_S = 0.21


async def _chatty_room(server: ServerProcess, word: str) -> None:
    host, expert, setup = await live_room(server, "Paging through results")  # not the word
    try:
        for i in range(MESSAGES):
            await host.send_chat(setup.room_id, f"{word} note number {i}")
            await asyncio.sleep(CHAT_GAP_S)
    finally:
        await host.close()
        await expert.close()


def test_next_and_previous_follow_the_servers_pages(
    web_server: ServerProcess, people: Callable[..., Person]
) -> None:
    word = "pagerword" + user_id("w").replace("-", "").replace("_", "")[-8:]
    run(_chatty_room(web_server, word))
    lea = people("Lea")
    enter(lea, web_server, user_id("lea"), f"/search?q={word}")
    page = lea.page
    hits = page.locator("main ol.hits > li:not(.suggestions)")
    nxt = page.get_by_role("button", name="Next", exact=True)
    prev = page.get_by_role("button", name="Previous", exact=True)
    expect(page.locator("main")).to_contain_text(f"{MESSAGES} results")
    expect(hits).to_have_count(20)
    expect(prev).to_have_count(0)
    nxt.click()
    expect(page).to_have_url(f"{web_server.url}/search?q={word}&offset=20")
    expect(hits).to_have_count(20)
    nxt.click()
    expect(hits).to_have_count(MESSAGES - 40)
    expect(nxt).to_have_count(0)  # the last page: the server said next_offset null
    prev.click()
    expect(page).to_have_url(f"{web_server.url}/search?q={word}&offset=20")
    expect(hits).to_have_count(20)
