"""Soak: mixed load on one Salon node for a long time, to show memory and latency stay flat.

    python -m bench.soak [--minutes 30] [--chatters 20] [--editors 5] [--sample 30]

Load (all through the real protocols, clients in this process): chatters each send one chat
message a second; every tenth message is a question instead, and chatters upvote the latest
questions; an expert answers; editors type two keystrokes a second into shared documents; one
client leaves and rejoins every few seconds. Every ``--sample`` seconds it prints the server's
RSS, open connections and the p50/p99 of chat acknowledgements in that window, then compares
the first and the last fifth of the run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from salon.core.auth import mint_token
from salon_client import SalonClient
from salon_client.document import DocumentClient

SECRET = "soak-secret-" * 4


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def start_server(port: int, data_dir: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "SALON_SECRET": SECRET,
        "SALON_PORT": str(port),
        "SALON_LOG_LEVEL": "warning",
        "SALON_CONNECT_RATE": "1000",
        "SALON_CHAT_RATE": "20",
        "SALON_CHAT_BURST": "40",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "salon", "serve", "--data-dir", str(data_dir)], env=env
    )
    for _ in range(200):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


class Soak:
    def __init__(self, url: str, room: str, session: str) -> None:
        self.url, self.room, self.session = url, room, session
        self.latencies: list[float] = []
        self.errors = 0
        self.stop = asyncio.Event()
        self.questions: list[int] = []

    def client(self, user: str) -> SalonClient:
        return SalonClient(self.url, token=mint_token(SECRET, user, user.title()))

    async def chatter(self, n: int) -> None:
        c = self.client(f"chatter{n}")
        await c.connect()
        await c.join(self.room)
        rng = random.Random(n)
        i = 0
        while not self.stop.is_set():
            await asyncio.sleep(rng.uniform(0.5, 1.5))
            t0 = time.perf_counter()
            try:
                if i % 10 == 9:
                    q = await c.ask(self.room, f"question {n}.{i}?")
                    self.questions.append(int(q["id"]))
                elif i % 10 == 5 and self.questions:
                    await c.vote(rng.choice(self.questions[-20:]))
                else:
                    await c.send_chat(self.room, f"message {n}.{i}")
                    self.latencies.append((time.perf_counter() - t0) * 1000)
            except Exception:
                self.errors += 1
            i += 1
        await c.close()

    async def expert(self) -> None:
        c = self.client("expert")
        await c.connect()
        await c.join(self.room)
        while not self.stop.is_set():
            await asyncio.sleep(3)
            if self.questions:
                try:
                    await c.answer(self.questions[-1], "an answer")
                except Exception:
                    self.errors += 1
        await c.close()

    async def editor(self, n: int) -> None:
        doc = DocumentClient(
            self.url,
            self.room,
            f"doc{n % 2}",
            token=mint_token(SECRET, f"editor{n}", f"Editor {n}"),
        )
        await doc.connect()
        while not self.stop.is_set():
            await asyncio.sleep(0.5)
            with doc.doc.transaction():
                text = doc.text()
                if len(text) > 4000:
                    del text[0:100]
                text.insert(len(text), "x")
        await doc.close()

    async def churn(self) -> None:
        while not self.stop.is_set():
            c = self.client("visitor")
            await c.connect()
            await c.join(self.room)
            await asyncio.sleep(2)
            await c.close()

    def window(self) -> tuple[float, float, int]:
        taken, self.latencies = self.latencies, []
        if not taken:
            return 0.0, 0.0, 0
        taken.sort()
        return statistics.median(taken), taken[int(len(taken) * 0.99) - 1], len(taken)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--chatters", type=int, default=20)
    parser.add_argument("--editors", type=int, default=5)
    parser.add_argument("--sample", type=float, default=30)
    args = parser.parse_args()
    port = 18800 + os.getpid() % 100
    proc = start_server(port, Path(tempfile.mkdtemp(prefix="salon-soak-")))
    url = f"http://127.0.0.1:{port}"
    host = SalonClient(url, token=mint_token(SECRET, "host", "Host"))
    await host.connect()
    room = (await host.create_room("Soak"))["id"]
    await host.set_role(room, "expert", "expert")
    session = await host.schedule_session(room, "Soak")
    await host.start_session(session["id"])
    soak = Soak(url, room, session["id"])
    tasks = [asyncio.create_task(soak.chatter(n)) for n in range(args.chatters)]
    tasks += [asyncio.create_task(soak.editor(n)) for n in range(args.editors)]
    tasks += [asyncio.create_task(soak.expert()), asyncio.create_task(soak.churn())]
    print(
        f"soak: {args.minutes} min, {args.chatters} chatters, {args.editors} editors, "
        f"1 expert, join/leave churn; machine {platform.machine()}, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f} at the start"
    )
    print(f"{'min':>6} {'RSS MiB':>8} {'conns':>6} {'chat p50':>9} {'chat p99':>9} {'acks':>6}")
    rows = []
    start = time.monotonic()
    while time.monotonic() - start < args.minutes * 60:
        await asyncio.sleep(args.sample)
        p50, p99, count = soak.window()
        async with httpx.AsyncClient() as http:
            metrics = (await http.get(url + "/metrics")).text
        conns = metrics.split("\nsalon_connections ")[1].split()[0]
        row = (
            (time.monotonic() - start) / 60,
            rss_kib(proc.pid) / 1024,
            float(conns),
            p50,
            p99,
            count,
        )
        rows.append(row)
        print(
            f"{row[0]:6.1f} {row[1]:8.1f} {row[2]:6.0f} {row[3]:8.1f}ms {row[4]:8.1f}ms "
            f"{row[5]:6d}",
            flush=True,
        )
    soak.stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    await host.close()
    proc.terminate()
    proc.wait(20)
    fifth = max(1, len(rows) // 5)
    head, tail = rows[:fifth], rows[-fifth:]

    def mean(rs: list[tuple[float, ...]], i: int) -> float:
        return statistics.mean(r[i] for r in rs)

    print(
        f"first fifth: RSS {mean(head, 1):.1f} MiB, chat p99 {mean(head, 4):.1f} ms; "
        f"last fifth: RSS {mean(tail, 1):.1f} MiB, chat p99 {mean(tail, 4):.1f} ms; "
        f"errors {soak.errors}"
    )


if __name__ == "__main__":
    asyncio.run(main())
