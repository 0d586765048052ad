"""ask anytime: questions outside sessions, "this answered it", knowledge-base pins and summaries

Revision ID: 0006
Revises: 0005

A question asked while no session is live waits in its room's open queue (``session_id`` is
NULL until a host brings it into a session); it may be addressed to a tag and to a named
expert. An answer someone picked instead of asking is recorded once per person; an expert or
host may pin an answer as the question's canonical one and keep a short, attributed summary
whose every edit is kept.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Stamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    # SQLite copies the table (batch mode); questions has no triggers to lose.
    with op.batch_alter_table("questions") as batch:
        batch.alter_column("session_id", existing_type=sa.String(32), nullable=True)
        batch.add_column(sa.Column("tag", sa.String(40), nullable=True))
        # No foreign key: a named expert may not have signed in yet.
        batch.add_column(sa.Column("expert_id", sa.String(128), nullable=True))
        batch.add_column(sa.Column("canonical_answer_id", sa.BigInteger(), nullable=True))
    op.create_index("ix_questions_room_status", "questions", ["room_id", "status"])
    op.create_index("ix_questions_tag_status", "questions", ["tag", "status"])
    op.create_table(
        "answer_helps",
        sa.Column("answer_id", BigId, sa.ForeignKey("answers.id"), primary_key=True),
        sa.Column("user_id", sa.String(128), sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("question_id", BigId, sa.ForeignKey("questions.id"), nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
    )
    op.create_index("ix_answer_helps_question", "answer_helps", ["question_id"])
    op.create_table(
        "kb_summaries",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("question_id", BigId, sa.ForeignKey("questions.id"), nullable=False),
        sa.Column("author_id", sa.String(128), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
    )
    op.create_index("ix_kb_summaries_question", "kb_summaries", ["question_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_kb_summaries_question", table_name="kb_summaries")
    op.drop_table("kb_summaries")
    op.drop_index("ix_answer_helps_question", table_name="answer_helps")
    op.drop_table("answer_helps")
    op.drop_index("ix_questions_tag_status", table_name="questions")
    op.drop_index("ix_questions_room_status", table_name="questions")
    # Questions still waiting in a queue have no session to belong to: they go.
    op.execute(
        "DELETE FROM question_votes WHERE question_id IN "
        "(SELECT id FROM questions WHERE session_id IS NULL)"
    )
    op.execute(
        "DELETE FROM answers WHERE question_id IN "
        "(SELECT id FROM questions WHERE session_id IS NULL)"
    )
    op.execute("DELETE FROM questions WHERE session_id IS NULL")
    with op.batch_alter_table("questions") as batch:
        batch.drop_column("canonical_answer_id")
        batch.drop_column("expert_id")
        batch.drop_column("tag")
        batch.alter_column("session_id", existing_type=sa.String(32), nullable=False)
