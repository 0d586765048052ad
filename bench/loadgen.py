"""Driving the Node load generator (bench/loadgen/loadgen.mjs) from asyncio.

A Fleet is a set of worker processes that connect, report ``ready``, then run phases together:
every worker gets the same start time ``t0`` (wall clock, shared by all processes on the host).
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from bench.servers import CLOCK_TICKS
from bench.stats import Histogram, merged

LOADGEN_DIR = Path(__file__).resolve().parent / "loadgen"
LOADGEN_SCRIPT = LOADGEN_DIR / "loadgen.mjs"
RECEIVERS_PER_PROCESS = 250
READ_LIMIT = 64 * 1024 * 1024  # phase reports carry histograms: long lines


class LoadgenError(RuntimeError):
    pass


def node_modules_present() -> bool:
    return (LOADGEN_DIR / "node_modules" / "socket.io-client").is_dir() and (
        LOADGEN_DIR / "node_modules" / "yjs"
    ).is_dir()


def split(total: int, per_process: int = RECEIVERS_PER_PROCESS) -> list[int]:
    """``total`` receivers spread evenly over as few processes as hold ``per_process`` each."""
    if total <= 0:
        return []
    parts = math.ceil(total / per_process)
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine spent busy (all CPUs), from /proc/stat."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return 0.0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / CLOCK_TICKS


def _append(log: Path) -> BinaryIO:
    return log.open("ab")


class Worker:
    def __init__(self, process: asyncio.subprocess.Process, label: str) -> None:
        self.process = process
        self.label = label

    @classmethod
    async def spawn(cls, config: dict[str, Any], cpus: str | None, log: Path) -> Worker:
        command = ["node", str(LOADGEN_SCRIPT), json.dumps(config)]
        if cpus is not None:
            command = ["taskset", "-c", cpus, *command]
        err = _append(log)
        try:
            process = await asyncio.create_subprocess_exec(
                *command,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=err,
                limit=READ_LIMIT,
            )
        finally:
            err.close()
        return cls(process, str(config.get("label", "loadgen")))

    async def send(self, command: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write((json.dumps(command) + "\n").encode())
        await self.process.stdin.drain()

    async def expect(self, event: str, within: float) -> dict[str, Any]:
        assert self.process.stdout is not None
        deadline = time.monotonic() + within
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise LoadgenError(f"{self.label}: no {event!r} within {within:.0f} s")
            try:
                line = await asyncio.wait_for(self.process.stdout.readline(), remaining)
            except TimeoutError:
                continue
            if not line:
                raise LoadgenError(f"{self.label}: exited before {event!r}")
            message: dict[str, Any] = json.loads(line)
            if message.get("event") == "error":
                raise LoadgenError(f"{self.label}: {message.get('message')}")
            if message.get("event") == event:
                return message

    async def close(self) -> None:
        if self.process.returncode is None:
            try:
                await self.send({"cmd": "exit"})
                await asyncio.wait_for(self.process.wait(), 10)
            except (TimeoutError, ConnectionError):
                self.process.kill()
                await self.process.wait()


@dataclass
class PhaseResult:
    """What one phase produced, summed over the fleet."""

    sent: int = 0
    received: int = 0
    expected: int = 0
    dups: int = 0
    disconnects: int = 0
    joins: int = 0
    join_failed: int = 0
    join_bytes: int = 0
    lag_max_ms: float = 0.0
    gen_cpu_max: float = 0.0
    gen_cpu_sum: float = 0.0
    server_cpu: float = 0.0
    machine_cpu: float = 0.0
    errors: dict[str, int] = field(default_factory=dict)
    latency: Histogram = field(default_factory=Histogram)
    join_latency: Histogram = field(default_factory=Histogram)
    # chat:send -> its ack (chat workloads): the ack follows the commit holding the message.
    ack_latency: Histogram = field(default_factory=Histogram)

    @property
    def delivered(self) -> float:
        return self.received / self.expected if self.expected else 0.0

    def summary(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
            "expected": self.expected,
            "received": self.received,
            "delivered": round(self.delivered, 5),
            "p50_ms": self.latency.percentile(50),
            "p99_ms": self.latency.percentile(99),
            "max_ms": self.latency.percentile(100),
            "dups": self.dups,
            "disconnects": self.disconnects,
            "errors": self.errors,
            "writer_lag_max_ms": round(self.lag_max_ms, 1),
            "gen_cpu_max": round(self.gen_cpu_max, 3),
            "gen_cpu_sum": round(self.gen_cpu_sum, 3),
            "server_cpu": round(self.server_cpu, 3),
            # Everything else that ran meanwhile (other processes on a shared machine), in cores.
            "other_cpu": round(max(0.0, self.machine_cpu - self.server_cpu - self.gen_cpu_sum), 3),
            **(
                {
                    "joins": self.joins,
                    "join_failed": self.join_failed,
                    "join_bytes": self.join_bytes,
                    "join_p50_ms": self.join_latency.percentile(50),
                    "join_p99_ms": self.join_latency.percentile(99),
                }
                if self.joins or self.join_failed
                else {}
            ),
            **(
                {
                    "acked": self.ack_latency.n,
                    "ack_p50_ms": self.ack_latency.percentile(50),
                    "ack_p99_ms": self.ack_latency.percentile(99),
                }
                if self.ack_latency.n
                else {}
            ),
        }


class Fleet:
    """Load generator processes sharing one target."""

    def __init__(self, cpus: str | None, log: Path) -> None:
        self.cpus = cpus
        self.log = log
        self.workers: list[Worker] = []
        self.ready: list[dict[str, Any]] = []
        # Edit tokens carry µs since this epoch: one epoch for every worker of the fleet.
        self.epoch = int(time.time() * 1000) - 60_000

    async def add(self, configs: Sequence[dict[str, Any]], within: float = 120.0) -> None:
        """Start workers and wait until each has all its connections synced."""
        new = [
            await Worker.spawn(
                {"epochMs": self.epoch, **c, "label": f"w{len(self.workers) + i}"},
                self.cpus,
                self.log,
            )
            for i, c in enumerate(configs)
        ]
        self.workers.extend(new)
        self.ready.extend(await asyncio.gather(*(w.expect("ready", within) for w in new)))

    async def phase(
        self,
        duration: float,
        drain: float,
        rates: Sequence[float],
        *,
        join_rates: Sequence[float] | None = None,
        join_hold_ms: float = 1000,
        server: Any = None,
        lead: float = 1.0,
    ) -> list[dict[str, Any]]:
        """One timed phase; ``rates[i]`` is the per-writer edit rate of worker i."""
        t0 = time.time() * 1000 + lead * 1000
        for i, worker in enumerate(self.workers):
            await worker.send(
                {
                    "cmd": "phase",
                    "id": f"{t0:.0f}",
                    "t0": t0,
                    "duration": duration,
                    "drain": drain,
                    "rate": rates[i],
                    "joinRate": join_rates[i] if join_rates else 0,
                    "joinHoldMs": join_hold_ms,
                }
            )
        cpu_before = None
        if server is not None:
            await asyncio.sleep(max(0.0, t0 / 1000 - time.time()))
            cpu_before = server.cpu_seconds()
            busy_before = machine_busy_seconds()
            await asyncio.sleep(duration)
            cpu_during = (server.cpu_seconds() - cpu_before) / duration
            busy_during = (machine_busy_seconds() - busy_before) / duration
        timeout = lead + duration + drain + 60
        reports = await asyncio.gather(*(w.expect("phase", timeout) for w in self.workers))
        if cpu_before is not None:
            for report in reports:
                report["server_cpu"] = cpu_during
                report["machine_cpu"] = busy_during
        return list(reports)

    async def seed(self, target_bytes: int, worker: int = 0) -> dict[str, Any]:
        await self.workers[worker].send({"cmd": "seed", "targetBytes": target_bytes})
        return await self.workers[worker].expect("seeded", 300)

    async def close(self) -> None:
        await asyncio.gather(*(w.close() for w in self.workers), return_exceptions=True)
        self.workers.clear()

    async def __aenter__(self) -> Fleet:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


def combine(reports: Sequence[dict[str, Any]], expected_per_sent: int) -> PhaseResult:
    """Sum a phase's reports; ``expected_per_sent``: receipts each sent edit should produce."""
    result = PhaseResult()
    result.sent = sum(r["sent"] for r in reports)
    result.expected = result.sent * expected_per_sent
    result.received = sum(r["received"] for r in reports)
    result.dups = sum(r["dups"] for r in reports)
    result.disconnects = sum(r["disconnects"] for r in reports)
    result.lag_max_ms = max((r["lagMaxMs"] for r in reports), default=0.0)
    result.gen_cpu_max = max((r["cpu"] for r in reports), default=0.0)
    result.gen_cpu_sum = sum(r["cpu"] for r in reports)
    result.server_cpu = max((r.get("server_cpu", 0.0) for r in reports), default=0.0)
    result.machine_cpu = max((r.get("machine_cpu", 0.0) for r in reports), default=0.0)
    result.latency = merged(r["hist"] for r in reports)
    result.join_latency = merged(r["joins"]["hist"] for r in reports)
    result.ack_latency = merged(r.get("acks", []) for r in reports)
    result.joins = sum(r["joins"]["joins"] for r in reports)
    result.join_failed = sum(r["joins"]["failed"] for r in reports)
    result.join_bytes = max((r["joins"]["bytes"] for r in reports), default=0)
    for r in reports:
        for code, n in r.get("errors", {}).items():
            result.errors[code] = result.errors.get(code, 0) + n
    return result
