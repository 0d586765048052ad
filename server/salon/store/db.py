"""Engine and unit-of-work sessions for the archive (SQLite file or PostgreSQL)."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, exc, text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from salon.core.errors import unavailable

log = logging.getLogger("salon.store")

# Default seconds to wait for a PostgreSQL connection or one statement (SALON_DB_CONNECT_TIMEOUT,
# SALON_DB_STATEMENT_TIMEOUT): a paused or partitioned database must turn into a quick
# `unavailable`, not requests that hang until the client gives up.
CONNECT_TIMEOUT = 5.0
COMMAND_TIMEOUT = 15.0


def is_connection_failure(error: BaseException) -> bool:
    """True when the database could not be reached or the connection broke: the statement may
    simply be retried later. Errors about the statement or the data are not outages."""
    if isinstance(error, exc.IntegrityError | exc.ProgrammingError | exc.DataError):
        return False
    if isinstance(error, exc.DBAPIError):
        orig = error.orig
        return (
            error.connection_invalidated
            or isinstance(error, exc.OperationalError | exc.InterfaceError)
            or isinstance(orig, OSError | TimeoutError)
            or "connection" in type(orig).__name__.lower()
        )
    return isinstance(error, exc.TimeoutError | OSError | TimeoutError)


class Health:
    """One warning when the database goes away and one when it is back, instead of a
    traceback per request in between."""

    def __init__(self) -> None:
        self.down_since: float | None = None

    def failed(self, error: BaseException) -> None:
        if self.down_since is None:
            self.down_since = time.monotonic()
            log.warning("the database is unreachable (%s); answering unavailable", _brief(error))

    def worked(self) -> None:
        if self.down_since is not None:
            log.warning("the database is back after %.1f s", time.monotonic() - self.down_since)
            self.down_since = None


def _brief(error: BaseException) -> str:
    cause = getattr(error, "orig", None) or error
    return f"{type(cause).__name__}: {str(cause).splitlines()[0][:200] if str(cause) else ''}"


SYNCHRONOUS = {"full": "FULL", "normal": "NORMAL"}


def _sqlite_pragmas(synchronous: str) -> Any:
    def apply(dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        # WAL keeps readers off the writer's back. FULL syncs the log at every commit (an
        # acknowledged write survives a power loss); NORMAL only at checkpoints (it survives
        # a crash of the process, not of the machine). Chat commits are grouped, so FULL
        # costs one fsync per batch, not per message (docs/operations.md).
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={SYNCHRONOUS[synchronous]}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    return apply


class Database:
    """Owns the engine; hands out one AsyncSession per unit of work."""

    def __init__(
        self,
        url: str,
        connect_timeout: float = CONNECT_TIMEOUT,
        statement_timeout: float = COMMAND_TIMEOUT,
        sqlite_synchronous: str = "full",
    ) -> None:
        self.url = url
        self.sqlite_synchronous = sqlite_synchronous
        self.connect_timeout = connect_timeout
        self.statement_timeout = statement_timeout
        self.is_sqlite = url.startswith("sqlite")
        self._engine: AsyncEngine | None = None
        self._sessions: async_sessionmaker[AsyncSession] | None = None
        self.health = Health()

    @property
    def engine(self) -> AsyncEngine:
        assert self._engine is not None, "Database.start() not called"
        return self._engine

    async def start(self) -> None:
        kwargs: dict[str, Any] = {}
        if not self.is_sqlite:
            kwargs.update(
                pool_size=10,
                max_overflow=10,
                pool_pre_ping=True,
                pool_timeout=self.connect_timeout,
                # Client-side limits: they also fire when the server cannot answer at all
                # (paused, partitioned), where a server-side statement_timeout never would.
                connect_args={
                    "timeout": self.connect_timeout,
                    "command_timeout": self.statement_timeout,
                },
            )
        self._engine = create_async_engine(self.url, **kwargs)
        if self.is_sqlite:
            event.listen(
                self._engine.sync_engine, "connect", _sqlite_pragmas(self.sqlite_synchronous)
            )
        self._sessions = async_sessionmaker(self._engine, expire_on_commit=False)

    async def stop(self) -> None:
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None

    @asynccontextmanager
    async def unit(self) -> AsyncIterator[AsyncSession]:
        """A unit of work: commits when the block ends cleanly, rolls back otherwise."""
        assert self._sessions is not None, "Database.start() not called"
        async with self._outages(), self._sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        assert self._sessions is not None, "Database.start() not called"
        async with self._outages(), self._sessions() as session:
            yield session

    @asynccontextmanager
    async def _outages(self) -> AsyncIterator[None]:
        """A lost connection becomes ``unavailable`` (nothing was committed); other errors
        pass through unchanged."""
        try:
            yield
        except Exception as error:
            if not is_connection_failure(error):
                raise
            self.health.failed(error)
            raise unavailable("archive") from error
        self.health.worked()

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False
