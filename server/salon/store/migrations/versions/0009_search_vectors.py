"""search vectors: sentence embeddings of Q&A entries for the optional semantic stage

Revision ID: 0009
Revises: 0008

Two tables: the embedding of each entry (replaced when its text changes) and the queue of
entries to embed, which the services fill in the unit of work of a change and the semantic
indexer drains. Every existing Q&A entry is queued, so an archive that turns semantic search
on is embedded in the background from its first start; with it off the queue only waits.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "search_vectors",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column(
            "entry_id",
            BigId,
            sa.ForeignKey("search_entries.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("model", sa.String(64), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
    )
    op.create_table(
        "search_vector_queue",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("entry_id", BigId, nullable=False),
    )
    op.create_index("ix_search_vector_queue_entry_id", "search_vector_queue", ["entry_id"])
    op.execute(
        "INSERT INTO search_vector_queue (entry_id) "
        "SELECT id FROM search_entries WHERE kind = 'question' ORDER BY id"
    )


def downgrade() -> None:
    op.drop_index("ix_search_vector_queue_entry_id", table_name="search_vector_queue")
    op.drop_table("search_vector_queue")
    op.drop_table("search_vectors")
