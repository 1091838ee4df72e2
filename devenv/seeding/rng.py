"""Counter-based randomness: every draw is a pure function of (seed, table, column, stream, row)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

BLOCK = 1024
M64 = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15


def stream_key(seed: int, table: str, column: str, stream: str = "") -> bytes:
    """Derive the 16-byte key of one random stream."""
    text = f"{seed}\x00{table}\x00{column}\x00{stream}".encode()
    return hashlib.blake2b(text, digest_size=16).digest()


def key_int(key: bytes) -> int:
    """Return a stream key as a 64-bit integer, for `mix`."""
    return int.from_bytes(key[:8], "little")


def mix(key: int, row: int) -> int:
    """Return a well-mixed 64-bit value for `row` (splitmix64 finaliser)."""
    z = (key + row * _GOLDEN) & M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def block_u16(key: bytes, block: int) -> Sequence[int]:
    """Return the BLOCK uint16 draws of one block of rows."""
    data = hashlib.shake_128(key + block.to_bytes(8, "little")).digest(2 * BLOCK)
    return memoryview(data).cast("H")


class Draws:
    """Uniform uint16 draws for rows: fast in blocks, or cheap one row at a time when `random_access`."""

    def __init__(self, key: bytes, *, random_access: bool = False) -> None:
        self.key = key
        self.mixkey = key_int(key)
        self.random_access = random_access

    def block(self, start: int, n: int) -> Sequence[int]:
        """Return draws for rows [start, start + n)."""
        if self.random_access:
            k = self.mixkey
            return [mix(k, r) & 0xFFFF for r in range(start, start + n)]
        first, last = start // BLOCK, (start + n - 1) // BLOCK
        if first == last:
            offset = start - first * BLOCK
            return block_u16(self.key, first)[offset : offset + n]
        out: list[int] = []
        for b in range(first, last + 1):
            out.extend(block_u16(self.key, b))
        offset = start - first * BLOCK
        return out[offset : offset + n]

    def at(self, row: int) -> int:
        """Return the draw of one row."""
        if self.random_access:
            return mix(self.mixkey, row) & 0xFFFF
        return block_u16(self.key, row // BLOCK)[row % BLOCK]
