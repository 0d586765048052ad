"""The servers under test: Salon (``python -m salon serve``), the Node peers (the y-socket.io
server, @hocuspocus/server, the reference @y/websocket-server), and optionally a baseline: Salon
again, from another checkout (``--baseline-source``).

Each is started fresh per workload on a free 127.0.0.1 port, optionally pinned to one CPU,
and stopped with SIGTERM (then SIGKILL) when the workload ends.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
PEER_SCRIPT = BENCH_DIR / "peer" / "server.mjs"
PEER_DIRS = ("peer", "peer-hocuspocus", "peer-ywebsocket")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class ServerUnavailable(RuntimeError):
    """The server could not be started, or lacks a feature a workload needs."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def pinned(command: list[str], cpus: str | None) -> list[str]:
    if cpus is None or shutil.which("taskset") is None:
        return command
    return ["taskset", "-c", cpus, *command]


def http_json(
    method: str, url: str, body: dict[str, Any] | None = None, token: str | None = None
) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        text = exc.read()
        try:
            return exc.code, json.loads(text)
        except ValueError:
            return exc.code, text.decode(errors="replace")


def descendants(pid: int) -> list[int]:
    out = [pid]
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                for child in f.read().split():
                    out.extend(descendants(int(child)))
    except OSError:
        pass
    return out


class Server:
    """A running server under test."""

    name = "server"
    # The document protocol the load generator speaks to it (loadgen.mjs config.protocol).
    protocol = "socketio"

    def __init__(self, cpus: str | None, log_dir: Path) -> None:
        self.cpus = cpus
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_dir / f"{self.name}-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    # -- lifecycle -----------------------------------------------------------------------------

    def command(self) -> list[str]:
        raise NotImplementedError

    def env(self) -> dict[str, str]:
        return dict(os.environ)

    def ready_path(self) -> str:
        return "/"

    def start(self, timeout: float = 30.0) -> None:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                pinned(self.command(), self.cpus),
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env(),
                cwd=REPO_DIR,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerUnavailable(f"{self.name} exited at start; see {self.log_path}")
            try:
                with urllib.request.urlopen(self.url + self.ready_path(), timeout=10) as response:
                    if response.status == 200:
                        return
            except OSError:  # not listening yet (HTTPError is an OSError too)
                pass
            time.sleep(0.2)
        self.stop()
        raise ServerUnavailable(
            f"{self.name} not ready within {timeout:.0f} s; see {self.log_path}"
        )

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- measurements --------------------------------------------------------------------------

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def rss_kib(self) -> int:
        """Resident memory of the server and its child processes."""
        total = 0
        for pid in descendants(self.pid):
            try:
                with open(f"/proc/{pid}/status") as f:
                    for line in f:
                        if line.startswith("VmRSS:"):
                            total += int(line.split()[1])
            except OSError:
                pass
        return total

    def cpu_seconds(self) -> float:
        total = 0
        for pid in descendants(self.pid):
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
            except (OSError, IndexError, ValueError):
                pass
        return total / CLOCK_TICKS

    # -- protocol ------------------------------------------------------------------------------

    def auth(self, user: int = 0) -> dict[str, str]:
        return {}

    @property
    def doc_url(self) -> str:
        """Where the load generator connects for documents."""
        return self.url

    def doc_namespace(self, doc: str) -> str:
        return f"/yjs|{doc}"

    def chat_setup(self, rooms: int, users: int) -> tuple[list[str], list[str]]:
        raise ServerUnavailable(f"{self.name} has no chat")


class Peer(Server):
    """The npm y-socket.io server (bench/peer/server.mjs): no persistence, no auth."""

    name = "peer"

    def command(self) -> list[str]:
        if not (BENCH_DIR / "peer" / "node_modules" / "y-socket.io").is_dir():
            raise ServerUnavailable("bench/peer/node_modules is missing: run npm ci in bench/peer")
        return ["node", str(PEER_SCRIPT), "--host", "127.0.0.1", "--port", str(self.port)]


class _WebSocketPeer(Server):
    """A Node peer whose documents are plain WebSocket endpoints (no Socket.IO)."""

    directory = ""
    script = ""

    @property
    def doc_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def doc_namespace(self, doc: str) -> str:
        return doc

    def command(self) -> list[str]:
        script = BENCH_DIR / self.directory / self.script
        if not (BENCH_DIR / self.directory / "node_modules").is_dir():
            raise ServerUnavailable(f"bench/{self.directory}/node_modules is missing: npm ci there")
        return ["node", str(script), "--host", "127.0.0.1", "--port", str(self.port)]


class Hocuspocus(_WebSocketPeer):
    """@hocuspocus/server with its defaults (bench/peer-hocuspocus/server.mjs)."""

    name = "hocuspocus"
    protocol = "hocuspocus"
    directory = "peer-hocuspocus"
    script = "server.mjs"


class YWebsocket(_WebSocketPeer):
    """The reference @y/websocket-server, run by its own bin script (HOST/PORT from the env)."""

    name = "y-websocket"
    protocol = "ywebsocket"
    directory = "peer-ywebsocket"
    script = "node_modules/@y/websocket-server/src/server.js"

    def env(self) -> dict[str, str]:
        return {**os.environ, "HOST": "127.0.0.1", "PORT": str(self.port)}


# All the load comes from one address and (for documents) one user: lift the abuse limits that
# would otherwise throttle or ban it. Everything else stays at Salon's defaults.
BENCH_LIMITS = {
    "SALON_CONNECTIONS_PER_USER": "1000000",
    "SALON_CONNECT_RATE": "1000000",
    "SALON_CONNECT_BURST": "1000000",
    "SALON_EVENT_RATE": "1000000",
    "SALON_EVENT_BURST": "1000000",
    "SALON_DOC_EVENT_RATE": "1000000",
    "SALON_DOC_EVENT_BURST": "1000000",
}


class _Setting:
    value: str | None = None


# --postgres: a PostgreSQL server (libpq URL of a user that may create databases) on which each
# Salon start gets a fresh database instead of the embedded SQLite archive.
POSTGRES = _Setting()
SALON_SOURCE = _Setting()  # --salon-source: a Salon checkout to run instead of the installed one
BASELINE_SOURCE = _Setting()  # --baseline-source: the checkout the "baseline" server runs from


def checkout_problem(directory: Path) -> str | None:
    """Why ``directory`` cannot be run as a Salon checkout, or None when it can."""
    if not (directory / "server" / "salon" / "__main__.py").is_file():
        return f"{directory} is not a Salon checkout (no server/salon/__main__.py)"
    return None


class Salon(Server):
    """``python -m salon serve`` on a throwaway data dir (SQLite, in-process bus)."""

    name = "salon"

    def __init__(self, cpus: str | None, log_dir: Path) -> None:
        super().__init__(cpus, log_dir)
        self.data_dir = Path(tempfile.mkdtemp(prefix="salon-bench-"))
        self.secret = secrets.token_hex(32)
        self._tokens: dict[int, str] = {}
        self._room: str | None = None
        self._database: str | None = None

    @property
    def backend(self) -> str:
        return "postgresql" if POSTGRES.value else "sqlite"

    def database_url(self) -> str | None:
        if POSTGRES.value is None or self._database is None:
            return None
        base = POSTGRES.value.rsplit("/", 1)[0] if POSTGRES.value.count("/") > 2 else POSTGRES.value
        return base.replace("postgresql://", "postgresql+asyncpg://", 1) + "/" + self._database

    def start(self, timeout: float = 30.0) -> None:
        if POSTGRES.value is not None:
            # A fresh database per start (salon and baseline never share rows), migrated with
            # the documented CLI, dropped again in stop().
            self._database = f"salon_bench_{secrets.token_hex(4)}"
            _psql(f"CREATE DATABASE {self._database}")
            result = subprocess.run(
                [sys.executable, "-m", "salon", "db", "upgrade"],
                capture_output=True,
                text=True,
                cwd=REPO_DIR,
                env=self.env(),
                check=False,
            )
            if result.returncode != 0:
                raise ServerUnavailable(f"salon db upgrade failed: {result.stderr.strip()}")
        super().start(timeout)

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "salon",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--data-dir",
            str(self.data_dir),
        ]

    def source(self) -> str | None:
        """The checkout to run; None runs the installed salon package."""
        return SALON_SOURCE.value

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        source = self.source()
        if source is not None:
            # Benchmark another checkout (a branch's worktree) with this environment.
            server = str(Path(source).resolve() / "server")
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [server, env.get("PYTHONPATH")]))
        env["SALON_SECRET"] = self.secret
        database = self.database_url()
        if database is not None:
            env["SALON_DATABASE_URL"] = database
        env.setdefault("SALON_LOG_LEVEL", "warning")
        env.update(BENCH_LIMITS)
        return env

    def ready_path(self) -> str:
        return "/healthz"

    def stop(self) -> None:
        super().stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)
        if self._database is not None:
            _psql(f"DROP DATABASE IF EXISTS {self._database} WITH (FORCE)")
            self._database = None

    def token(self, user: int = 0) -> str:
        """A token minted with the documented CLI (``salon token create``)."""
        if user not in self._tokens:
            result = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "salon",
                    "token",
                    "create",
                    "--user",
                    f"bench-{user}",
                    "--name",
                    f"Bench {user}",
                    "--secret",
                    self.secret,
                ],
                capture_output=True,
                text=True,
                cwd=REPO_DIR,
                env=self.env(),
                check=False,
            )
            if result.returncode != 0:
                raise ServerUnavailable(f"salon token create failed: {result.stderr.strip()}")
            self._tokens[user] = result.stdout.strip()
        return self._tokens[user]

    def create_room(self, title: str, user: int = 0) -> str:
        status, body = http_json(
            "POST",
            self.url + "/api/v1/rooms",
            {"title": title, "visibility": "public"},
            token=self.token(user),
        )
        if status not in (200, 201) or not isinstance(body, dict) or not body.get("ok"):
            raise ServerUnavailable(f"creating a room failed: {status} {body}")
        room_id: str = body["room"]["id"]
        return room_id

    def auth(self, user: int = 0) -> dict[str, str]:
        return {"token": self.token(user)}

    def doc_namespace(self, doc: str) -> str:
        if self._room is None:
            self._room = self.create_room("Benchmark documents")
        return f"/yjs|{self._room}/{doc}"

    def chat_setup(self, rooms: int, users: int) -> tuple[list[str], list[str]]:
        """Create ``rooms`` public rooms (hosts 100..) and tokens for ``users`` members."""
        per_host = 50
        ids = [self.create_room(f"Chat bench {i}", user=100 + i // per_host) for i in range(rooms)]
        return ids, [self.token(u) for u in range(users)]


def _psql(sql: str) -> None:
    assert POSTGRES.value is not None
    result = subprocess.run(
        ["psql", POSTGRES.value, "-v", "ON_ERROR_STOP=1", "-qc", sql],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise ServerUnavailable(f"psql failed ({sql}): {result.stderr.strip()}")


class Baseline(Salon):
    """Salon from the ``--baseline-source`` checkout (e.g. the base commit of a branch), started
    exactly as ``salon`` is, so one run measures a change against what it changed."""

    name = "baseline"

    def source(self) -> str | None:
        if BASELINE_SOURCE.value is None:
            raise ServerUnavailable("the baseline needs --baseline-source DIR")
        return BASELINE_SOURCE.value


SERVERS: dict[str, type[Server]] = {
    "baseline": Baseline,
    "hocuspocus": Hocuspocus,
    "peer": Peer,
    "salon": Salon,
    "y-websocket": YWebsocket,
}
PEERS = ("peer", "hocuspocus", "y-websocket")
