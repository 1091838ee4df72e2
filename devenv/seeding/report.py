"""What a seed run returns: per-table counts and timings, objects, throughput and peak memory."""

from __future__ import annotations

import resource
import sys
from collections.abc import Callable
from dataclasses import dataclass

ProgressCallback = Callable[[str, int, int], None]


@dataclass(frozen=True)
class TableReport:
    """Rows loaded into one table and the time spent streaming them."""

    name: str
    rows: int
    seconds: float


@dataclass(frozen=True)
class SeedReport:
    """The outcome of one seed run."""

    scale: str
    seed: int
    tables: tuple[TableReport, ...]
    objects: int
    seconds: float
    workers: int = 1
    peak_rss_mb: float = 0.0
    notes: tuple[str, ...] = ()
    phases: tuple[tuple[str, float], ...] = ()

    @property
    def rows(self) -> int:
        """Return the total number of rows loaded."""
        return sum(t.rows for t in self.tables)

    @property
    def rows_per_second(self) -> float:
        """Return rows loaded per second of the whole run."""
        return self.rows / self.seconds if self.seconds > 0 else 0.0


def peak_rss_mb() -> float:
    """Return the seeding process tree's peak memory in MB: own peak plus the largest child's.

    Worker processes are forked from this one and share most of its pages; the largest child's
    peak counts those shared pages again, which covers the other worker's private pages.
    """
    scale = 1 if sys.platform == "darwin" else 1024
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * scale
    return (own + child) / 1e6
