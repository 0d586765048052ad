"""The benchmark harness works end to end: a short run of the Node load generator against the
y-socket.io peer delivers every edit to every receiver, and the report renders.
No timed assertions: latency numbers are printed by ``python -m bench``, never tested."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from bench import machine, report
from bench.loadgen import Fleet, combine, node_modules_present
from bench.run import parse_args, server_names
from bench.servers import (
    BASELINE_SOURCE,
    BENCH_DIR,
    SALON_SOURCE,
    Baseline,
    Hocuspocus,
    Peer,
    Salon,
    Server,
    YWebsocket,
)
from bench.workloads import WORKLOADS, doc_worker, sustained


def require_node_modules() -> None:
    missing = []
    if shutil.which("node") is None:
        missing.append("node is not on PATH")
    if not node_modules_present():
        missing.append("bench/loadgen/node_modules is missing (npm ci in bench/loadgen)")
    if not (BENCH_DIR / "peer" / "node_modules" / "y-socket.io").is_dir():
        missing.append("bench/peer/node_modules is missing (npm ci in bench/peer)")
    if not missing:
        return
    reason = "; ".join(missing)
    if os.environ.get("SALON_REQUIRE_SERVICES") == "1":
        pytest.fail(f"SALON_REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


@pytest.mark.node
async def test_loadgen_delivers_every_edit_against_the_peer(tmp_path: Path) -> None:
    require_node_modules()
    receivers = 20
    with Peer(None, tmp_path) as peer:
        namespace = peer.doc_namespace("harness")
        async with Fleet(None, tmp_path / "loadgen.log") as fleet:
            await fleet.add(
                [
                    doc_worker(peer, namespace, writers=1),
                    doc_worker(peer, namespace, receivers=receivers),
                ],
                within=60,
            )
            reports = await fleet.phase(2.0, 1.0, [50.0, 0.0], server=peer, lead=0.5)
    result = combine(reports, receivers)
    assert result.sent > 0
    assert result.received == result.expected == result.sent * receivers
    assert result.latency.n == result.received
    assert result.dups == 0 and result.disconnects == 0
    summary = result.summary()
    step = {"rate": 50, **summary}
    assert sustained([step]) in (None, 50)  # depends on the machine; only the shape is checked

    results = {
        "conditions": {
            "date": "-", "nproc": 1, "cpu": "-", "python": "-", "node": "-", "os": "-",
            "loadavg_at_start": "-", "packages": {},
        },
        "options": {
            "command": "test", "duration": 2.0, "drain": 1.0, "server_cpus": None,
            "gen_cpus": None, "notes": "",
        },
        "workloads": {
            "1": {"peer": {"status": "ok", "runs": {"100": {"steps": [step], "sustained": None}}}},
            "6": {"salon": {"status": "unavailable", "reason": "not on main"}},
        },
    }  # fmt: skip
    out = tmp_path / "benchmarks.md"
    report.write_markdown(results, out, report.write_chart(results, out.with_suffix(".png")))
    text = out.read_text()
    assert "Document fan-out" in text and "unavailable: not on main" in text


@pytest.mark.node
@pytest.mark.parametrize("server_class", [Peer, Salon])
async def test_the_joins_document_is_seeded_whole_on_both_servers(
    tmp_path: Path, server_class: type[Peer] | type[Salon]
) -> None:
    # The joins workload is only a comparison if both servers hand out the same document:
    # Salon refuses a live edit carrying other Yjs clients' changes, so the trace must arrive
    # through the sync handshake, as a provider's offline content does.
    require_node_modules()
    with server_class(None, tmp_path) as server:
        namespace = server.doc_namespace("seeded")
        async with Fleet(None, tmp_path / "loadgen.log") as fleet:
            await fleet.add([doc_worker(server, namespace, receivers=1)], within=60)
            seeded = await fleet.seed(20_000)
    assert seeded["bytes"] >= 20_000
    assert seeded["stored"] >= 0.9 * seeded["bytes"]


@pytest.mark.node
@pytest.mark.parametrize("server_class", [Hocuspocus, YWebsocket, Salon])
async def test_one_character_edits_on_a_seeded_document_reach_every_receiver(
    tmp_path: Path, server_class: type[Server]
) -> None:
    # Each peer over its own protocol (provider writer and seeder, lean receivers): the seeded
    # document stays whole, and every one-character edit at a random position is timed once.
    require_node_modules()
    if not (BENCH_DIR / getattr(server_class, "directory", "peer") / "node_modules").is_dir():
        pytest.skip(f"npm ci in bench/{getattr(server_class, 'directory', 'peer')}")
    receivers = 10
    with server_class(None, tmp_path) as server:
        namespace = server.doc_namespace("seeded-chars")
        async with Fleet(None, tmp_path / "loadgen.log") as fleet:
            await fleet.add([doc_worker(server, namespace)], within=60)
            seeded = await fleet.seed(20_000)
            await fleet.add(
                [
                    doc_worker(server, namespace, "char", writers=1),
                    doc_worker(server, namespace, "char", receivers=receivers),
                ],
                within=60,
            )
            reports = await fleet.phase(2.0, 1.0, [0.0, 50.0, 0.0], server=server, lead=0.5)
    assert seeded["stored"] >= 0.9 * seeded["bytes"] >= 18_000
    result = combine(reports, receivers)
    assert result.sent > 0
    assert result.received == result.expected
    assert result.dups == 0 and result.disconnects == 0


def fake_checkout(root: Path) -> Path:
    (root / "server" / "salon").mkdir(parents=True)
    (root / "server" / "salon" / "__main__.py").write_text("")
    return root


def test_baseline_source_adds_a_baseline_server_beside_salon(tmp_path: Path) -> None:
    old = str(fake_checkout(tmp_path / "old"))
    assert server_names(parse_args([])) == ["salon", "peer", "hocuspocus", "y-websocket"]
    assert server_names(parse_args(["--baseline-source", old])) == [
        "salon",
        "baseline",
        "peer",
        "hocuspocus",
        "y-websocket",
    ]
    args = parse_args(["--only", "salon", "--only", "baseline", "--baseline-source", old])
    assert server_names(args) == ["salon", "baseline"]
    with pytest.raises(SystemExit):
        parse_args(["--only", "baseline"])  # a baseline needs a checkout to run
    with pytest.raises(SystemExit):
        parse_args(["--baseline-source", str(tmp_path / "not-a-checkout")])
    for _, supported in WORKLOADS.values():
        assert "baseline" in supported if "salon" in supported else "baseline" not in supported


def test_the_baseline_runs_its_checkout_with_salons_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = fake_checkout(tmp_path / "old")
    monkeypatch.setattr(BASELINE_SOURCE, "value", str(old))
    monkeypatch.setattr(SALON_SOURCE, "value", None)
    baseline, salon = Baseline(None, tmp_path), Salon(None, tmp_path)
    try:
        base_env, salon_env = baseline.env(), salon.env()
        assert base_env["PYTHONPATH"].split(os.pathsep)[0] == str(old.resolve() / "server")
        assert salon_env.get("PYTHONPATH") == os.environ.get("PYTHONPATH")
        same = set(base_env) - {"PYTHONPATH", "SALON_SECRET"}
        assert {k: base_env[k] for k in same} == {k: salon_env.get(k) for k in same}

        def shape(server: Salon) -> list[str]:  # the command without its port and data dir
            return [
                a for a in server.command() if a not in (str(server.port), str(server.data_dir))
            ]

        assert shape(baseline) == shape(salon)
    finally:
        baseline.stop()
        salon.stop()
    assert "baseline_source" in machine.conditions(str(tmp_path), str(old))


def fanout_result(sustained_rate: int | None, p50: float, p99: float) -> dict[str, Any]:
    steps = [
        {"rate": 50, "delivered": 1.0, "p50_ms": p50, "p99_ms": p99, "server_cpu": 0.2,
         "gen_cpu_sum": 0.1, "gen_cpu_max": 0.1, "disconnects": 0, "errors": {}},
        {"rate": 1000, "skipped": "a lower rate already saturated the server"},
    ]  # fmt: skip
    return {"status": "ok", "runs": {"100": {"steps": steps, "sustained": sustained_rate}}}


def test_the_report_puts_the_baseline_beside_salon(tmp_path: Path) -> None:
    results = {
        "conditions": {
            "date": "-", "nproc": 1, "cpu": "-", "python": "-", "node": "-", "os": "-",
            "loadavg_at_start": "-", "packages": {}, "salon_source": "/new (abc1234 HEAD)",
            "baseline_source": "/old (fa22ce2)",
        },
        "options": {
            "command": "test", "duration": 2.0, "drain": 1.0, "server_cpus": None,
            "gen_cpus": None, "notes": "",
        },
        "workloads": {
            "1": {"salon": fanout_result(50, 2.0, 8.0), "baseline": fanout_result(50, 4.0, 10.0)},
        },
    }  # fmt: skip
    out = tmp_path / "benchmarks.md"
    report.write_markdown(results, out, None)
    text = out.read_text()
    assert "Summary — Salon beside the baseline" in text
    assert "Summary — Salon beside the peers" not in text  # no peer ran: no empty peer table
    assert "salon beside baseline, 100 receivers" in text
    assert "| 50 | 100.00% / 100.00% | 2.0 | 4.0 | 0.50x | 8.0 | 10.0 | 0.80x |" in text
    assert "salon 50, baseline 50, salon/baseline 1.00x" in text
    assert "Baseline under test: /old (fa22ce2)" in text

    del results["workloads"]["1"]["baseline"], results["conditions"]["baseline_source"]
    report.write_markdown(results, out, None)
    text = out.read_text()
    assert "baseline" not in text.lower() and "Summary — Salon beside the peers" in text
