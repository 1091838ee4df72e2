"""The documented scales: each multiplies every table's small-scale row count."""

from __future__ import annotations

from devenv.errors import SeedError

MULTIPLIERS = {"small": 1, "medium": 10, "large": 250}
DEFAULT_ROWS = 100
DEFAULT_NULL_FRACTION = 0.1


def scale_names() -> tuple[str, ...]:
    """Return the scale names, smallest first."""
    return tuple(MULTIPLIERS)


def multiplier(scale: str) -> int:
    """Return the factor of `scale`, or raise SeedError for an unknown scale."""
    if scale not in MULTIPLIERS:
        raise SeedError(
            f"unknown scale {scale!r}",
            hint=f"Use one of: {', '.join(MULTIPLIERS)}.",
        )
    return MULTIPLIERS[scale]


def rows_at(rows: int | dict[str, int] | None, scale: str) -> int:
    """Return a table's row count at `scale` from its `rows` setting."""
    if isinstance(rows, dict):
        if scale in rows:
            return rows[scale]
        return rows.get("small", DEFAULT_ROWS) * multiplier(scale)
    return (DEFAULT_ROWS if rows is None else rows) * multiplier(scale)
