"""X-Forwarded-For counts only from configured proxies (SALON_TRUSTED_PROXIES): by default a
client cannot name its own address to escape the per-address connection limit or a ban."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import socketio

from salon.core.config import Settings
from tests.support.servers import ServerProcess

BURST = 3


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Any]:
    started: list[ServerProcess] = []

    def make(**settings: Any) -> ServerProcess:
        proc = ServerProcess(
            tmp_path / f"d{len(started)}", connect_rate=0.001, connect_burst=BURST, **settings
        )
        proc.start()
        started.append(proc)
        return proc

    yield make
    for proc in started:
        proc.stop()


async def attempt(server: ServerProcess, forwarded_for: str) -> str:
    """One connection claiming to come from ``forwarded_for``: "ok" or the refusal's code."""
    refusals: list[Any] = []
    sio = socketio.AsyncClient(reconnection=False)
    sio.on("connect_error", refusals.append)
    try:
        await sio.connect(
            server.url,
            auth={"token": server.token("spoofer"), "protocol": 1},
            headers={"X-Forwarded-For": forwarded_for},
            transports=["websocket"],
            wait_timeout=5,
        )
    except socketio.exceptions.ConnectionError:
        data = refusals[0].get("data") if refusals and isinstance(refusals[0], dict) else None
        return str((data or {}).get("code", "connect_failed"))
    finally:
        await sio.disconnect()
    return "ok"


async def test_by_default_the_header_is_ignored(start: Any) -> None:
    server = start()
    outcomes = [await attempt(server, f"203.0.113.{n}") for n in range(BURST + 12)]
    # Every attempt counted against 127.0.0.1, whatever address it claimed.
    assert outcomes[:BURST] == ["ok"] * BURST
    assert set(outcomes[BURST:]) == {"rate_limited"}


async def test_a_trusted_proxy_s_header_names_the_client(start: Any) -> None:
    server = start(trusted_proxies='["127.0.0.1"]')
    distinct = [await attempt(server, f"198.51.100.7, 203.0.113.{n}") for n in range(BURST + 3)]
    assert distinct == ["ok"] * (BURST + 3)  # each claimed client has its own allowance
    same = [await attempt(server, "203.0.113.200") for _ in range(BURST + 2)]
    assert same[:BURST] == ["ok"] * BURST and same[BURST:] == ["rate_limited"] * 2


def test_the_setting_takes_addresses_and_networks_only() -> None:
    assert Settings(trusted_proxies=["10.0.0.0/8", "::1", "*"]).trusted_proxies
    with pytest.raises(ValueError):
        Settings(trusted_proxies=["proxy.example"])
