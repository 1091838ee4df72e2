"""Counter-based randomness: every draw is a pure function of (seed, table, column, stream, row)."""

from __future__ import annotations

import hashlib
import sys

BLOCK = 1024
M64 = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_CACHED_BLOCKS = 64
# Native byte order, for code that reads raw bytes as integers.
LITTLE_ENDIAN = sys.byteorder == "little"


def stream_key(seed: int, table: str, column: str, *, stream: str = "") -> bytes:
    """Derive the 16-byte key of one random stream."""
    text = f"{seed}\x00{table}\x00{column}\x00{stream}".encode()
    return hashlib.blake2b(text, digest_size=16).digest()


def key_int(key: bytes) -> int:
    """Return a stream key as a 64-bit integer."""
    return int.from_bytes(key[:8], "little")


def mix(key: int, row: int) -> int:
    """Return a well-mixed 64-bit value for `row` (splitmix64 finaliser), for one-off draws."""
    z = (key + row * _GOLDEN) & M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


class Draws:
    """Uniform uint16 draws (uint32 when `wide`); row r's draw depends only on (key, r).

    Rows come in blocks of BLOCK; one SHAKE-128 call yields a whole block, so drawing for a run of
    rows is cheap, and one row at a time is served from a small cache of recent blocks.
    With `bits` (9 to 15), uint16 draws are uniform below 2**bits instead.
    """

    def __init__(self, key: bytes, *, wide: bool = False, bits: int = 16) -> None:
        self.key = key
        self.code = "I" if wide else "H"
        self.size = 4 if wide else 2
        self.bits = 32 if wide else min(bits, 16)
        # Each draw's high byte keeps only its low (bits - 8) bits: one translate, at C speed.
        self.mask = (
            None if wide or bits >= 16 else bytes(b & ((1 << (bits - 8)) - 1) for b in range(256))
        )
        self._cache: dict[int, memoryview] = {}

    def _make(self, first: int, last: int = -1) -> memoryview:
        """Return the draws of blocks first..last (just `first` by default) as one view."""
        digests = (
            hashlib.shake_128(self.key + b.to_bytes(8, "little")).digest(self.size * BLOCK)
            for b in range(first, max(first, last) + 1)
        )
        data = b"".join(digests)
        if self.mask is not None:
            high = 1 if LITTLE_ENDIAN else 0
            masked = bytearray(data)
            masked[high::2] = masked[high::2].translate(self.mask)
            return memoryview(masked).cast("H")
        view: memoryview = memoryview(data).cast(self.code)  # type: ignore[call-overload]
        return view

    def block(self, start: int, n: int) -> list[int]:
        """Return draws for rows [start, start + n)."""
        first, last = start // BLOCK, (start + n - 1) // BLOCK
        offset = start - first * BLOCK
        return self._make(first, last)[offset : offset + n].tolist()

    def at(self, row: int) -> int:
        """Return the draw of one row."""
        block = row // BLOCK
        view = self._cache.get(block)
        if view is None:
            if len(self._cache) >= _CACHED_BLOCKS:
                self._cache.clear()
            view = self._cache[block] = self._make(block)
        return int(view[row - block * BLOCK])
