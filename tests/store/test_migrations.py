"""Migrations build exactly the schema the models describe, on SQLite and on PostgreSQL,
and step down and up again cleanly."""

from __future__ import annotations

from pathlib import Path

from alembic import command

from salon.store.migrate import alembic_config, upgrade
from tests.support.services import postgres_database, require_service


def test_sqlite_migrations_match_the_models_and_round_trip(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'salon.db'}"
    upgrade(url)
    command.check(alembic_config(url))  # raises if models and migrations disagree
    command.downgrade(alembic_config(url), "base")
    upgrade(url)
    command.check(alembic_config(url))


def test_postgres_migrations_match_the_models() -> None:
    require_service("postgres")
    with postgres_database() as url:
        upgrade(url)
        command.check(alembic_config(url))
        command.downgrade(alembic_config(url), "base")
        upgrade(url)
