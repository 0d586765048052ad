"""Reaching the real PostgreSQL and Redis: skip when absent, fail when SALON_REQUIRE_SERVICES=1."""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest

PG_HOST = os.environ.get("SALON_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("SALON_TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("SALON_TEST_PG_USER", "postgres")
REDIS_URL = os.environ.get("SALON_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
PORTS = {"postgres": (PG_HOST, PG_PORT), "redis": ("127.0.0.1", 6379)}


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def require(condition: bool, reason: str) -> None:
    """Skip a test whose service or tool is missing, unless CI demands every one."""
    if condition:
        return
    if os.environ.get("SALON_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason}, and SALON_REQUIRE_SERVICES=1", pytrace=False)
    pytest.skip(reason)


def require_service(name: str) -> None:
    host, port = PORTS[name]
    require(reachable(host, port), f"{name} is not reachable at {host}:{port}")


def _admin(sql: str) -> None:
    """Run one statement as the admin user; works from sync and async tests alike."""
    import asyncpg

    async def run() -> None:
        conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database="postgres")
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, run()).result()


@contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh, empty database for one test session; dropped afterwards."""
    name = f"salon_test_{secrets.token_hex(6)}"
    _admin(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
