"""Tables of the archive, one module per domain; import them from here."""

from salon.store.models.bans import Ban
from salon.store.models.base import Base, BigId, UTCDateTime, new_id, utcnow
from salon.store.models.chat import ChatMessage, ChatReaction
from salon.store.models.documents import DocSnapshot, Document, DocUpdate
from salon.store.models.qa import (
    ANSWERED,
    DISMISSED,
    MERGED,
    OPEN,
    PENDING,
    PUBLIC_STATUSES,
    WITHDRAWN,
    Answer,
    Question,
    QuestionVote,
)
from salon.store.models.rooms import Membership, Room, User
from salon.store.models.search import KINDS, SearchEntry
from salon.store.models.sessions import (
    ENDED,
    LIVE,
    SCHEDULED,
    Notification,
    SessionDocument,
    SessionExpert,
    SessionRecord,
    TimelineEvent,
)

__all__ = [
    "ANSWERED",
    "DISMISSED",
    "ENDED",
    "KINDS",
    "LIVE",
    "MERGED",
    "OPEN",
    "PENDING",
    "PUBLIC_STATUSES",
    "SCHEDULED",
    "WITHDRAWN",
    "Answer",
    "Ban",
    "Base",
    "BigId",
    "ChatMessage",
    "ChatReaction",
    "DocSnapshot",
    "DocUpdate",
    "Document",
    "Membership",
    "Notification",
    "Question",
    "QuestionVote",
    "Room",
    "SearchEntry",
    "SessionDocument",
    "SessionExpert",
    "SessionRecord",
    "TimelineEvent",
    "UTCDateTime",
    "User",
    "new_id",
    "utcnow",
]
