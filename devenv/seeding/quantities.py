"""Numbers, dates, times, booleans and JSON providers (registered with `providers`)."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from devenv.seeding.pools import words
from devenv.seeding.providers import BASE, POOL, YEAR_US, Args, Made, _n, provider, span, spread
from devenv.seeding.values import DAY_US


@provider("status")
def _status(args: Args, rnd: random.Random, anchor: int) -> Made:
    return Made(["active", "pending", "inactive", "archived"], "text", [70.0, 15.0, 10.0, 5.0])


@provider("boolean", args=("true_fraction",))
def _boolean(args: Args, rnd: random.Random, anchor: int) -> Made:
    share = float(args.get("true_fraction", 0.5))
    return Made([True, False], "bool", [share, 1.0 - share])


@provider("integer", "quantity", "age", "rating", "percent", args=("min", "max"))
def _integer(args: Args, rnd: random.Random, anchor: int) -> Made:
    low, high = span(int(args.get("min", 0)), int(args.get("max", 1000)))
    return Made(spread(low, high, rnd), "int")


@provider("decimal", "amount", "money", args=("min", "max", "places"))
def _decimal(args: Args, rnd: random.Random, anchor: int) -> Made:
    places = int(args.get("places", 2))
    low, high = span(_decimal_arg(args, "min", "5"), _decimal_arg(args, "max", "2000"))
    low, high = low.scaleb(places), high.scaleb(places)
    # Amounts cluster low and tail off, like real prices and bills.
    base, width = float(low), float(high - low)
    raw = sorted(int(base + width * rnd.random() ** 2.5) for _ in range(BASE))
    return Made([Decimal(v).scaleb(-places) for v in raw], "decimal")


def _decimal_arg(args: Args, name: str, default: str) -> Decimal:
    """Read a decimal argument such as `min = 9.99`."""
    try:
        return Decimal(str(args.get(name, default)))
    except ArithmeticError:
        raise ValueError(f"{name} must be a number, not {args[name]!r}") from None


@provider("float", "latitude", "longitude", args=("min", "max"))
def _float(args: Args, rnd: random.Random, anchor: int) -> Made:
    low, high = span(float(args.get("min", 0.0)), float(args.get("max", 1.0)))
    return Made([round(rnd.uniform(low, high), 6) for _ in range(BASE)], "float")


def _when(value: Any, base: str) -> int:
    """Read a start/end argument (a TOML date or datetime, an ISO string, or raw units)."""
    from devenv.seeding.values import coerce_temporal

    return coerce_temporal(value, base)


@provider("timestamp", "datetime", args=("start", "end"))
def _timestamp(args: Args, rnd: random.Random, anchor: int) -> Made:
    low, high = span(
        _when(args.get("start", anchor - 3 * YEAR_US), "timestamptz"),
        _when(args.get("end", anchor), "timestamptz"),
        ("start", "end"),
        args,
    )
    second = 1_000_000
    return Made([v // second * second for v in spread(int(low), int(high), rnd)], "timestamp")


@provider("date", args=("start", "end"))
def _date(args: Args, rnd: random.Random, anchor: int) -> Made:
    low, high = span(
        _when(args.get("start", anchor // DAY_US - 3 * 365), "date"),
        _when(args.get("end", anchor // DAY_US), "date"),
        ("start", "end"),
        args,
    )
    return Made(spread(int(low), int(high), rnd), "date")


@provider("date_of_birth", args=("min_age", "max_age"))
def _dob(args: Args, rnd: random.Random, anchor: int) -> Made:
    today = anchor // DAY_US
    young, old = span(
        int(args.get("min_age", 0)), int(args.get("max_age", 95)), ("min_age", "max_age")
    )
    return Made(spread(today - old * 365, today - young * 365, rnd), "date")


@provider("year", args=("min", "max"))
def _year(args: Args, rnd: random.Random, anchor: int) -> Made:
    now = 2000 + anchor // YEAR_US  # timestamps count from 2000; close enough for years
    low, high = span(int(args.get("min", now - 40)), int(args.get("max", now)))
    return Made(spread(low, high, rnd), "int")


@provider("time")
def _time(args: Args, rnd: random.Random, anchor: int) -> Made:
    return Made([(h * 60 + m) * 60_000_000 for h in range(8, 18) for m in range(0, 60, 15)], "time")


@provider("json", args=POOL)
def _json(args: Args, rnd: random.Random, anchor: int) -> Made:
    vocab = [w.lower() for w in words("words")]
    return Made(
        _n(args, rnd, lambda: {"source": rnd.choice(vocab), "score": rnd.randint(0, 100)}, 1024),
        "json",
    )


@provider("duration")
def _duration(args: Args, rnd: random.Random, anchor: int) -> Made:
    return Made([m * 60_000_000 for m in range(5, 241, 5)], "interval")
