"""Migration 0005 and `salon db reindex` rewrite the index terms of an existing archive."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from pathlib import Path

from salon.store.migrate import upgrade


def rows(path: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(path) as conn:
        return list(conn.execute("SELECT kind, title_terms, terms FROM search_entries"))


def fts(path: Path, match: str) -> int:
    with sqlite3.connect(path) as conn:
        return int(
            conn.execute(
                "SELECT count(*) FROM search_fts WHERE search_fts MATCH ?", [match]
            ).fetchone()[0]
        )


async def test_migration_0005_stems_an_archive_and_reindex_changes_the_language(
    tmp_path: Path,
) -> None:
    path = tmp_path / "salon.db"
    url = f"sqlite+aiosqlite:///{path}"
    await asyncio.to_thread(upgrade, url, "0004")
    with sqlite3.connect(path) as conn:  # an archive written by the code before 0005
        conn.execute(
            "INSERT INTO users (id, name, is_guest, created_at, seen_at) "
            "VALUES ('h', 'H', 0, '2026-01-01', '2026-01-01')"
        )
        conn.execute(
            "INSERT INTO rooms (id, title, description, tags, visibility, created_by, "
            "created_at, updated_at, chat_seq) "
            "VALUES ('r', 'R', '', '[]', 'public', 'h', '2026-01-01', '2026-01-01', 0)"
        )
        conn.execute(
            "INSERT INTO search_entries (kind, ref, room_id, at, title, body, title_terms, "
            "terms, tags, people, answered) VALUES ('chat', '1', 'r', '2026-01-01', '', "
            "'Rotating certificates', '', 'rotating certificates', '||', '||', 0)"
        )
    await asyncio.to_thread(upgrade, url, "head", "english")
    assert rows(path) == [("chat", "", "rotat certif")]
    assert fts(path, '"rotat"') == 1 and fts(path, '"rotating"') == 0

    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "salon"),
            "db",
            "reindex",
            "--database-url",
            url,
            "--search-language",
            "none",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "reindexed 1 search entries (none)" in done.stdout
    assert rows(path) == [("chat", "", "rotating certificates")]
    assert fts(path, '"rotating"') == 1  # the full-text index followed
