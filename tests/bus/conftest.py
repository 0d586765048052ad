"""A private redis-server per test, so tests may stop, restart and inspect it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from tests.support.cluster import RedisProcess
from tests.support.services import require


@pytest.fixture
def broker() -> Iterator[RedisProcess]:
    require(shutil.which("redis-server") is not None, "redis-server is not installed")
    process = RedisProcess()
    process.start()
    yield process
    process.stop()
