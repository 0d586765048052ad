"""Q&A's notifications are the network inbox's: this name stays so code written against
``NotificationService.add(session, user_id, kind, data)`` then ``push(notes)`` keeps working."""

from __future__ import annotations

from salon.network.inbox import EVENT, InboxService, note_dict

NotificationService = InboxService

__all__ = ["EVENT", "NotificationService", "note_dict"]
