"""Questions, votes and answers. Questions are never deleted: withdrawing, dismissing and
merging change their status, so the archive keeps what moderation decided and why."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from salon.store.models.base import Base, BigId, UTCDateTime, utcnow

PENDING, OPEN, ANSWERED = "pending", "open", "answered"


DISMISSED, WITHDRAWN, MERGED = "dismissed", "withdrawn", "merged"


PUBLIC_STATUSES = (OPEN, ANSWERED)


class Question(Base):
    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    # None while the question waits in its room's open queue (asked with no session live).
    session_id: Mapped[str | None] = mapped_column(ForeignKey("sessions.id"), nullable=True)
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id"))
    # Where an ask-anytime question is addressed besides its room: a tag's queue, an expert.
    tag: Mapped[str | None] = mapped_column(String(40), nullable=True)
    # No foreign key: a named expert may not have signed in yet.
    expert_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    # Kept even for anonymous questions: hosts moderate with it; it is never shown to others.
    asker_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    anonymous: Mapped[bool] = mapped_column(default=False)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=OPEN)
    pinned: Mapped[bool] = mapped_column(default=False)
    merged_into: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    dismiss_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    accepted_answer_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # The answer an expert or host pinned as canonical for the knowledge base.
    canonical_answer_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Timeline moments for deep links: when it was asked and when it was (last) answered.
    asked_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    answered_seq: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # Timeline seq of the latest change: clients drop live updates older than what they hold.
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)

    __table_args__ = (
        Index("ix_questions_session", "session_id", "status"),
        Index("ix_questions_asker", "asker_id"),
        Index("ix_questions_room_status", "room_id", "status"),
        Index("ix_questions_tag_status", "tag", "status"),
    )


class QuestionVote(Base):
    __tablename__ = "question_votes"

    # The primary key is the one-vote-per-person rule; concurrent clicks collide on it.
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Answer(Base):
    __tablename__ = "answers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    author_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    seq: Mapped[int | None] = mapped_column(BigInteger, nullable=True)

    __table_args__ = (
        Index("ix_answers_question", "question_id"),
        Index("ix_answers_author", "author_id"),
    )


class AnswerHelp(Base):
    """Someone picked this answer instead of asking ("this answered it"): once per person."""

    __tablename__ = "answer_helps"

    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id"), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_answer_helps_question", "question_id"),)


class KbSummary(Base):
    """One edit of a question's knowledge-base summary; the newest is the current text."""

    __tablename__ = "kb_summaries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    author_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_kb_summaries_question", "question_id", "id"),)
