"""Alembic, driven from code: no alembic.ini to find, the URL comes from Settings."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head", search_language: str | None = None) -> None:
    """Bring the archive at ``url`` to ``revision``. Blocking (use a thread from async code).
    ``search_language`` is what a migration that rebuilds search terms uses (default: the
    SALON_SEARCH_LANGUAGE setting)."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    config = alembic_config(url)
    config.attributes["search_language"] = search_language
    command.upgrade(config, revision)


def current(url: str) -> None:
    command.current(alembic_config(url), verbose=True)
