"""lib0 variable-length unsigned integers (Yjs updates, state vectors, awareness), read strictly.

Seven bits per byte, least significant first, high bit set on every byte but the last. A
reader that runs out of bytes mid-number, or meets a number longer than nine bytes (63 bits;
lib0 itself stops at JavaScript's 53), raises instead of returning a shorter, valid-looking one.
Callers turn the error into their own refusal.
"""

from __future__ import annotations

MAX_BYTES = 9


class VarUintError(ValueError):
    """Input that is not a complete varuint."""


class Truncated(VarUintError):
    pass


class TooLong(VarUintError):
    pass


def read(data: bytes, pos: int = 0) -> tuple[int, int]:
    """The varuint at ``pos`` and the position after it."""
    value, shift, end = 0, 0, len(data)
    while True:
        if pos >= end:
            raise Truncated("data ends inside a varuint")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7
        if shift >= 7 * MAX_BYTES:
            raise TooLong(f"varuint longer than {MAX_BYTES} bytes")


def read_many(data: bytes, count: int, pos: int = 0) -> tuple[list[int], int]:
    """``count`` consecutive varuints from ``pos`` and the position after them."""
    values = []
    for _ in range(count):
        value, pos = read(data, pos)
        values.append(value)
    return values, pos


def write(value: int) -> bytes:
    if value < 0:
        raise ValueError("varuints are unsigned")
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)
