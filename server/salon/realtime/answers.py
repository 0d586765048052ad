"""Ask-anytime queues, "already answered?" suggestions and knowledge-base pages: thin
wrappers over qa/queue.py, qa/suggest.py and qa/kb.py."""

from __future__ import annotations

from salon.qa.kb import Canonical, KbQuery, Summary, SummaryHistory
from salon.qa.queue import BringQueue, QueueQuery
from salon.qa.suggest import Helped, Suggest
from salon.realtime.hub import Ack, Client, Hub
from salon.services import Services


def register(hub: Hub, s: Services) -> None:
    queue, suggest, kb = s.queue, s.suggest, s.kb

    async def list_queue(c: Client, p: QueueQuery) -> Ack:
        return await queue.listing(c.identity, p)

    async def bring(c: Client, p: BringQueue) -> Ack:
        return {"questions": await queue.bring(c.identity, p.room_id)}

    async def similar(c: Client, p: Suggest) -> Ack:
        return {"suggestions": await suggest.suggest(c.identity, p)}

    async def helped(c: Client, p: Helped) -> Ack:
        return await suggest.helped(c.identity, p.answer_id)

    async def page(c: Client, p: KbQuery) -> Ack:
        return await kb.page(c.identity, p)

    async def canonical(c: Client, p: Canonical) -> Ack:
        return {"item": await kb.set_canonical(c.identity, p.question_id, p.answer_id)}

    async def summary(c: Client, p: Summary) -> Ack:
        return {"item": await kb.summarize(c.identity, p.question_id, p.body)}

    async def history(c: Client, p: SummaryHistory) -> Ack:
        return {"history": await kb.history(c.identity, p.question_id)}

    hub.handle("qa:queue", QueueQuery, list_queue)
    hub.handle("qa:queue:bring", BringQueue, bring)
    hub.handle("qa:suggest", Suggest, similar)
    hub.handle("qa:helped", Helped, helped)
    hub.handle("kb:page", KbQuery, page)
    hub.handle("kb:canonical", Canonical, canonical)
    hub.handle("kb:summary", Summary, summary)
    hub.handle("kb:history", SummaryHistory, history)
