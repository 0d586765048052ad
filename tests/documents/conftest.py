"""Document tests share the session servers of tests/conftest.py; durability tests own theirs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from tests.documents.helpers import Api
from tests.support.clients import user_id
from tests.support.servers import ServerProcess
from tests.support.services import postgres_database


@pytest.fixture
def host(server: ServerProcess) -> Api:
    """A fresh user who creates rooms (and so is their host)."""
    return Api(server, user_id("host"))


@pytest.fixture
def durable_server(tmp_path: Path, backend: str) -> Iterator[ServerProcess]:
    """A private server (not shared) that tests restart and kill -9.

    Small snapshot interval: reloads go through snapshot + tail. Slow commits: a kill -9
    surely loses a batch on the server, which reconnecting clients must restore.
    """
    with ExitStack() as stack:
        url = stack.enter_context(postgres_database()) if backend == "postgres" else None
        proc = ServerProcess(
            tmp_path / "data", database_url=url, doc_snapshot_every=20, doc_write_batch_ms=250
        )
        proc.start()
        stack.callback(proc.stop)
        yield proc


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[Callable[..., ServerProcess]]:
    """Start private SQLite servers with particular settings; stopped after the test."""
    started: list[ServerProcess] = []

    def make(**settings: Any) -> ServerProcess:
        proc = ServerProcess(tmp_path / f"data{len(started)}", **settings)
        proc.start()
        started.append(proc)
        return proc

    yield make
    for proc in started:
        proc.stop()
