"""The docker/ deployment, checked as far as a machine without a Docker engine allows:
the compose file validates, the image's install step yields a package that serves, and the
nginx balancer configuration really routes WebSocket traffic to the nodes."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import httpx
import yaml

from salon_client import SalonClient
from tests.support.clients import new_room, user_id
from tests.support.cluster import cluster, nginx_balancer
from tests.support.servers import SECRET, free_port
from tests.support.services import require

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"


def compose_command() -> list[str] | None:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    probe = subprocess.run(["docker", "compose", "version"], capture_output=True)
    return ["docker", "compose"] if shutil.which("docker") and probe.returncode == 0 else None


def test_compose_file_is_valid_and_complete() -> None:
    spec = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    services = spec["services"]
    nodes = [
        name
        for name, svc in services.items()
        if svc.get("image") == "salon:latest" and "db" not in svc.get("command", [])
    ]
    # One node service, scaled with `docker compose up --scale salon=N`: no fixed node ids.
    assert nodes == ["salon"]
    assert {"postgres", "redis", "balancer", "migrate"} <= set(services)
    assert services["balancer"]["depends_on"]["salon"]["condition"] == "service_healthy"
    command = compose_command()
    require(
        command is not None, "neither docker-compose nor the docker compose plugin is installed"
    )
    assert command is not None
    env = {**os.environ, "SALON_SECRET": "s" * 48}
    result = subprocess.run(
        [*command, "-f", str(DOCKER / "compose.yaml"), "config"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    rendered = yaml.safe_load(result.stdout)["services"]
    for name in nodes:
        node_env = rendered[name]["environment"]
        assert "SALON_NODE_ID" not in node_env
        assert node_env["SALON_REDIS_PREFIX"] == "salon"
        # The balancer's network is trusted for X-Forwarded-For, and only it.
        subnet = rendered_networks(result.stdout)
        assert json.loads(node_env["SALON_TRUSTED_PROXIES"]) == [subnet]
        grace = _seconds(rendered[name]["stop_grace_period"])
        assert grace > float(node_env["SALON_SHUTDOWN_GRACE"])
        assert node_env["SALON_SECRET"] == "s" * 48
        assert node_env["SALON_REDIS_URL"].startswith("redis://")
        assert node_env["SALON_DATABASE_URL"].startswith("postgresql+asyncpg://")


def rendered_networks(rendered: str) -> str:
    networks = yaml.safe_load(rendered)["networks"]
    return str(networks["salon"]["ipam"]["config"][0]["subnet"])


def _seconds(duration: str | int | float) -> float:
    """Compose durations: "30s", "1m30s" or seconds."""
    if isinstance(duration, int | float):
        return float(duration)
    total, number = 0.0, ""
    for ch in str(duration):
        if ch.isdigit() or ch == ".":
            number += ch
        else:
            total += float(number) * {"h": 3600, "m": 60, "s": 1}[ch]
            number = ""
    return total + (float(number) if number else 0.0)


def test_dockerfile_runs_as_non_root_with_a_healthcheck() -> None:
    text = (DOCKER / "Dockerfile").read_text()
    assert re.search(r"^USER salon$", text, re.M)
    assert "HEALTHCHECK" in text and "/readyz" in text
    assert "pip install -c constraints.txt ." in text  # the versions the fast path was tested on


def test_installed_package_serves_like_the_image(tmp_path: Path) -> None:
    """The image runs `pip install .`: build that wheel, install it apart from the source
    tree, and start it — migrations and shipped assets must come with it."""
    wheel_dir = tmp_path / "wheel"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheel_dir), str(ROOT)],
        check=True,
        capture_output=True,
    )
    wheel = next(wheel_dir.glob("salon-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.startswith("salon/store/migrations/versions/0001") for n in names)
    assert "salon/py.typed" in names and "salon_client/client.py" in names
    site = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    port = free_port()
    deps = [p for p in sys.path if p.endswith("site-packages")]
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": os.pathsep.join([str(site), *deps]),
        "SALON_SECRET": SECRET,
        "SALON_DATA_DIR": str(tmp_path / "data"),
        "SALON_PORT": str(port),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "salon", "serve"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise AssertionError("the installed package did not become ready")
        out = subprocess.run(
            [sys.executable, "-c", "import salon; print(salon.__file__)"],
            env=env,
            capture_output=True,
            text=True,
            cwd=tmp_path,
        ).stdout
        assert out.startswith(str(site))
    finally:
        proc.terminate()
        proc.wait(10)


async def test_nginx_balancer_routes_websockets_to_the_nodes(tmp_path: Path) -> None:
    with cluster(tmp_path, nodes=2) as (nodes, _), nginx_balancer(tmp_path, nodes) as url:
        for _ in range(100):
            try:
                if httpx.get(url + "/readyz").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        alice, bob = user_id("alice"), user_id("bob")
        a = SalonClient(url, token=nodes[0].token(alice))
        b = SalonClient(nodes[1].url, token=nodes[1].token(bob))
        await a.connect()
        await b.connect()
        try:
            room = await new_room(a)
            await a.join(room)
            await b.join(room)
            await b.send_chat(room, "through the balancer")
            got = await a.wait_for("chat:message", include_past=True)
            assert got["body"] == "through the balancer"
            assert a.sio.transport() == "websocket"
        finally:
            await a.close()
            await b.close()
