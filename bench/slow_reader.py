"""The slow-reader check, on demand: one socket stops reading (and keeps answering heartbeats)
while a document fans out 300 MiB; the server's RSS must stay near its start plus
SALON_MAX_OUTGOING_BYTES, the stalled socket must be disconnected (slow_reader) and the honest
reader must get every round.

    python -m bench.slow_reader                      (300 MiB, the default 32 MiB bound)
    python -m bench.slow_reader --mib 300 --max-outgoing-bytes 0   (unbounded, for contrast)

Figures in docs/security.md ("Slow readers"). tests/realtime/test_slow_reader.py is the CI
version (64 MiB, 1 MiB bound).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import tempfile
import time
from pathlib import Path

import httpx

from salon_client.document import DocumentClient
from tests.documents.helpers import Api
from tests.support.clients import user_id
from tests.support.fanout import StalledReader, fan_out, rss_bytes
from tests.support.servers import ServerProcess

MiB = 1024 * 1024


def metric(server: ServerProcess, name: str) -> float:
    match = re.search(rf"^{name} (\S+)$", httpx.get(f"{server.url}/metrics").text, re.M)
    return float(match.group(1)) if match else float("nan")


async def sample_peak(pid: int, peak: list[int]) -> None:
    while True:
        peak[0] = max(peak[0], rss_bytes(pid))
        await asyncio.sleep(0.05)


async def run(server: ServerProcess, mib: int, chunk: int) -> dict[str, float]:
    assert server.proc is not None
    pid = server.proc.pid
    host = Api(server, user_id("host"))
    room = host.create_room()
    bob, carol = user_id("bob"), user_id("carol")
    host.grant(room, bob, "participant")
    host.grant(room, carol, "viewer")
    editor = await DocumentClient(server.url, room, "notes", token=host.token).connect()
    reader = await DocumentClient(server.url, room, "notes", token=server.token(bob)).connect()
    stalled = await StalledReader.open(
        server.port, f"/yjs|{room}/notes", server.token(carol), heartbeats=1
    )
    try:
        await fan_out(editor, [reader], 8 * MiB, chunk)  # warm-up
        before = rss_bytes(pid)
        peak = [before]
        sampler = asyncio.create_task(sample_peak(pid, peak))
        started = time.perf_counter()
        rounds = await fan_out(editor, [reader], mib * MiB, chunk, within=120)
        elapsed = time.perf_counter() - started
        sampler.cancel()
        return {
            "fanned_out_mib": rounds * chunk / MiB,
            "seconds": elapsed,
            "rss_before_mib": before / MiB,
            "rss_peak_mib": peak[0] / MiB,
            "rss_after_mib": rss_bytes(pid) / MiB,
            "slow_reader_disconnects": metric(server, "salon_ws_slow_reader_disconnects"),
            "honest_reader_connected": float(reader.sio.connected),
        }
    finally:
        await stalled.close()
        await editor.close()
        await reader.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mib", type=int, default=300, help="MiB fanned out (default 300)")
    parser.add_argument("--chunk", type=int, default=500_000, help="characters per insert")
    parser.add_argument(
        "--max-outgoing-bytes", type=int, default=32 * MiB, help="SALON_MAX_OUTGOING_BYTES"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = ServerProcess(Path(tmp), max_outgoing_bytes=args.max_outgoing_bytes)
        with server.running():
            result = asyncio.run(run(server, args.mib, args.chunk))
    print(f"max_outgoing_bytes={args.max_outgoing_bytes}")
    for key, value in result.items():
        print(f"{key:26} {value:10.1f}")
    grown = result["rss_peak_mib"] - result["rss_before_mib"]
    bounded = args.max_outgoing_bytes and grown < args.max_outgoing_bytes / MiB + 64
    ok = bool(bounded and result["honest_reader_connected"])
    print("PASS" if ok else "FAIL", f"(peak RSS grew by {grown:.1f} MiB)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
