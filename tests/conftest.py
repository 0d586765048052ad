"""Fixtures that start real Salon servers (subprocesses on free ports) on SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.servers import ServerProcess
from tests.support.services import postgres_database, require_service


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgres":
        require_service("postgres")
    return str(request.param)


@pytest.fixture(scope="session")
def server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One running server per backend, shared by the tests of the session."""
    data_dir = tmp_path_factory.mktemp(f"salon-{backend}")
    if backend == "postgres":
        with postgres_database() as url, ServerProcess(data_dir, database_url=url).running() as s:
            yield s
    else:
        with ServerProcess(data_dir).running() as s:
            yield s
    shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[ServerProcess]:
    """A private SQLite server (not started) for tests that restart, kill or reconfigure it."""
    proc = ServerProcess(tmp_path / "data")
    yield proc
    proc.stop()
