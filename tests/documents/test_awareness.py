"""The awareness codec is strict and the table keeps ownership and removal semantics."""

from __future__ import annotations

import pycrdt
import pytest

from salon.core.errors import SalonError
from salon.documents.awareness import (
    MAX_IDS_PER_SOCKET,
    AwarenessEntry,
    AwarenessTable,
    decode_update,
    encode_update,
)


def peer_message(state: dict[str, object] | None, client_id: int = 7) -> bytes:
    """What a real y-protocols peer (pycrdt's implementation of it) sends."""
    doc: pycrdt.Doc[object] = pycrdt.Doc(client_id=client_id)
    awareness = pycrdt.Awareness(doc)
    awareness.set_local_state(state)
    return awareness.encode_awareness_update([client_id])


def test_decodes_what_a_peer_sends() -> None:
    entries = decode_update(peer_message({"user": {"name": "Ana"}, "cursor": 3}))
    assert entries == [AwarenessEntry(7, 1, {"user": {"name": "Ana"}, "cursor": 3})]


def test_round_trip_keeps_unicode_byte_lengths() -> None:
    entries = [AwarenessEntry(1, 2, {"name": "Zoë 🎉"}), AwarenessEntry(300, 0, None)]
    assert decode_update(encode_update(entries)) == entries


def test_encoding_is_readable_by_a_peer() -> None:
    doc: pycrdt.Doc[object] = pycrdt.Doc()
    awareness = pycrdt.Awareness(doc)
    awareness.apply_awareness_update(encode_update([AwarenessEntry(9, 4, {"a": 1})]), "remote")
    assert awareness.states[9] == {"a": 1}


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x01",
        b"\x01\x07",
        b"\x01\x07\x01\x05nul",  # string shorter than its length
        b"\x01\x07\x01\x04nope",  # not JSON
        b"\x01\x07\x01\x01" + b"5",  # JSON but not an object
        b"\x01\x07\x01\x02{}extra",  # trailing bytes
        b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",  # runaway varuint
        b"\x7f",  # too many entries
        b"\x01\x07\x01\x02\xff\xfe",  # not UTF-8
    ],
)
def test_rejects_malformed(data: bytes) -> None:
    with pytest.raises(SalonError):
        decode_update(data)


def test_table_applies_newer_and_ignores_older() -> None:
    table = AwarenessTable()
    assert table.apply("s1", [AwarenessEntry(1, 2, {"v": 2})]) == [1]
    assert table.apply("s1", [AwarenessEntry(1, 1, {"v": 1})]) == []
    assert table.apply("s1", [AwarenessEntry(1, 2, None)]) == [1]  # same clock removal counts


def test_one_socket_cannot_overwrite_anothers_client() -> None:
    table = AwarenessTable()
    table.apply("s1", [AwarenessEntry(1, 0, {"me": "s1"})])
    assert table.apply("s2", [AwarenessEntry(1, 9, {"me": "s2"})]) == []
    assert decode_update(table.encode()) == [AwarenessEntry(1, 0, {"me": "s1"})]


def test_disconnect_removes_with_a_newer_clock() -> None:
    table = AwarenessTable()
    table.apply("s1", [AwarenessEntry(1, 3, {"x": 1}), AwarenessEntry(2, 0, {"y": 1})])
    table.apply("s2", [AwarenessEntry(5, 0, {"z": 1})])
    assert sorted(table.remove_owner("s1")) == [1, 2]
    removal = decode_update(table.encode([1, 2]))
    assert removal == [AwarenessEntry(1, 4, None), AwarenessEntry(2, 1, None)]
    # a peer holding the state drops it
    doc: pycrdt.Doc[object] = pycrdt.Doc()
    peer = pycrdt.Awareness(doc)
    peer.apply_awareness_update(encode_update([AwarenessEntry(1, 3, {"x": 1})]), "r")
    peer.apply_awareness_update(table.encode([1]), "r")
    assert 1 not in peer.states
    table.forget_removed()
    assert decode_update(table.encode()) == [AwarenessEntry(5, 0, {"z": 1})]
    assert table.live_count == 1


def test_a_socket_cannot_claim_unbounded_client_ids() -> None:
    table = AwarenessTable()
    for start in range(0, 200, 50):
        table.apply("eve", [AwarenessEntry(c, 0, {}) for c in range(start, start + 50)])
    assert table.live_count == MAX_IDS_PER_SOCKET
    assert table.apply("ana", [AwarenessEntry(999, 0, {"me": 1})]) == [999]
