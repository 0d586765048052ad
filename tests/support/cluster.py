"""Several Salon nodes on one PostgreSQL database and a private Redis, plus a switchable
TCP proxy standing in for the load balancer."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import redis

from tests.support.servers import ServerProcess, free_port
from tests.support.services import postgres_database, require, require_service


class RedisProcess:
    """A private redis-server, so tests may stop and restart it without disturbing others."""

    def __init__(self) -> None:
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(redis.ConnectionError):
                if redis.Redis(port=self.port).ping():
                    return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None


@contextmanager
def cluster(
    tmp: Path,
    nodes: int = 2,
    per_node: dict[int, dict[str, object]] | None = None,
    database_url: str | None = None,
    **settings: object,
) -> Iterator[tuple[list[ServerProcess], RedisProcess]]:
    """``per_node`` overrides settings of single nodes (by index); ``database_url`` is an
    empty database the test owns (default: a fresh one on the shared PostgreSQL)."""
    if database_url is None:
        require_service("postgres")
    require(shutil.which("redis-server") is not None, "redis-server is not installed")
    with ExitStack() as stack:
        url = database_url or stack.enter_context(postgres_database())
        subprocess.run(
            [sys.executable, "-m", "salon", "db", "upgrade", "--database-url", url],
            check=True,
            capture_output=True,
        )
        broker = RedisProcess()
        broker.start()
        stack.callback(broker.stop)
        servers = []
        for i in range(nodes):
            node = ServerProcess(
                tmp / f"node{i}",
                database_url=url,
                auto_migrate=False,
                redis_url=broker.url,
                node_id=f"node{i}",
                **{**settings, **(per_node or {}).get(i, {})},
            )
            node.start()
            stack.callback(node.stop)
            servers.append(node)
        yield servers, broker


class Proxy:
    """Forwards TCP connections to whichever backend port is current (a load balancer)."""

    def __init__(self, target: int) -> None:
        self.port = free_port()
        self.target = target
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.refusing = False  # an outage: new connections are closed at once
        self._open: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Proxy:
        self._thread.start()
        self._ready.wait(5)
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", self.port)
        )
        self._ready.set()
        self._loop.run_forever()
        server.close()

    def outage(self, on: bool) -> None:
        """Start (cut every open connection, refuse new ones) or end an outage."""
        self.refusing = on
        if on:
            self._loop.call_soon_threadsafe(self._cut)

    def _cut(self) -> None:
        for writer in list(self._open):
            writer.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.refusing:
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target)
        except OSError:
            writer.close()
            return

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(Exception):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            with contextlib.suppress(Exception):
                dst.close()

        self._open.update((writer, up_writer))
        try:
            await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        finally:
            self._open.difference_update((writer, up_writer))


DOCKER = Path(__file__).resolve().parents[2] / "docker"
REPLICAS = "server salon:8000 resolve max_fails=1 fail_timeout=5s;"


@contextmanager
def nginx_balancer(tmp: Path, nodes: list[ServerProcess]) -> Iterator[str]:
    """docker/nginx.conf, for real, in front of ``nodes``; yields its URL. Docker's DNS finds
    the replicas in production; here the nodes are listed instead."""
    require(shutil.which("nginx") is not None, "nginx is not installed")
    port = free_port()
    conf = (DOCKER / "nginx.conf").read_text()
    assert REPLICAS in conf
    servers = " ".join(f"server 127.0.0.1:{n.port} max_fails=1 fail_timeout=5s;" for n in nodes)
    conf = conf.replace(REPLICAS, servers)
    conf = conf.replace("listen 8080;", f"listen 127.0.0.1:{port};")
    conf = conf.replace(
        "worker_processes auto;",
        f"worker_processes 1;\npid {tmp}/nginx.pid;\nerror_log {tmp}/error.log;\ndaemon off;",
    )
    conf = conf.replace(
        "http {",
        f"http {{\n  access_log off;\n  client_body_temp_path {tmp};\n  proxy_temp_path {tmp};",
    )
    (tmp / "nginx.conf").write_text(conf)
    proc = subprocess.Popen(
        ["nginx", "-c", str(tmp / "nginx.conf"), "-p", str(tmp)], stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)
