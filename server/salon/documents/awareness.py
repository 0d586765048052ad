"""Awareness (cursors, names, selections) in the y-protocols encoding, decoded strictly.

Wire form: varuint count, then per entry varuint clientID, varuint clock, varstring JSON state
("null" = the client left). pycrdt ships an ``Awareness`` class, but it is a *peer* (it owns a
local state and timers) and its ``Decoder`` does not bounds-check, so a truncated message is read
as a shorter valid one. The room needs the opposite: a relay that validates every byte, keeps
no state of its own, and knows which socket owns which clientID so that a disconnect removes
exactly that socket's states and no client can overwrite another's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from salon.core import jsonlib
from salon.core.errors import SalonError
from salon.documents import varuint

MAX_ENTRIES = 64
# A provider speaks for one clientID (a few after reloads); more is a socket inflating the table.
MAX_IDS_PER_SOCKET = 16
MAX_STATE_BYTES = 16_384
# Yjs client ids are uint32 and clocks are JS numbers; larger values are not from a real client.
MAX_CLIENT_ID = 2**53 - 1


@dataclass(frozen=True, slots=True)
class AwarenessEntry:
    client_id: int
    clock: int
    state: dict[str, Any] | None


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def var_uint(self) -> int:
        try:
            value, self.pos = varuint.read(self.data, self.pos)
        except varuint.Truncated:
            raise SalonError("bad_request", "truncated awareness update") from None
        except varuint.TooLong:
            raise SalonError("bad_request", "awareness number out of range") from None
        return value

    def var_bytes(self, limit: int) -> bytes:
        length = self.var_uint()
        if length > limit:
            raise SalonError("too_large", "awareness state too large")
        end = self.pos + length
        if end > len(self.data):
            raise SalonError("bad_request", "truncated awareness update")
        chunk = self.data[self.pos : end]
        self.pos = end
        return chunk


def _parse_state(raw: bytes) -> dict[str, Any] | None:
    # Strict: every y-socket.io client JSON.parses what we relay, and NaN or Infinity would
    # make it throw in all of them, now and for everyone who joins later.
    try:
        state = jsonlib.loads(raw)
    except jsonlib.InvalidJson as exc:
        raise SalonError("bad_request", f"awareness state is {exc}") from None
    if state is not None and not isinstance(state, dict):
        raise SalonError("bad_request", "awareness state must be an object or null")
    return state


def decode_update(data: bytes) -> list[AwarenessEntry]:
    """Parse a whole awareness message or raise ``SalonError``; nothing is partially accepted."""
    reader = _Reader(data)
    count = reader.var_uint()
    if count > MAX_ENTRIES:
        raise SalonError("too_large", "too many awareness entries")
    entries = []
    for _ in range(count):
        client_id = reader.var_uint()
        clock = reader.var_uint()
        if client_id > MAX_CLIENT_ID or clock > MAX_CLIENT_ID:
            raise SalonError("bad_request", "awareness number out of range")
        entries.append(
            AwarenessEntry(client_id, clock, _parse_state(reader.var_bytes(MAX_STATE_BYTES)))
        )
    if reader.pos != len(data):
        raise SalonError("bad_request", "trailing bytes after awareness update")
    return entries


def encode_update(entries: list[AwarenessEntry]) -> bytes:
    parts = [varuint.write(len(entries))]
    for entry in entries:
        raw = jsonlib.dumps(entry.state)
        parts += [
            varuint.write(entry.client_id),
            varuint.write(entry.clock),
            varuint.write(len(raw)),
            raw,
        ]
    return b"".join(parts)


class AwarenessTable:
    """The known awareness states of one document and the socket that owns each clientID."""

    def __init__(self) -> None:
        self._entries: dict[int, AwarenessEntry] = {}
        self._owner: dict[int, str] = {}

    def apply(
        self, sid: str, entries: list[AwarenessEntry], limit: int = MAX_IDS_PER_SOCKET
    ) -> list[int]:
        """Apply what is newer than what we hold; return the clientIDs that changed."""
        changed = []
        for entry in entries:
            owner = self._owner.get(entry.client_id)
            if owner is None and self._owned_by(sid) < limit:
                owner = self._owner[entry.client_id] = sid
            if owner != sid:
                continue  # another socket speaks for this client (or this one claimed too many)
            if self._is_newer(entry):
                self._entries[entry.client_id] = entry
                changed.append(entry.client_id)
        return changed

    def _owned_by(self, sid: str) -> int:
        return sum(1 for owner in self._owner.values() if owner == sid)

    def _is_newer(self, entry: AwarenessEntry) -> bool:
        current = self._entries.get(entry.client_id)
        if current is None:
            return True
        if entry.clock > current.clock:
            return True
        # y-protocols: a removal at the same clock still removes a present state.
        return entry.clock == current.clock and entry.state is None and current.state is not None

    def remove_owner(self, sid: str) -> list[int]:
        """Mark every state of ``sid`` as removed (clock + 1) so peers drop the ghost cursor."""
        removed = []
        for client_id, owner in list(self._owner.items()):
            if owner != sid:
                continue
            del self._owner[client_id]
            current = self._entries.get(client_id)
            if current is not None and current.state is not None:
                self._entries[client_id] = AwarenessEntry(client_id, current.clock + 1, None)
                removed.append(client_id)
        return removed

    def encode(self, client_ids: list[int] | None = None) -> bytes:
        """Current entries of ``client_ids`` (default: every live state), ready to send."""
        if client_ids is None:
            picked = [e for e in self._entries.values() if e.state is not None]
        else:
            picked = [self._entries[c] for c in client_ids if c in self._entries]
        return encode_update(picked)

    def ids_owned_here(self, remote_prefix: str) -> list[int]:
        """Live clientIDs announced by this node's own sockets (not replicated from peers)."""
        return [
            client_id
            for client_id, owner in self._owner.items()
            if not owner.startswith(remote_prefix) and client_id in self._entries
        ]

    def forget_removed(self) -> None:
        """Drop tombstones once broadcast; keeps the table bounded by the live clients."""
        for client_id in [c for c, e in self._entries.items() if e.state is None]:
            if client_id not in self._owner:
                del self._entries[client_id]

    @property
    def live_count(self) -> int:
        return sum(1 for e in self._entries.values() if e.state is not None)
