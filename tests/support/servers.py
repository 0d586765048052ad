"""Run `salon serve` as a real process on a free port, and talk to it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from salon.core.auth import mint_token

SECRET = "salon-test-secret-which-is-long-enough-for-hs256"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerProcess:
    def __init__(
        self,
        data_dir: Path,
        database_url: str | None = None,
        auto_migrate: bool = True,
        **settings: Any,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.port = free_port()
        self.database_url = database_url
        self.auto_migrate = auto_migrate
        # Tests connect many clients from one address and chat fast: relax those limits
        # unless a test sets them.
        self.settings = {
            "presence_grace": 0.5,
            "chat_rate": 50,
            "chat_burst": 100,
            "connect_rate": 1000,
            "connect_burst": 1000,
            **settings,
        }
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = self.data_dir / f"server-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SALON_")}
        env.update({f"SALON_{k.upper()}": str(v) for k, v in self.settings.items()})
        env["SALON_SECRET"] = SECRET
        if self.database_url:
            env["SALON_DATABASE_URL"] = self.database_url
            env["SALON_AUTO_MIGRATE"] = str(self.auto_migrate).lower()
        return env

    def start(self, timeout: float | None = None) -> None:
        # A loaded shared machine can need longer than 20 s to migrate and start.
        timeout = timeout or float(os.environ.get("SALON_TEST_START_TIMEOUT", "120"))
        self.data_dir.mkdir(parents=True, exist_ok=True)
        cmd = [
            sys.executable,
            "-m",
            "salon",
            "serve",
            "--port",
            str(self.port),
            "--data-dir",
            str(self.data_dir),
        ]
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(cmd, env=self.env(), stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log()}")
            try:
                if httpx.get(self.url + "/readyz", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.kill()  # a server left running after this failure would outlive the test run
        raise RuntimeError(f"server did not become ready:\n{self.log()}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        code = self.proc.returncode
        self.proc = None
        return code

    def kill(self) -> None:
        self.stop(signal.SIGKILL)

    @contextmanager
    def running(self) -> Iterator[ServerProcess]:
        self.start()
        try:
            yield self
        finally:
            self.stop()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def token(self, user_id: str, name: str | None = None, ttl: float = 3600) -> str:
        return mint_token(SECRET, user_id, name or user_id.title(), ttl)

    def http(self, user_id: str | None = None) -> httpx.Client:
        headers = {"authorization": f"Bearer {self.token(user_id)}"} if user_id else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=10.0)
