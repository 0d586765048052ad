"""How the report writes one figure: milliseconds, fractions, ratios, plain numbers."""

from __future__ import annotations


def ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def ratio(value: float | None, reference: float | None) -> str:
    if value is None or reference is None or reference == 0:
        return "-"
    return f"{value / reference:.2f}x"


def num(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"
