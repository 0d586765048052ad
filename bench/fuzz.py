"""The fuzz campaign: hostile REST requests, Socket.IO events and Yjs updates/awareness against
one real server while two honest npm y-socket.io clients keep typing into the attacked
document; at the end they must have converged with each other and with the server.

    python -m bench.fuzz --inputs 100000            (make fuzz; figures in docs/security.md)

Fails (exit 1) on any process crash, any 5xx, any ``internal`` ack, any traceback in the
server log, or honest clients that do not converge. tests/app/test_fuzz_campaign.py runs a
short version in CI. Targets come from the authorization matrix in docs/security.md, so a new
event or endpoint is fuzzed as soon as it is documented.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import socketio

from tests.documents.fuzzing import awareness_garbage, hostile_updates, mutate
from tests.support.clients import user_id
from tests.support.servers import ServerProcess

ROOT = Path(__file__).resolve().parent.parent
HONEST = ROOT / "bench" / "peer" / "honest-clients.mjs"
MATRIX_ROW = re.compile(r"^\| `([^`]+)` \|", re.MULTILINE)
WEIRD_IDS = ["", "0", "-1", str(2**63), str(2**64), "x" * 300, "é\u0000", "../..", "%00", "null"]
WEIRD_VALUES: list[Any] = [
    None, True, -1, 0, 2**31, 2**63, -(2**63) - 1, 1e308, 3.5, "", "x" * 5000, "\u202e\ud7ff",
    [], {}, [[[[[]]]]], {"$gt": ""}, "<script>", "' OR 1=1 --",
]  # fmt: skip


@dataclass
class Tally:
    inputs: Counter[str] = field(default_factory=Counter)
    codes: Counter[str] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)


def targets() -> tuple[list[tuple[str, str]], list[str]]:
    """(method, path) of every REST endpoint and every Socket.IO event in the matrix."""
    rest, events = [], []
    for name in MATRIX_ROW.findall((ROOT / "docs" / "security.md").read_text()):
        name = name.split(" (")[0]
        method, _, path = name.partition(" ")
        if path.startswith("/"):
            rest.append((method, path))
        elif name not in events:
            events.append(name)
    return rest, events


def value(rng: random.Random, known: dict[str, str], depth: int = 0) -> Any:
    roll = rng.random()
    if roll < 0.3:
        return rng.choice(WEIRD_VALUES)
    if roll < 0.5:
        return rng.choice(list(known.values()))
    if roll < 0.6 and depth < 3:
        return [value(rng, known, depth + 1) for _ in range(rng.randint(0, 3))]
    if roll < 0.7 and depth < 3:
        return payload(rng, known, depth + 1)
    if roll < 0.85:
        return rng.randint(-(2**70), 2**70)
    return "".join(chr(rng.randint(1, 0x2FFF)) for _ in range(rng.randint(0, 30)))


# Names python-socketio's server treats as its own: no ack comes back.
UNANSWERED = {"connect", "disconnect", "connect_error", ""}
FIELDS = ["room_id", "body", "client_id", "message_id", "question_id", "session_id", "name",
          "title", "role", "visibility", "before", "after", "limit", "chat_after", "on", "q",
          "emoji", "tags", "offset", "speed", "replay_id", "answer_id", "into", "ids"]  # fmt: skip


def payload(rng: random.Random, known: dict[str, str], depth: int = 0) -> dict[str, Any]:
    keys = rng.sample(FIELDS, rng.randint(0, 5))
    if rng.random() < 0.6:
        keys.append("room_id")
    return {k: (known["room_id"] if k == "room_id" and rng.random() < 0.7 else
                value(rng, known, depth + 1)) for k in keys}  # fmt: skip


def fill(path: str, rng: random.Random, known: dict[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in known and rng.random() < 0.6:
            return known[name]
        return urllib.parse.quote(rng.choice(WEIRD_IDS), safe="") or "x"

    return re.sub(r"\{(\w+)\}", one, path)


async def fuzz_rest(server: ServerProcess, token: str, known: dict[str, str], count: int,
                    seed: int, tally: Tally) -> None:  # fmt: skip
    rng = random.Random(seed)
    rest, _ = targets()
    headers = {"authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=server.url, headers=headers, timeout=30) as http:

        async def one() -> None:
            method, path = rng.choice(rest)
            url = fill(path, rng, known)
            query = {k: str(value(rng, known)) for k in rng.sample(FIELDS, rng.randint(0, 2))}
            body: Any = payload(rng, known) if rng.random() < 0.8 else value(rng, known)
            content = json.dumps(body) if rng.random() < 0.9 else mutate(rng, b'{"a": 1}')
            tally.inputs["rest"] += 1
            try:
                r = await http.request(method, url, params=query, content=content)
            except httpx.HTTPError as exc:  # the request could not even be sent: ours
                tally.codes[f"client:{type(exc).__name__}"] += 1
                return
            if r.status_code >= 500:
                tally.server_errors.append(f"{method} {url} -> {r.status_code} {r.text[:200]}")

        for _ in range(0, count, 20):
            await asyncio.gather(*(one() for _ in range(20)))


async def fuzz_events(server: ServerProcess, token: str, known: dict[str, str], count: int,
                      seed: int, tally: Tally) -> None:  # fmt: skip
    rng = random.Random(seed)
    _, events = targets()
    names = [*events, "nope", "x" * 200, "connect", "disconnect", ""]
    sio = await _reconnected(server, token, tally)
    try:

        async def one() -> None:
            event = rng.choice(names)
            data = payload(rng, known) if rng.random() < 0.85 else value(rng, known)
            tally.inputs["events"] += 1
            try:
                if event in UNANSWERED:
                    await sio.emit(event, data)
                    return
                ack = await sio.call(event, data, timeout=5)
            except (socketio.exceptions.TimeoutError, socketio.exceptions.BadNamespaceError):
                tally.codes["no answer"] += 1
                return
            code = ack.get("error", {}).get("code") if isinstance(ack, dict) else None
            tally.codes[str(code)] += 1
            if code == "internal":
                tally.server_errors.append(f"{event} {str(data)[:200]} -> internal")
            elif code == "unauthenticated":
                lost.set()  # the server dropped this socket's session: start a new one

        lost = asyncio.Event()
        for _ in range(0, count, 20):
            if lost.is_set() or not sio.connected:
                await sio.disconnect()
                sio = await _reconnected(server, token, tally)
                lost.clear()
            await asyncio.gather(*(one() for _ in range(20)))
    finally:
        await sio.disconnect()


async def _reconnected(server: ServerProcess, token: str, tally: Tally) -> socketio.AsyncClient:
    """A fresh "/" client (the server may refuse a few in a row while the old one closes)."""
    for attempt in range(20):
        sio = socketio.AsyncClient(reconnection=True, reconnection_delay=0.1)
        try:
            await sio.connect(
                server.url, auth={"token": token}, transports=["websocket"], wait_timeout=10
            )
            return sio
        except socketio.exceptions.ConnectionError as exc:
            tally.codes[f"reconnect refused: {str(exc)[:60]}"] += 1
            await asyncio.sleep(0.1 * (attempt + 1))
    raise SystemExit("the attacker could not reconnect on /")


async def fuzz_documents(server: ServerProcess, token: str, room: str, count: int, seed: int,
                         tally: Tally) -> None:  # fmt: skip
    rng = random.Random(seed)
    namespace = f"/yjs|{room}/notes"
    updates = hostile_updates(seed, count)
    sio = socketio.AsyncClient(reconnection=True, reconnection_delay=0.1)
    sio.on("sync-step-1", lambda sv: b"\x00\x00", namespace=namespace)
    await sio.connect(server.url, namespaces=[namespace], auth={"token": token},
                      transports=["websocket"], wait_timeout=10)  # fmt: skip
    try:
        for i in range(count):
            while namespace not in sio.namespaces:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
            roll = rng.random()
            if roll < 0.6:
                event, data = "sync-update", next(updates)
            elif roll < 0.9:
                event, data = "awareness-update", awareness_garbage(rng)
            elif roll < 0.97:
                event, data = "sync-step-1", mutate(rng, b"\x01\x05\x03")
            else:
                event, data = (
                    rng.choice(["sync-update", "awareness-update"]),
                    value(rng, {"room_id": room}),
                )
            tally.inputs["yjs"] += 1
            try:
                await sio.emit(event, data, namespace=namespace)
            except socketio.exceptions.BadNamespaceError:
                continue
            if i % 100 == 99:
                await asyncio.sleep(0.01)  # let the server and the honest clients breathe
    finally:
        await sio.disconnect()


async def campaign(inputs: int, seed: int, data_dir: Path) -> dict[str, Any]:
    server = ServerProcess(
        data_dir, event_rate=1e6, event_burst=1_000_000, doc_event_rate=1e6,
        doc_event_burst=1_000_000, chat_rate=1e6, chat_burst=1_000_000,
        doc_state_rate=1e6, doc_state_burst=1_000_000, log_level="warning",
    )  # fmt: skip
    server.start()
    try:
        return await _attack(server, inputs, seed)
    finally:
        alive = server.proc is not None and server.proc.poll() is None
        server.stop()
        if not alive:
            raise SystemExit("the server process died during the campaign")


async def _attack(server: ServerProcess, inputs: int, seed: int) -> dict[str, Any]:
    host, editor, attacker = user_id("host"), user_id("editor"), user_id("attacker")
    with server.http(host) as http:
        room = http.post("/api/v1/rooms", json={"title": "fuzz", "visibility": "public"})
        room_id = room.json()["room"]["id"]
        http.post(f"/api/v1/rooms/{room_id}/documents", json={"name": "scratch"})
    known = {"room_id": room_id, "name": "scratch", "user_id": attacker}
    honest = subprocess.Popen(  # noqa: ASYNC220 (a long-lived child, read line by line)
        ["node", str(HONEST), server.url, room_id, "notes"],
        env={**os.environ, "TOKENS": json.dumps([server.token(host), server.token(editor)])},
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=HONEST.parent,
    )  # fmt: skip
    try:
        return await _run(server, honest, host, room_id, known, inputs, seed)
    finally:
        if honest.poll() is None:
            honest.kill()


async def _run(server: ServerProcess, honest: subprocess.Popen[str], host: str, room_id: str,
               known: dict[str, str], inputs: int, seed: int) -> dict[str, Any]:  # fmt: skip
    attacker = known["user_id"]
    assert honest.stdin is not None and honest.stdout is not None
    line = await asyncio.to_thread(honest.stdout.readline)
    if '"synced"' not in line:
        raise SystemExit(f"honest clients did not sync: {line}")
    tally = Tally()
    started = time.monotonic()
    token = server.token(attacker)
    await asyncio.gather(
        fuzz_rest(server, token, known, inputs // 5, seed, tally),
        fuzz_events(server, token, known, inputs * 2 // 5, seed + 1, tally),
        fuzz_documents(server, token, room_id, inputs * 2 // 5, seed + 2, tally),
    )
    elapsed = time.monotonic() - started
    honest.stdin.write("stop\n")
    honest.stdin.flush()
    result = json.loads(await asyncio.to_thread(honest.stdout.readline) or "{}")
    honest.wait(30)
    with server.http(host) as http:
        stored = http.get(f"/api/v1/rooms/{room_id}/documents/notes/content").text
    log = server.log()
    tracebacks = log.count("Traceback")
    excerpts = [log[i : i + 1500] for i in _find_all(log, "Traceback")][:3]
    return {
        "inputs": dict(tally.inputs),
        "total": sum(tally.inputs.values()),
        "seconds": round(elapsed, 1),
        "ack_codes": dict(tally.codes.most_common()),
        "server_errors": tally.server_errors[:20],
        "server_error_count": len(tally.server_errors),
        "tracebacks": tracebacks,
        "traceback_excerpts": excerpts,
        "honest": {k: v for k, v in result.items() if k != "text"},
        "converged": result.get("event") == "converged" and result.get("text") == stored,
        "document_chars": len(stored),
    }


def _find_all(text: str, needle: str) -> list[int]:
    found, at = [], text.find(needle)
    while at >= 0:
        found.append(max(0, at - 300))
        at = text.find(needle, at + 1)
    return found


def ok(report: dict[str, Any]) -> bool:
    return report["server_error_count"] == 0 and report["tracebacks"] == 0 and report["converged"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inputs", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        report = asyncio.run(campaign(args.inputs, args.seed, Path(tmp)))
    print(json.dumps(report, indent=2))
    sys.exit(0 if ok(report) else 1)


if __name__ == "__main__":
    main()
