"""Tunables of the document subsystem, gathered from Settings once and passed down."""

from __future__ import annotations

import re
from dataclasses import dataclass

from salon.core.config import Settings
from salon.core.errors import SalonError

# Unicode letters/digits plus a few separators; no "/" so "<room id>/<doc name>" stays unambiguous.
_NAME = re.compile(r"^[\w][\w .\-]{0,99}$")


@dataclass(frozen=True, slots=True)
class DocLimits:
    max_update_bytes: int = 1_000_000
    max_document_bytes: int = 16_000_000
    flush_ms: float = 5.0
    write_batch_ms: float = 20.0
    idle_unload_s: float = 60.0
    snapshot_every: int = 200
    # ... and once the tail holds this fraction of the state's size (persist.py).
    snapshot_tail_ratio: float = 0.5
    documents_per_user: int = 500
    # The root Y.Text that text/Markdown export, restore and server-side edits work on.
    text_field: str = "content"

    @classmethod
    def from_settings(cls, settings: Settings) -> DocLimits:
        return cls(
            max_update_bytes=settings.doc_max_update_bytes,
            max_document_bytes=settings.doc_max_document_bytes,
            flush_ms=settings.doc_flush_ms,
            write_batch_ms=settings.doc_write_batch_ms,
            idle_unload_s=settings.doc_idle_unload_s,
            snapshot_every=settings.doc_snapshot_every,
            documents_per_user=settings.documents_per_user,
        )


def check_name(name: str) -> str:
    name = name.strip()
    if not _NAME.match(name):
        raise SalonError(
            "bad_request",
            "document names are 1-100 letters, digits, spaces, '.', '_' or '-'",
        )
    return name
