"""A real Salon server in a subprocess, for document integration tests.

Kept in tests/docs so these tests do not depend on fixtures still being written elsewhere;
it runs the same ``python -m salon serve`` an operator runs.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from salon.auth import mint_token

SECRET = "docs-test-secret-0123456789abcdef0123456789"
PG_ADMIN_URL = os.environ.get("SALON_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerProcess:
    def __init__(self, data_dir: Path, database_url: str | None = None, **env: Any) -> None:
        self.data_dir = data_dir
        self.database_url = database_url
        self.port = free_port()
        self.env = {f"SALON_{k.upper()}": str(v) for k, v in env.items()}
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir / "server.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> ServerProcess:
        env = {**os.environ, "SALON_SECRET": SECRET, **self.env}
        if self.database_url:
            env["SALON_DATABASE_URL"] = self.database_url
            env["SALON_AUTO_MIGRATE"] = "true"
        cmd = [sys.executable, "-m", "salon", "serve", "--port", str(self.port)]
        cmd += ["--data-dir", str(self.data_dir)]
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-3000:]}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("server did not start")

    def stop(self) -> None:
        """Graceful stop (SIGTERM): the lifespan flushes everything."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def kill(self) -> None:
        """kill -9: no flush, no goodbye."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def restart(self) -> ServerProcess:
        self.stop()
        return self.start()


def token(user_id: str, name: str | None = None) -> str:
    return mint_token(SECRET, user_id, name or user_id)


class Api:
    """A tiny REST helper that acts as one user."""

    def __init__(self, url: str, user_id: str) -> None:
        self.user_id = user_id
        self.token = token(user_id)
        self.http = httpx.Client(
            base_url=url + "/api/v1", headers={"authorization": f"Bearer {self.token}"}
        )

    def call(self, method: str, path: str, **kw: Any) -> Any:
        return self.http.request(method, path, **kw)

    def create_room(self, title: str = "room", visibility: str = "invite-only") -> str:
        r = self.call("POST", "/rooms", json={"title": title, "visibility": visibility})
        assert r.status_code == 201, r.text
        return str(r.json()["room"]["id"])

    def grant(self, room_id: str, user_id: str, role: str) -> None:
        r = self.call("PUT", f"/rooms/{room_id}/members/{user_id}", json={"role": role})
        assert r.status_code == 200, r.text


async def eventually(check: Callable[[], bool], within: float = 10.0) -> None:
    """Poll ``check`` until true; real servers and sockets need a moment, not a sleep guess."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not check():
        if loop.time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)
