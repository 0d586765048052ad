"""Salon beside the baseline (``--baseline-source``): one checkout against another, same run.

The fan-out steps of both are put in one table per receiver count, with salon/baseline ratios,
and the other workloads' headline figures in a summary.
"""

from __future__ import annotations

from typing import Any

from bench.cells import ms, num, pct, ratio
from bench.workloads import LATENCY_TARGET_MS, TITLES, sustained

BASELINE = "baseline"  # Salon from another checkout, compared with salon

PAIR = ("salon", BASELINE)
BASELINE_NOTE = (
    "salon/baseline > 1 on rates means salon sustains more; "
    "< 1 on latency and memory means salon is better"
)


def _ok_result(results: dict[str, Any], key: str, name: str) -> dict[str, Any]:
    r = results["workloads"].get(key, {}).get(name)
    return r if r and r["status"] == "ok" else {}


def baseline_sections(results: dict[str, Any]) -> list[tuple[str, list[str], list[list[str]], str]]:
    """The baseline summary, then the fan-out steps of salon and baseline side by side."""
    out = [
        (
            "Summary — Salon beside the baseline",
            ["measure", "salon", BASELINE, "salon/baseline"],
            baseline_summary_rows(results),
            BASELINE_NOTE,
        )
    ]
    runs = [_ok_result(results, "1", n).get("runs", {}) for n in PAIR]
    for receivers in dict.fromkeys([*runs[0], *runs[1]]):
        pair = [r.get(receivers, {}) for r in runs]
        rates = [pair[0].get("sustained"), pair[1].get("sustained")]
        note = (
            f"highest sustained rate (100% delivered, p99 ≤ {LATENCY_TARGET_MS:.0f} ms): "
            f"salon {num(rates[0])}, baseline {num(rates[1])}, "
            f"salon/baseline {ratio(*rates)}"
        )
        out.append(
            (
                f"1. {TITLES[1]} — salon beside baseline, {receivers} receivers",
                PAIRED_HEADER,
                paired_step_rows(pair[0].get("steps", []), pair[1].get("steps", [])),
                note,
            )
        )
    return out


PAIRED_HEADER = [
    "edits/s",
    "delivered salon / baseline",
    "p50 ms salon",
    "p50 ms baseline",
    "p50 salon/baseline",
    "p99 ms salon",
    "p99 ms baseline",
    "p99 salon/baseline",
    "server CPU salon / baseline",
]


def paired_step_rows(salon: list[dict[str, Any]], base: list[dict[str, Any]]) -> list[list[str]]:
    """One row per rate step, salon's and the baseline's figures next to each other."""
    by_rate = [{s["rate"]: s for s in steps} for steps in (salon, base)]
    rows = []
    for rate in dict.fromkeys([*by_rate[0], *by_rate[1]]):
        a, b = (steps.get(rate, {"skipped": "not run"}) for steps in by_rate)
        rows.append(
            [
                str(rate),
                f"{_delivered(a)} / {_delivered(b)}",
                ms(a.get("p50_ms")),
                ms(b.get("p50_ms")),
                ratio(a.get("p50_ms"), b.get("p50_ms")),
                ms(a.get("p99_ms")),
                ms(b.get("p99_ms")),
                ratio(a.get("p99_ms"), b.get("p99_ms")),
                f"{pct(a.get('server_cpu'))} / {pct(b.get('server_cpu'))}",
            ]
        )
    return rows


def _delivered(step: dict[str, Any]) -> str:
    return "skipped" if "skipped" in step else f"{step['delivered']:.2%}"


def baseline_summary_rows(results: dict[str, Any]) -> list[list[str]]:
    rows: list[list[str]] = []

    def row(measure: str, vals: list[float | None], fmt: Any = num) -> None:
        if any(v is not None for v in vals):
            rows.append([measure, *map(fmt, vals), ratio(*vals)])

    fanout = [_ok_result(results, "1", n).get("runs", {}) for n in PAIR]
    for receivers in dict.fromkeys([*fanout[0], *fanout[1]]):
        row(
            f"fan-out, {receivers} receivers: sustained edits/s",
            [r.get(receivers, {}).get("sustained") for r in fanout],
        )
    writers = [_ok_result(results, "2", n) for n in PAIR]
    row(
        "many writers: sustained total edits/s",
        [r["sustained"] * r["writers"] if r.get("sustained") else None for r in writers],
    )
    chat = [sustained(_ok_result(results, "3", n).get("steps", [])) for n in PAIR]
    row("chat fan-out: sustained messages/s", chat)
    for phase in ("quiet", "joining"):
        joins = [_ok_result(results, "4", n).get("phases", {}).get(phase, {}) for n in PAIR]
        row(f"joins ({phase}): typists' p99 ms", [j.get("p99_ms") for j in joins], ms)
    memory = [
        {
            str(r["connections"]): r["per_connection_kib"]
            for r in _ok_result(results, "5", n).get("rows", [])
        }
        for n in PAIR
    ]
    for count in dict.fromkeys([*memory[0], *memory[1]]):
        row(f"idle memory at {count} connections: KiB each", [m.get(count) for m in memory])
    return rows
