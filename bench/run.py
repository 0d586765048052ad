"""``python -m bench``: start each server in turn, run the workloads, print and write the report."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console

from bench import machine, report
from bench.loadgen import LOADGEN_DIR, Fleet, LoadgenError
from bench.profile import Recorder
from bench.servers import (
    BASELINE_SOURCE,
    BENCH_DIR,
    PEER_DIRS,
    PEERS,
    POSTGRES,
    REPO_DIR,
    SALON_SOURCE,
    SERVERS,
    Server,
    ServerUnavailable,
    checkout_problem,
)
from bench.workloads import SALONS, TITLES, WORKLOADS, Options, doc_worker, run_workload

console = Console(stderr=True)


class _Setting:
    value: str | None = None


PROFILE_DIR = _Setting()


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Salon benchmarks beside the npm y-socket.io server (see bench/README.md).",
    )
    parser.add_argument("--quick", action="store_true", help="short smoke run (fewer steps, 3 s)")
    parser.add_argument("--duration", type=float, help="seconds of load per step [10; quick 3]")
    parser.add_argument(
        "--drain", type=float, help="seconds to wait for late receipts [2; quick 1]"
    )
    parser.add_argument(
        "--only", choices=sorted(SERVERS), action="append", help="run one server (repeatable)"
    )
    parser.add_argument(
        "--workload",
        type=int,
        choices=sorted(WORKLOADS),
        action="append",
        help="run only this workload (repeatable): "
        + "; ".join(f"{k} {v}" for k, v in TITLES.items()),
    )
    parser.add_argument("--rates", help="fan-out edit rates, comma separated [50,...,12800]")
    parser.add_argument("--receivers", help="fan-out receiver counts, comma separated [100,500]")
    parser.add_argument(
        "--no-pin", action="store_true", help="do not pin the server to CPU 0 and load to the rest"
    )
    parser.add_argument(
        "--no-early-stop", action="store_true", help="run every rate step even past saturation"
    )
    parser.add_argument(
        "--salon-source",
        type=Path,
        help="run Salon from this checkout (its server/ goes first on PYTHONPATH), "
        "e.g. a branch's worktree; default: the installed salon package",
    )
    parser.add_argument(
        "--baseline-source",
        type=Path,
        metavar="DIR",
        help="also run Salon from this checkout as the server 'baseline' (e.g. a worktree of "
        "the base commit), started like 'salon', on every workload Salon runs",
    )
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="run Salon on PostgreSQL instead of the embedded SQLite: a libpq URL of a user "
        "that may create databases (e.g. postgresql://postgres@127.0.0.1:5432/postgres); "
        "each server start gets a fresh database, dropped afterwards",
    )
    parser.add_argument(
        "--chat-rates", help="chat messages/s, comma separated [100,...,3200; quick 200,2000]"
    )
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="record Salon with py-spy during each workload (collapsed stacks in DIR; "
        "the report lists where the server spent its time)",
    )
    parser.add_argument("--out", type=Path, default=REPO_DIR / "docs" / "benchmarks.md")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    parser.add_argument("--notes", default="", help="a line about the conditions, for the report")
    args = parser.parse_args(argv)
    if args.baseline_source is not None:
        problem = checkout_problem(args.baseline_source)
        if problem is not None:
            parser.error(f"--baseline-source: {problem}")
    elif args.only and "baseline" in args.only:
        parser.error("--only baseline needs --baseline-source DIR")
    return args


def server_names(args: argparse.Namespace) -> list[str]:
    """The servers of this run, in order: salon, then the baseline if given, then the peer."""
    if args.only:
        return list(dict.fromkeys(args.only))
    if args.baseline_source is not None:
        return ["salon", "baseline", *PEERS]
    return ["salon", *PEERS]


def options_from(args: argparse.Namespace, log_dir: Path) -> Options:
    opts = Options(log_dir=log_dir, early_stop=not args.no_early_stop)
    if args.quick:
        opts.duration, opts.drain, opts.pause, opts.warmup = 3.0, 1.0, 0.5, 1.0
        opts.fanout_rates = [50, 800, 3200]
        opts.writer_rates = [5, 40]
        opts.chat_rates = [200, 2000]
    if args.duration is not None:
        opts.duration = args.duration
    if args.drain is not None:
        opts.drain = args.drain
    if args.receivers:
        opts.fanout_receivers = [int(r) for r in args.receivers.split(",")]
    if args.rates:
        opts.fanout_rates = [int(r) for r in args.rates.split(",")]
    if args.chat_rates:
        opts.chat_rates = [int(r) for r in args.chat_rates.split(",")]
    return opts


def cpu_split(pin: bool) -> tuple[str | None, str | None]:
    cpus = os.cpu_count() or 1
    if not pin or cpus < 2 or shutil.which("taskset") is None:
        return None, None
    return "0", f"1-{cpus - 1}"


def ensure_node_modules() -> None:
    for directory in (*(BENCH_DIR / d for d in PEER_DIRS), LOADGEN_DIR):
        if not (directory / "node_modules").is_dir():
            console.print(f"[bold]npm ci[/] in {directory.relative_to(REPO_DIR)}")
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=directory, check=True)


async def probe_documents(server: Server, opts: Options) -> None:
    """One synced receiver, or ServerUnavailable: Salon's document rooms may not be merged yet."""
    try:
        async with Fleet(opts.gen_cpus, opts.log) as fleet:
            await fleet.add([doc_worker(server, server.doc_namespace("probe"), receivers=1)], 30)
    except LoadgenError as exc:
        raise ServerUnavailable(
            f"{server.name} does not serve y-socket.io documents yet ({exc})"
        ) from None


async def run_all(
    args: argparse.Namespace, opts: Options, server_cpus: str | None
) -> dict[str, Any]:
    names = server_names(args)
    numbers = args.workload or sorted(WORKLOADS)
    results: dict[str, Any] = {"workloads": {}}
    documents_ok: dict[str, str | None] = {}
    for number in numbers:
        _, supported = WORKLOADS[number]
        per_server: dict[str, Any] = {}
        for name in names:
            if name not in supported:
                per_server[name] = {"status": "n/a", "reason": f"the {name} has no such feature"}
                continue
            console.rule(f"workload {number} · {TITLES[number]} · {name}")
            per_server[name] = await run_on(name, number, opts, server_cpus, documents_ok)
            if per_server[name]["status"] != "ok":
                console.print(f"[yellow]{per_server[name]['status']}: {per_server[name]['reason']}")
        results["workloads"][str(number)] = per_server
    return results


async def run_on(
    name: str,
    number: int,
    opts: Options,
    server_cpus: str | None,
    documents_ok: dict[str, str | None],
) -> dict[str, Any]:
    server = SERVERS[name](server_cpus, opts.log_dir)
    try:
        server.start()
        if number != 3 and number != 6:
            if name not in documents_ok:
                try:
                    await probe_documents(server, opts)
                    documents_ok[name] = None
                except ServerUnavailable as exc:
                    documents_ok[name] = str(exc)
            if documents_ok[name] is not None:
                return {"status": "unavailable", "reason": documents_ok[name]}
        recorder = None
        if PROFILE_DIR.value is not None and name in SALONS:
            out = Path(PROFILE_DIR.value) / f"{name}-workload{number}.txt"
            recorder = Recorder(server.pid, out, opts.gen_cpus)
        try:
            result = await run_workload(
                number, server, opts, lambda line: console.print(f"  {line}")
            )
        finally:
            if recorder is not None:
                profile = recorder.stop()
        if recorder is not None:
            result["profile"] = profile
        return result
    except ServerUnavailable as exc:
        return {"status": "unavailable", "reason": str(exc)}
    finally:
        server.stop()


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    if shutil.which("node") is None:
        sys.exit("bench: Node.js is required (node not found on PATH)")
    ensure_node_modules()
    log_dir = Path(tempfile.mkdtemp(prefix="salon-bench-logs-"))
    opts = options_from(args, log_dir)
    if args.salon_source is not None:
        SALON_SOURCE.value = str(args.salon_source)
    if args.baseline_source is not None:
        BASELINE_SOURCE.value = str(args.baseline_source)
    if args.postgres:
        POSTGRES.value = args.postgres
    if args.profile is not None:
        PROFILE_DIR.value = str(args.profile.resolve())
    server_cpus, opts.gen_cpus = cpu_split(not args.no_pin)
    baseline = str(args.baseline_source) if "baseline" in server_names(args) else None
    conditions = machine.conditions(str(args.salon_source or REPO_DIR), baseline)
    results = asyncio.run(run_all(args, opts, server_cpus))
    results["conditions"] = conditions
    results["options"] = {
        "command": "python -m bench " + shlex.join(sys.argv[1:] if argv is None else argv),
        "duration": opts.duration,
        "drain": opts.drain,
        "server_cpus": server_cpus,
        "gen_cpus": opts.gen_cpus,
        "notes": args.notes,
    }
    report.print_tables(results, Console())
    chart = report.write_chart(results, args.out.with_suffix(".png"))
    report.write_markdown(results, args.out, chart)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))
    console.print(f"wrote {args.out}" + (f" and {chart}" if chart else "") + f"; logs in {log_dir}")
