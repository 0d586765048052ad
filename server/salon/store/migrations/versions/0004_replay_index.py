"""replay: find the document log row at a moment without scanning the log

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_doc_updates_doc_time", "doc_updates", ["document_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_doc_updates_doc_time", table_name="doc_updates")
