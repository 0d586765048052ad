"""History helpers: time parsing, minimal-diff restore, Markdown export."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pycrdt
import pytest

from salon.core.errors import SalonError
from salon.documents.history import parse_time, replace_text, to_markdown


def test_parse_time_accepts_iso_and_unix_ms() -> None:
    assert parse_time("2026-01-02T03:04:05Z") == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert parse_time("2026-01-02T03:04:05") == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert parse_time("1767323045000") == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    with pytest.raises(SalonError):
        parse_time("yesterday")


@pytest.mark.parametrize(
    ("start", "target"),
    [
        ("hello world", "hello brave world"),
        ("abc", ""),
        ("", "new"),
        ("same", "same"),
        ("the quick brown fox", "a quick red fox!"),
    ],
)
def test_replace_text_reaches_target(start: str, target: str) -> None:
    doc: pycrdt.Doc[Any] = pycrdt.Doc()
    text = doc.get("content", type=pycrdt.Text)
    text += start
    with doc.transaction():
        replace_text(text, target)
    assert str(text) == target


def test_replace_text_keeps_untouched_regions_for_concurrent_edits() -> None:
    server: pycrdt.Doc[Any] = pycrdt.Doc()
    text = server.get("content", type=pycrdt.Text)
    text += "keep this. change that."
    peer: pycrdt.Doc[Any] = pycrdt.Doc()
    peer.apply_update(server.get_update())
    peer.get("content", type=pycrdt.Text).insert(0, ">> ")  # concurrent, far from the change
    replace_text(text, "keep this. changed!")
    server.apply_update(peer.get_update())
    assert str(text) == ">> keep this. changed!"


def test_markdown_from_quill_delta() -> None:
    delta: list[tuple[Any, dict[str, Any] | None]] = [
        ("Title", None),
        ("\n", {"header": 1}),
        ("plain ", None),
        ("bold", {"bold": True}),
        (" and ", None),
        ("link", {"link": "https://x.test"}),
        ("\n", None),
        ("one", None),
        ("\n", {"list": "ordered"}),
        ("two", None),
        ("\n", {"list": "ordered"}),
        ("item", None),
        ("\n", {"list": "bullet"}),
    ]
    assert to_markdown(delta) == (
        "# Title\nplain **bold** and [link](https://x.test)\n1. one\n2. two\n- item"
    )


def test_markdown_of_plain_text_is_the_text() -> None:
    assert to_markdown([("line one\nline two", None)]) == "line one\nline two"
