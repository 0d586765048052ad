"""Printing results (rich) and writing docs/benchmarks.md with its chart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.cells import ms as _ms
from bench.cells import num as _num
from bench.cells import pct as _pct
from bench.cells import ratio as _ratio
from bench.comparison import BASELINE, baseline_sections
from bench.servers import BENCH_LIMITS, PEERS
from bench.workloads import LATENCY_TARGET_MS, TITLES

SERVERS = ("salon", *PEERS)
# The peer the targets are stated against (salon/<this> ratios in the summary).
REFERENCE = "hocuspocus"


def step_rows(steps: list[dict[str, Any]]) -> list[list[str]]:
    rows = []
    for s in steps:
        if "skipped" in s:
            rows.append([str(s["rate"]), "skipped (server saturated at a lower rate)"] + [""] * 6)
            continue
        rows.append(
            [
                str(s.get("total_rate", s["rate"])),
                f"{s['delivered']:.2%}",
                _ms(s["p50_ms"]),
                _ms(s["p99_ms"]),
                _pct(s["server_cpu"]),
                f"{_pct(s['gen_cpu_sum'])} (max {_pct(s['gen_cpu_max'])})",
                _pct(s.get("other_cpu")),
                f"{s['disconnects']} / {sum(s['errors'].values())}",
                _num(cpu_per_edit(s)),
            ]
        )
    return rows


def cpu_per_edit(step: dict[str, Any]) -> float | None:
    """Server CPU µs per edit sent during the step (cores / edits per second)."""
    rate = step.get("total_rate", step.get("rate"))
    if not rate or step.get("server_cpu") is None:
        return None
    return round(step["server_cpu"] / rate * 1e6)


STEP_HEADER = [
    "edits/s",
    "delivered",
    "p50 ms",
    "p99 ms",
    "server CPU",
    "generator CPU",
    "other CPU",
    "disconnects / errors",
    "server CPU µs/edit",
]


def sections(results: dict[str, Any]) -> list[tuple[str, list[str], list[list[str]], str]]:
    """(title, header, rows, note) for every table of the report."""
    out = []
    for key, per_server in results["workloads"].items():
        number = int(key)
        title = f"{number}. {TITLES[number]}"
        for name, result in per_server.items():
            if result["status"] != "ok":
                out.append(
                    (
                        f"{title} — {name}",
                        ["status"],
                        [[f"{result['status']}: {result['reason']}"]],
                        "",
                    )
                )
                continue
            out.extend(_sections_of(number, title, name, result))
            if "profile" in result:
                out.append(profile_section(title, name, result["profile"]))
    front: list[tuple[str, list[str], list[list[str]], str]] = []
    summary = summary_rows(results)
    peers = ran_peers(results)
    if summary and (not has_baseline(results) or peers):
        front.append(
            (
                "Summary — Salon beside the peers",
                ["measure", "salon", *peers, f"salon/{ratio_peer(peers)}", "target"],
                summary,
                "the targets are issue 19's; compare peers only within one run",
            )
        )
    if has_baseline(results):
        front.extend(baseline_sections(results))
    return front + out


def ran_peers(results: dict[str, Any]) -> list[str]:
    return [p for p in PEERS if _ran(results, p)]


def ratio_peer(peers: list[str]) -> str:
    return REFERENCE if REFERENCE in peers or not peers else peers[0]


def _ran(results: dict[str, Any], name: str) -> bool:
    return any(name in per_server for per_server in results["workloads"].values())


def has_baseline(results: dict[str, Any]) -> bool:
    return _ran(results, BASELINE)


def _sections_of(number: int, title: str, name: str, result: dict[str, Any]) -> list[Any]:
    out: list[Any] = []
    if number in (1, 7):
        for receivers, run in result["runs"].items():
            note = (
                f"highest sustained rate (100% delivered, p99 ≤ {LATENCY_TARGET_MS:.0f} ms): "
                f"{run['sustained'] or 'none'}"
            )
            out.append(
                (
                    f"{title} — {name}, {receivers} receivers",
                    STEP_HEADER,
                    step_rows(run["steps"]),
                    note,
                )
            )
    elif number in (2, 8):
        header = ["total " + STEP_HEADER[0], *STEP_HEADER[1:]]
        note = (
            f"{result['writers']} writers, {result['readers']} readers; "
            f"sustained total rate: {_total(result)}"
        )
        out.append((f"{title} — {name}", header, step_rows(result["steps"]), note))
    elif number == 3:
        header = ["messages/s", *STEP_HEADER[1:4], "ack p50 ms", "ack p99 ms", *STEP_HEADER[4:]]
        backend = result.get("backend", "sqlite")
        note = (
            f"{result['rooms']} rooms x {result['users_per_room']} members, archive: {backend}; "
            "every member (sender included) times each message, the sender times its ack "
            "(sent after the commit that holds the message); highest sustained rate (100% "
            f"delivered and acknowledged, both p99 ≤ {LATENCY_TARGET_MS:.0f} ms): "
            f"{result.get('sustained') or 'none'}"
        )
        rows = [
            [*row[:4], _ms(s.get("ack_p50_ms")), _ms(s.get("ack_p99_ms")), *row[4:]]
            if "skipped" not in s
            else [*row, "", ""]
            for row, s in zip(step_rows(result["steps"]), result["steps"], strict=True)
        ]
        out.append((f"{title} — {name} ({backend})", header, rows, note))
    elif number == 4:
        rows = []
        for phase, s in result["phases"].items():
            rows.append(
                [
                    phase,
                    f"{s['delivered']:.2%}",
                    _ms(s["p50_ms"]),
                    _ms(s["p99_ms"]),
                    str(s.get("joins", 0)),
                    _ms(s.get("join_p50_ms")),
                    _ms(s.get("join_p99_ms")),
                    _pct(s["server_cpu"]),
                    _pct(s.get("other_cpu")),
                ]
            )
        seeded = result["seeded"]
        note = (
            f"{result['typists']} typists x {result['typist_rate']:g} edits/s, "
            f"{result['readers']} readers, joins {result['join_rate']:g}/s (each syncs "
            f"{seeded['stored'] / 1000:.0f} kB built from {seeded['ops']} trace operations, "
            "then leaves after 1 s); typists' p99 with/without joins: "
            f"{_ratio(result['phases']['joining']['p99_ms'], result['phases']['quiet']['p99_ms'])}"
        )
        header = [
            "phase",
            "delivered",
            "p50 ms",
            "p99 ms",
            "joins",
            "join p50 ms",
            "join p99 ms",
            "server CPU",
            "other CPU",
        ]
        out.append((f"{title} — {name}", header, rows, note))
    elif number == 5:
        rows = [
            [
                str(r["connections"]),
                f"{r['baseline_kib'] / 1024:.1f}",
                f"{r['rss_kib'] / 1024:.1f}",
                f"{r['per_connection_kib']:.1f}",
                f"{r.get('connected', r['connections'])} ({r.get('failed', 0)} failed)",
            ]
            for r in result["rows"]
        ]
        header = ["connections", "baseline RSS MiB", "RSS MiB", "KiB per connection", "synced"]
        out.append((f"{title} — {name}", header, rows, "idle synced clients of one document"))
    return out


def profile_section(title: str, name: str, profile: dict[str, Any]) -> Any:
    rows = [[f"{share:.1%}", frame] for frame, share in profile.get("self", [])]
    note = (
        f"py-spy --gil (Python work only), {profile.get('samples', 0)} samples over the whole "
        "workload, self time per function; "
        f"collapsed stacks: {profile['file']}"
    )
    if "error" in profile:
        rows, note = [["-", f"py-spy failed: {profile['error']}"]], ""
    return (f"{title} — {name}: where the server spent its time", ["self", "function"], rows, note)


def _total(result: dict[str, Any]) -> str:
    rate = result.get("sustained")
    return "none" if rate is None else str(rate * result["writers"])


def summary_rows(results: dict[str, Any]) -> list[list[str]]:
    w = results["workloads"]
    names = ["salon", *ran_peers(results)]
    reference = ratio_peer(names[1:])
    rows: list[list[str]] = []

    def ok(key: str, name: str) -> dict[str, Any] | None:
        r = w.get(key, {}).get(name)
        return r if r and r["status"] == "ok" else None

    def add(measure: str, vals: list[Any], show: Any, target: str, key: str = "") -> None:
        ran = key and any(ok(key, n) for n in names)
        if all(v is None for v in vals) and not ran:
            return
        ref = vals[names.index(reference)] if reference in names else None
        rows.append([measure, *map(show, vals), _ratio(vals[0], ref), target])

    fanout_targets = {
        ("1", "100"): "≥ 12,800",
        ("1", "500"): "≥ 12,800",
        ("7", "100"): "≥ 12,800",
        ("7", "500"): "≥ 2x hocuspocus",
    }
    for (key, receivers), target in fanout_targets.items():
        document = "160 kB document" if key == "7" else "empty document"
        vals = [
            (ok(key, n) or {}).get("runs", {}).get(receivers, {}).get("sustained") for n in names
        ]
        if any((ok(key, n) or {}).get("runs", {}).get(receivers) for n in names):
            add(f"fan-out, {document}, {receivers} receivers: edits/s", vals, _num, target, key)
    for key, document in (("2", "empty document"), ("8", "160 kB document")):
        vals = [
            None
            if ok(key, n) is None or ok(key, n)["sustained"] is None
            else int(_total(ok(key, n)))
            for n in names
        ]
        add(f"20 writers, 200 readers, {document}: edits/s", vals, _num, "≥ 2x hocuspocus", key)
    light = []
    for n in names:
        steps = (ok("1", n) or {}).get("runs", {}).get("100", {}).get("steps", [])
        light.append(next((s["p99_ms"] for s in steps if s["rate"] == 50 and "p99_ms" in s), None))
    add("light load (100 receivers, 50 edits/s): p99 ms", light, _ms, "≤ best peer + 2 ms")
    per_edit = [size_cost(ok("1", n), ok("7", n)) for n in names]
    add(
        "server CPU per edit, 160 kB / empty document (100 receivers)",
        per_edit,
        lambda v: "-" if v is None else f"{v:.2f}x",
        "≤ 1.25x",
    )
    ratios = [(ok("4", n) or {}).get("p99_ratio") for n in names]
    add("joins: typists' p99 with / without joins", ratios, _num2, "≤ 2")
    for count in ("1000", "5000"):
        vals = []
        for n in names:
            found = [
                r["per_connection_kib"]
                for r in (ok("5", n) or {}).get("rows", [])
                if str(r["connections"]) == count
            ]
            vals.append(found[0] if found else None)
        add(f"idle memory at {count} connections: KiB each", vals, _num, "≤ 15 KiB")
    return rows


def _num2(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def size_cost(empty: dict[str, Any] | None, large: dict[str, Any] | None) -> float | None:
    """CPU per edit on the large document ÷ on the empty one, at the highest rate both
    delivered fully with 100 receivers (below that, fixed costs dominate the quotient)."""
    if empty is None or large is None:
        return None

    def good(result: dict[str, Any]) -> dict[int, float]:
        steps = result.get("runs", {}).get("100", {}).get("steps", [])
        return {
            s["rate"]: c
            for s in steps
            if s.get("delivered", 0) >= 0.999 and (c := cpu_per_edit(s)) is not None
        }

    a, b = good(empty), good(large)
    common = sorted(set(a) & set(b))
    if not common or not a[common[-1]]:
        return None
    return b[common[-1]] / a[common[-1]]


def print_tables(results: dict[str, Any], console: Console) -> None:
    for title, header, rows, note in sections(results):
        table = Table(title=title, caption=note or None, title_justify="left")
        for column in header:
            table.add_column(column)
        for row in rows:
            table.add_row(*row)
        console.print(table)


def conditions_lines(results: dict[str, Any]) -> list[str]:
    c, o = results["conditions"], results["options"]
    packages = ", ".join(f"{k} {v}" for k, v in c["packages"].items())
    return [
        f"- Date: {c['date']}; command: `{o['command']}`",
        f"- Machine: {c['nproc']} CPUs ({c['cpu']}), {c['os']}; "
        f"load average at start {c['loadavg_at_start']}",
        f"- Python {c['python']}, Node {c['node']}; {packages}",
        f"- Salon under test: {c.get('salon_source', 'installed package')}",
        *([f"- Baseline under test: {c['baseline_source']}"] if "baseline_source" in c else []),
        f"- Pinning: server on CPU {o['server_cpus'] or 'any'}, "
        f"load generators on CPU {o['gen_cpus'] or 'any'}",
        f"- Each step: {o['duration']:g} s of load after an unmeasured warm-up, then "
        f"{o['drain']:g} s to drain; latency = edit sent → receipt at each receiver, per edit "
        "(from the Yjs clock of each token in what arrives)",
        "- Load generator: Node (bench/loadgen), each server over its own protocol: writers "
        "and the seeder use the protocol's provider (socket.io-client + yjs for y-socket.io, "
        "@hocuspocus/provider, y-websocket's WebsocketProvider, all on `ws`), receivers a "
        "minimal client per protocol that only decodes updates; one process per ≤ 250 "
        "receivers; workloads 1, 2, 7, 8: one-character edits at random positions, the "
        "character encoding its send time; "
        "'generator CPU' is the sum over its processes in cores (max = the busiest process; "
        "100% would mean saturated); 'other CPU' is what the rest of the machine used meanwhile "
        "(other processes on a shared host), in cores: large values mean noisy numbers",
        "- Salon runs with its defaults (SQLite archive, in-process bus, "
        "WebSocket compression off) except the abuse limits, lifted because all load comes from "
        "one address and one user ("
        + ", ".join(f"{k}={v}" for k, v in BENCH_LIMITS.items())
        + "); "
        + (
            "the baseline is started with the same settings from its own checkout; "
            if "baseline_source" in c
            else ""
        )
        + "peers, all without persistence or auth: `peer` = the npm y-socket.io server "
        "(bench/peer), `hocuspocus` = @hocuspocus/server with its defaults and no extensions "
        "(bench/peer-hocuspocus), `y-websocket` = the reference @y/websocket-server "
        "(bench/peer-ywebsocket)",
    ]


def write_markdown(results: dict[str, Any], path: Path, chart: Path | None) -> None:
    lines = [
        "# Benchmarks",
        "",
        "Generated by `python -m bench` (see bench/README.md). "
        "Numbers are from one run on the machine below; rerun to compare.",
        "",
        "What was optimised, which profile finding drove each change and what it bought: "
        "[performance.md](performance.md). Archive ingest, search over a million messages "
        "and replay seeks (workload 6) are measured by their own commands: "
        "[benchmarks-archive.md](benchmarks-archive.md).",
        "",
        "## Conditions",
        "",
        *conditions_lines(results),
        "",
    ]
    if results["options"].get("notes"):
        lines += [f"> {results['options']['notes']}", ""]
    if chart is not None:
        lines += [f"![Fan-out latency and delivery]({chart.name})", ""]
    for title, header, rows, note in sections(results):
        lines += [f"## {title}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += [
            "| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows
        ]
        lines += ["", note, ""] if note else [""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))


def write_chart(results: dict[str, Any], path: Path) -> Path | None:
    """p99 latency and delivered fraction against edit rate for the fan-out workload."""
    series = []
    for key, document in (("1", ""), ("7", ", 160 kB")):
        for name, result in results["workloads"].get(key, {}).items():
            if result["status"] != "ok":
                continue
            for receivers, run in result["runs"].items():
                steps = [s for s in run["steps"] if "p99_ms" in s]
                if steps:
                    series.append((f"{name}, {receivers} receivers{document}", steps))
    if not series:
        return None
    try:
        import matplotlib
    except ImportError:  # the chart needs the optional extra: pip install -e '.[bench]'
        return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (lat, dlv) = plt.subplots(1, 2, figsize=(11, 4.2))
    for label, steps in series:
        rates = [s["rate"] for s in steps]
        style = {"salon": "-o", BASELINE: ":^", "hocuspocus": "--d"}.get(label.split(",")[0], "--s")
        lat.plot(rates, [s["p99_ms"] or float("nan") for s in steps], style, label=label)
        dlv.plot(rates, [100 * s["delivered"] for s in steps], style, label=label)
    lat.axhline(LATENCY_TARGET_MS, color="grey", linewidth=0.8, linestyle=":")
    lat.set(
        xscale="log",
        xlabel="edits/s (one writer)",
        ylabel="p99 edit→receipt latency (ms)",
        yscale="log",
        title="Fan-out p99 latency",
    )
    dlv.set(
        xscale="log",
        xlabel="edits/s (one writer)",
        ylabel="delivered within the run (%)",
        title="Delivered",
    )
    lat.legend(fontsize=8)
    c, o = results["conditions"], results["options"]
    fig.suptitle(
        f"{c['nproc']} CPUs ({c['cpu']}), Python {c['python']}, Node {c['node']}; "
        f"{o['duration']:g} s per step; {c['date']}",
        fontsize=9,
    )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
