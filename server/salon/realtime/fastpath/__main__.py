"""``python -m salon.realtime.fastpath``: what the guard finds with the installed libraries,
and the new hash of every upstream entry that changed (for re-blessing: read each upstream
diff before pasting its hash into upstream.py, docs/performance.md)."""

from __future__ import annotations

from salon.realtime.fastpath.guard import check, installed_hashes
from salon.realtime.fastpath.upstream import SOURCES


def main() -> None:
    problems = check()
    print("guard:", "; ".join(problems) if problems else "passes")
    for target, digest in installed_hashes().items():
        if digest != SOURCES[target]:
            print(f"{target}\n    pinned    {SOURCES[target]}\n    installed {digest}")


main()
