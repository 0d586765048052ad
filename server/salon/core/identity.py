"""Which node this process is, and which dead node it replaces.

Nodes started without ``SALON_NODE_ID`` take a random id at every start (as ``docker compose up
--scale`` does), so a node that crashed and came back is a new node to its peers; they would
keep listing its old users until its heartbeats were missed for the presence grace. A node
therefore records its id in its data directory under an exclusive lock: the next process on
the same directory that gets the lock knows the previous holder is gone (the kernel drops the
lock of a killed process) and announces that it replaces it, so its peers drop the old
presence at once. A directory a live node still holds is not claimed."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import secrets
from pathlib import Path

log = logging.getLogger("salon.identity")

LOCK_NAME = "node.lock"


class NodeIdentity:
    """This node's id and ``replaces``, the id of the dead node that last ran on this data
    directory (``None``: none, the same id, or the directory is held by a live node)."""

    def __init__(self, data_dir: Path, node_id: str | None) -> None:
        self.node_id = node_id or secrets.token_hex(4)
        self.replaces: str | None = None
        self._fd: int | None = None
        with contextlib.suppress(OSError):
            self._claim(data_dir)

    def _claim(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(data_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)  # a live node runs on this directory: it is not ours to claim
            return
        previous = os.read(fd, 256).decode(errors="replace").strip()
        if previous and previous != self.node_id:
            self.replaces = previous
            log.info("node %s replaces node %s (same data directory)", self.node_id, previous)
        os.lseek(fd, 0, os.SEEK_SET)
        os.ftruncate(fd, 0)
        os.write(fd, self.node_id.encode())
        os.fsync(fd)
        self._fd = fd

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        """Release the directory; the id stays recorded for the next start."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
