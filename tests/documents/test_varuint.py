"""varuint: lib0's encoding both ways, and strict refusal of truncated or overlong input."""

from __future__ import annotations

import pytest

from salon.core.errors import SalonError
from salon.documents import awareness, varuint
from salon.documents.room import _first_block


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        (0, b"\x00"),
        (1, b"\x01"),
        (127, b"\x7f"),
        (128, b"\x80\x01"),
        (300, b"\xac\x02"),
        (2**32 - 1, b"\xff\xff\xff\xff\x0f"),
        (2**53 - 1, b"\xff\xff\xff\xff\xff\xff\xff\x0f"),
        (2**63 - 1, b"\xff" * 8 + b"\x7f"),
    ],
)
def test_encoding_matches_lib0(value: int, encoded: bytes) -> None:
    assert varuint.write(value) == encoded
    assert varuint.read(encoded) == (value, len(encoded))


def test_reads_from_a_position_and_reports_where_it_stopped() -> None:
    data = b"\x05" + varuint.write(300) + varuint.write(7) + b"rest"
    assert varuint.read(data, 1) == (300, 3)
    assert varuint.read_many(data, 2, 1) == ([300, 7], 4)
    assert varuint.read_many(data, 0, 1) == ([], 1)


@pytest.mark.parametrize("data", [b"", b"\x80", b"\xff\xff", b"\x81\x80\x80"])
def test_truncated_input_is_refused(data: bytes) -> None:
    with pytest.raises(varuint.Truncated):
        varuint.read(data)


def test_fewer_values_than_asked_is_truncated() -> None:
    with pytest.raises(varuint.Truncated):
        varuint.read_many(b"\x01\x02", 3)


@pytest.mark.parametrize("data", [b"\xff" * 9 + b"\x01", b"\x80" * 20])
def test_overlong_input_is_refused(data: bytes) -> None:
    with pytest.raises(varuint.TooLong):
        varuint.read(data)


def test_non_minimal_encoding_is_read_as_lib0_does() -> None:
    assert varuint.read(b"\x80\x00") == (0, 2)


def test_negative_values_cannot_be_written() -> None:
    with pytest.raises(ValueError):
        varuint.write(-1)


def test_awareness_keeps_its_own_error_messages() -> None:
    with pytest.raises(SalonError, match="truncated awareness update"):
        awareness.decode_update(b"\x01\x80")
    with pytest.raises(SalonError, match="awareness number out of range"):
        awareness.decode_update(b"\xff" * 10)


def test_an_update_header_cut_short_is_a_malformed_update() -> None:
    # one client, then the block's struct count and clientID, but no clock
    with pytest.raises(SalonError, match="malformed Yjs update"):
        _first_block(b"\x01\x01\x05")
    with pytest.raises(SalonError, match="malformed Yjs update"):
        _first_block(b"\x01\x01\x05\x80")
    with pytest.raises(SalonError, match="exactly one Yjs client"):
        _first_block(b"\x02")
    assert _first_block(b"\x00\x00") is None
    assert _first_block(b"\x01\x02\x05\x07") == (5, 7)
