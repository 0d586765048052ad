"""The web client shipped in server/salon/web/static is what client/web builds today."""

from __future__ import annotations

import shutil
import subprocess

from tests.support.services import require
from tests.web.conftest import ROOT

CLIENT = ROOT / "client" / "web"


def test_shipped_build_is_up_to_date() -> None:
    node = shutil.which("node")
    require(node is not None, "Node.js is not installed")
    require(
        (CLIENT / "node_modules" / "esbuild").exists(),
        "client/web has no node_modules (run `npm ci` in client/web)",
    )
    result = subprocess.run(
        [str(node), "build.mjs", "--check"],
        cwd=CLIENT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
