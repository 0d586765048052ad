"""search relevance: stemmed index terms, one hit per Q&A, ranking signals

Revision ID: 0005
Revises: 0004

Index terms become Snowball stems in the deployment's language (SALON_SEARCH_LANGUAGE), so
every entry is re-indexed; answers learn their question (``parent``) and questions and
answers carry their votes and whether an answer was accepted.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from salon.core.config import Settings
from salon.search.reindex import reindex
from salon.search.text import use_language

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("search_entries", sa.Column("parent", sa.String(240), nullable=True))
    op.add_column(
        "search_entries", sa.Column("votes", sa.Integer(), nullable=False, server_default="0")
    )
    op.add_column(
        "search_entries",
        sa.Column("accepted", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    config = op.get_context().config
    chosen = config.attributes.get("search_language") if config is not None else None
    use_language(chosen or Settings.model_validate({}).search_language)
    reindex(op.get_bind())


def downgrade() -> None:
    # Plain ALTER TABLE on both backends (SQLite >= 3.35): a batch copy of the table would
    # drop the full-text triggers. The terms stay stemmed; run `salon db reindex` with the
    # older code to undo that.
    for name in ("accepted", "votes", "parent"):
        op.execute(f"ALTER TABLE search_entries DROP COLUMN {name}")
