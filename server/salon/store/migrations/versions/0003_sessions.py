"""sessions: sessions, timeline, Q&A, notifications, archived documents, search index

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from salon.search import postgres as search_pg
from salon.search import sqlite as search_sqlite

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Stamp = sa.DateTime(timezone=True)


def _id() -> sa.Column[int]:
    return sa.Column("id", BigId, primary_key=True, autoincrement=True)


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("room_id", sa.String(32), sa.ForeignKey("rooms.id"), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("moderated", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(128), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("starts_at", Stamp, nullable=True),
        sa.Column("started_at", Stamp, nullable=True),
        sa.Column("ended_at", Stamp, nullable=True),
        sa.Column("timeline_seq", sa.BigInteger(), nullable=False),
        sa.Column("participants", sa.JSON(), nullable=False),
    )
    op.create_index("ix_sessions_room_status", "sessions", ["room_id", "status"])
    live = sa.text("status = 'live'")
    op.create_index(
        "uq_sessions_one_live",
        "sessions",
        ["room_id"],
        unique=True,
        sqlite_where=live,
        postgresql_where=live,
    )
    op.create_table(
        "session_experts",
        sa.Column("session_id", sa.String(32), sa.ForeignKey("sessions.id"), primary_key=True),
        sa.Column("user_id", sa.String(128), sa.ForeignKey("users.id"), primary_key=True),
    )
    op.create_index("ix_session_experts_user", "session_experts", ["user_id"])
    _timeline()
    op.create_table(
        "session_documents",
        sa.Column("session_id", sa.String(32), sa.ForeignKey("sessions.id"), primary_key=True),
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("captured_at", Stamp, nullable=False),
    )
    op.create_table(
        "notifications",
        _id(),
        sa.Column("user_id", sa.String(128), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("delivered_at", Stamp, nullable=True),
    )
    op.create_index("ix_notifications_user", "notifications", ["user_id", "delivered_at"])
    _qa()
    _search()


def _timeline() -> None:
    op.create_table(
        "timeline_events",
        _id(),
        sa.Column("session_id", sa.String(32), sa.ForeignKey("sessions.id"), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("at", Stamp, nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(128), nullable=True),
        sa.Column("ref", sa.String(80), nullable=True),
        sa.Column("audience", sa.String(8), nullable=False),
        sa.Column("subject", sa.String(128), nullable=True),
        sa.Column("dedupe", sa.String(200), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.UniqueConstraint("session_id", "seq", name="uq_timeline_session_seq"),
        sa.UniqueConstraint("session_id", "dedupe", name="uq_timeline_dedupe"),
    )
    op.create_index("ix_timeline_ref", "timeline_events", ["session_id", "ref"])


def _qa() -> None:
    op.create_table(
        "questions",
        _id(),
        sa.Column("session_id", sa.String(32), sa.ForeignKey("sessions.id"), nullable=False),
        sa.Column("room_id", sa.String(32), sa.ForeignKey("rooms.id"), nullable=False),
        sa.Column("asker_id", sa.String(128), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.Column("merged_into", sa.BigInteger(), nullable=True),
        sa.Column("dismiss_reason", sa.Text(), nullable=True),
        sa.Column("accepted_answer_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("edited_at", Stamp, nullable=True),
        sa.Column("answered_at", Stamp, nullable=True),
        sa.Column("asked_seq", sa.BigInteger(), nullable=False),
        sa.Column("answered_seq", sa.BigInteger(), nullable=True),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_questions_session", "questions", ["session_id", "status"])
    op.create_index("ix_questions_asker", "questions", ["asker_id"])
    op.create_table(
        "question_votes",
        sa.Column("question_id", BigId, sa.ForeignKey("questions.id"), primary_key=True),
        sa.Column("user_id", sa.String(128), sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("created_at", Stamp, nullable=False),
    )
    op.create_table(
        "answers",
        _id(),
        sa.Column("question_id", BigId, sa.ForeignKey("questions.id"), nullable=False),
        sa.Column("author_id", sa.String(128), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("edited_at", Stamp, nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=True),
    )
    op.create_index("ix_answers_question", "answers", ["question_id"])
    op.create_index("ix_answers_author", "answers", ["author_id"])


def _search() -> None:
    op.create_table(
        "search_entries",
        _id(),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("ref", sa.String(240), nullable=False),
        sa.Column("room_id", sa.String(32), sa.ForeignKey("rooms.id"), nullable=False),
        sa.Column("session_id", sa.String(32), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=True),
        sa.Column("at", Stamp, nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("title_terms", sa.Text(), nullable=False),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.Column("people", sa.Text(), nullable=False),
        sa.Column("answered", sa.Boolean(), nullable=False),
        sa.Column("author_id", sa.String(128), nullable=True),
        sa.UniqueConstraint("kind", "ref", name="uq_search_kind_ref"),
    )
    op.create_index("ix_search_room", "search_entries", ["room_id"])
    op.create_index("ix_search_session", "search_entries", ["session_id"])
    statements = search_sqlite.CREATE if _sqlite() else search_pg.CREATE
    for statement in statements:
        op.execute(statement)


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def downgrade() -> None:
    for statement in search_sqlite.DROP if _sqlite() else search_pg.DROP:
        op.execute(statement)
    for name in (
        "search_entries",
        "answers",
        "question_votes",
        "questions",
        "notifications",
        "session_documents",
        "timeline_events",
        "session_experts",
        "sessions",
    ):
        op.drop_table(name)
