from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from tests.docs.server import Api, ServerProcess

REQUIRE = os.environ.get("SALON_REQUIRE_SERVICES") == "1"


def _postgres_url() -> str | None:
    """A fresh database on the local PostgreSQL, or None when it is not reachable."""
    name = "salon_docs_" + uuid.uuid4().hex[:10]

    async def create(user: str) -> None:
        conn = await asyncpg.connect(host="127.0.0.1", port=5432, user=user, database="postgres")
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    for user in ("postgres", "root"):
        try:
            asyncio.run(create(user))
        except Exception:
            continue
        return f"postgresql+asyncpg://{user}@127.0.0.1:5432/{name}"
    return None


@pytest.fixture(params=["sqlite", "postgres"])
def backend_url(request: pytest.FixtureRequest) -> str | None:
    if request.param == "sqlite":
        return None
    url = _postgres_url()
    if url is None:
        if REQUIRE:
            pytest.fail("PostgreSQL is required (SALON_REQUIRE_SERVICES=1) but not reachable")
        pytest.skip("PostgreSQL not reachable at 127.0.0.1:5432")
    return url


@pytest.fixture
def server(tmp_path: Path, backend_url: str | None) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path / "data", backend_url, doc_idle_unload_s=1.0).start()
    yield proc
    proc.stop()


@pytest.fixture
def sqlite_server(tmp_path: Path) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path / "data", None, doc_idle_unload_s=1.0).start()
    yield proc
    proc.stop()


@pytest.fixture
def host(server: ServerProcess) -> Api:
    return Api(server.url, "host-" + uuid.uuid4().hex[:6])
