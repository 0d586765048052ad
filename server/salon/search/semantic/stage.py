"""Whether this node runs the semantic stage of search, from its settings."""

from __future__ import annotations

import logging
from pathlib import Path

from salon.search.semantic.encoder import Encoder, missing
from salon.search.semantic.index import SemanticSearch
from salon.store.db import Database

log = logging.getLogger("salon.search.semantic")


def semantic_stage(db: Database, mode: str, model_dir: Path | None) -> SemanticSearch | None:
    """``off``: none. ``auto``: one when the semantic extra and a model are installed, else
    none with a warning (search stays lexical). ``on``: one, or ValueError saying what is
    missing, so a deployment that asked for it does not silently run without."""
    if mode == "off":
        return None
    reason = missing(model_dir)
    if reason is not None:
        if mode == "on":
            raise ValueError(f"search_semantic=on but {reason}")
        log.warning("semantic search is off: %s; search ranks by words only", reason)
        return None
    return SemanticSearch(db, Encoder(model_dir))
