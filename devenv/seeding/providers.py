"""Named providers: each builds a small list of realistic values once, rows then draw from it."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

from devenv.seeding.pools import pairs, words
from devenv.seeding.values import DAY_US

BASE = 4096
YEAR_US = 365 * DAY_US


@dataclass(frozen=True)
class Made:
    """A provider's values and their kind (text, int, decimal, date, timestamp, bool, json...)."""

    values: list[Any]
    kind: str
    weights: list[float] | None = None


Args = Mapping[str, Any]
Builder = Callable[[Args, random.Random, int], Made]
_REGISTRY: dict[str, Builder] = {}
# The arguments each provider reads: any other is a mistake in a seed definition.
_ARGS: dict[str, tuple[str, ...]] = {}
# How many distinct values a generated pool holds.
POOL = ("pool_size",)


def provider(*names: str, args: tuple[str, ...] = ()) -> Callable[[Builder], Builder]:
    """Register a builder under one or more provider names, with the arguments it reads."""

    def register(fn: Builder) -> Builder:
        for name in names:
            _REGISTRY[name] = fn
            _ARGS[name] = args
        return fn

    return register


def names() -> list[str]:
    """Return every provider name, sorted."""
    return sorted(_REGISTRY)


def build(name: str, args: Args, rnd: random.Random, anchor: int) -> Made:
    """Run provider `name` (KeyError if unknown; ValueError/TypeError on bad arguments)."""
    if name.startswith("faker."):
        return _faker(name[6:], args, rnd)
    builder, known = _REGISTRY[name], _ARGS[name]
    unknown = sorted(set(args) - set(known))
    if unknown:
        takes = f"it takes {', '.join(known)}" if known else "it takes none"
        raise TypeError(f"unknown argument {unknown[0]!r} ({takes})")
    return builder(args, rnd, anchor)


def span(
    low: Any, high: Any, names: tuple[str, str] = ("min", "max"), shown: Args | None = None
) -> tuple[Any, Any]:
    """Return (low, high), or raise ValueError when low is above high.

    `shown`: the arguments as given, for the message (dates, rather than day numbers).
    """
    if low > high:
        given = (low, high) if shown is None else [shown.get(n, "its default") for n in names]
        raise ValueError(f"{names[0]} {given[0]} is above {names[1]} {given[1]}")
    return low, high


def _count_range(args: Args, name: str, default: tuple[int, int]) -> tuple[int, int]:
    """Read an argument like `count = [2, 4]`: two whole numbers, 0 <= low <= high."""
    value = args.get(name, list(default))
    if not (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value)
    ):
        raise ValueError(f"{name} must be [low, high], two whole numbers >= 0")
    return span(value[0], value[1], (f"{name} low", "high"))


def _n(args: Args, rnd: random.Random, fn: Callable[[], Any], size: int = BASE) -> list[Any]:
    """Call fn `size` times (fn closes over rnd)."""
    return [fn() for _ in range(int(args.get("pool_size", size)))]


def _text(values: list[Any]) -> Made:
    return Made(values, "text")


@provider("first_name")
def _first(args: Args, rnd: random.Random, anchor: int) -> Made:
    return _text(list(words("first_names")))


@provider("last_name")
def _last(args: Args, rnd: random.Random, anchor: int) -> Made:
    return _text(list(words("last_names")))


@provider("full_name", "name", args=POOL)
def _full(args: Args, rnd: random.Random, anchor: int) -> Made:
    first, last = words("first_names"), words("last_names")
    return _text(_n(args, rnd, lambda: f"{rnd.choice(first)} {rnd.choice(last)}"))


@provider("username", args=POOL)
def _username(args: Args, rnd: random.Random, anchor: int) -> Made:
    first, last = words("first_names"), words("last_names")
    return _text(_n(args, rnd, lambda: f"{rnd.choice(first)}{rnd.choice(last)[:3]}".lower()))


@provider("company", args=("suffixes", *POOL))
def _company(args: Args, rnd: random.Random, anchor: int) -> Made:
    last = words("last_names")
    suffixes = list(args.get("suffixes", words("company_suffixes")))
    return _text(_n(args, rnd, lambda: f"{rnd.choice(last)} {rnd.choice(suffixes)}"))


@provider("product_name", args=POOL)
def _product(args: Args, rnd: random.Random, anchor: int) -> Made:
    kinds, materials = words("product_adjectives"), words("product_materials")
    nouns = words("product_nouns")
    return _text(
        _n(args, rnd, lambda: f"{rnd.choice(kinds)} {rnd.choice(materials)} {rnd.choice(nouns)}")
    )


@provider("job_title")
def _job(args: Args, rnd: random.Random, anchor: int) -> Made:
    return _text(list(words("job_titles")))


@provider("street", "street_address", args=POOL)
def _street(args: Args, rnd: random.Random, anchor: int) -> Made:
    names_, suffixes = words("street_names"), words("street_suffixes")
    return _text(
        _n(args, rnd, lambda: f"{rnd.randint(1, 9999)} {rnd.choice(names_)} {rnd.choice(suffixes)}")
    )


@provider("city")
def _city(args: Args, rnd: random.Random, anchor: int) -> Made:
    return _text(list(words("cities")))


@provider("state")
def _state(args: Args, rnd: random.Random, anchor: int) -> Made:
    return _text([name for _, name in pairs("states")])


@provider("state_code")
def _state_code(args: Args, rnd: random.Random, anchor: int) -> Made:
    return _text([code for code, _ in pairs("states")])


@provider("country")
def _country(args: Args, rnd: random.Random, anchor: int) -> Made:
    return _text([name for _, name in pairs("countries")])


@provider("country_code")
def _country_code(args: Args, rnd: random.Random, anchor: int) -> Made:
    return _text([code for code, _ in pairs("countries")])


@provider("postal_code", args=POOL)
def _postal(args: Args, rnd: random.Random, anchor: int) -> Made:
    return _text(_n(args, rnd, lambda: f"{rnd.randint(1001, 99950):05d}"))


@provider("address", args=POOL)
def _address(args: Args, rnd: random.Random, anchor: int) -> Made:
    street = _street(args, rnd, anchor).values
    cities, states = words("cities"), pairs("states")
    return _text(
        [
            f"{s}, {rnd.choice(cities)}, {rnd.choice(states)[0]} {rnd.randint(1001, 99950):05d}"
            for s in street
        ]
    )


# Area codes numbers take; 555-0100 to 555-0199 is the range reserved for fiction in the North
# American plan, and every way below to write a number stays in it.
AREA_CODES = range(201, 990)
PHONES = (
    "+1-{area}-555-01{line}",
    "+1{area}55501{line}",
    "{area}55501{line}",
    "1{area}55501{line}",
    "({area}) 555-01{line}",
    "{area}-555-01{line}",
    "+1 {area} 555 01{line}",
    "555-01{line}",
)


@provider("phone", args=("format", *POOL))
def _phone(args: Args, rnd: random.Random, anchor: int) -> Made:
    form = str(args.get("format", PHONES[0]))
    if "555-01{line}" not in form and "55501{line}" not in form and "555 01{line}" not in form:
        raise ValueError(f"format must keep the fictional 555-01xx range: one of {PHONES}")

    def number() -> str:
        return form.format(area=rnd.choice(AREA_CODES), line=f"{rnd.randint(0, 99):02d}")

    return _text(_n(args, rnd, number))


@provider("url", args=POOL)
def _url(args: Args, rnd: random.Random, anchor: int) -> Made:
    vocab = [w.lower() for w in words("words")]
    tld = ("com", "net", "org")
    return _text(
        _n(
            args,
            rnd,
            lambda: f"https://{rnd.choice(vocab)}.example.{rnd.choice(tld)}/{rnd.choice(vocab)}",
        )
    )


@provider("domain", args=POOL)
def _domain(args: Args, rnd: random.Random, anchor: int) -> Made:
    vocab = [w.lower() for w in words("words")]
    return _text(
        _n(args, rnd, lambda: f"{rnd.choice(vocab)}.example.{rnd.choice(('com', 'net', 'org'))}")
    )


@provider("ipv4")
def _ipv4(args: Args, rnd: random.Random, anchor: int) -> Made:
    # RFC 5737 documentation networks: never routed, never anybody's real address.
    nets = ("192.0.2", "198.51.100", "203.0.113")
    return Made([f"{net}.{host}" for net in nets for host in range(1, 255)], "inet")


@provider("ipv6", args=POOL)
def _ipv6(args: Args, rnd: random.Random, anchor: int) -> Made:
    return Made(
        _n(args, rnd, lambda: f"2001:db8::{rnd.getrandbits(16):x}:{rnd.getrandbits(16):x}"), "inet"
    )


@provider("word")
def _word(args: Args, rnd: random.Random, anchor: int) -> Made:
    return _text([w.lower() for w in words("words")])


@provider("words", "title", args=("count", *POOL))
def _words(args: Args, rnd: random.Random, anchor: int) -> Made:
    low, high = _count_range(args, "count", (2, 4))
    size = int(args.get("pool_size", BASE))
    return _text([p.capitalize() for p in _phrases(rnd, words("words"), low, high, size)])


@provider("sentence", "description", "paragraph", "text", args=("words", "sentences", *POOL))
def _sentence(args: Args, rnd: random.Random, anchor: int) -> Made:
    low, high = _count_range(args, "words", (6, 16))
    vocab = [w.lower() for w in words("words")]
    low_count, high_count = _count_range(args, "sentences", (1, 1))
    counts = rnd.choices(range(low_count, high_count + 1), k=int(args.get("pool_size", BASE)))
    sentences = [p.capitalize() + "." for p in _phrases(rnd, vocab, low, high, sum(counts))]
    return _text(_groups(sentences, counts))


def _phrases(rnd: random.Random, vocab: Sequence[str], low: int, high: int, size: int) -> list[str]:
    """Return `size` phrases of low..high words each, every draw made in two bulk calls."""
    counts = rnd.choices(range(low, high + 1), k=size)
    return _groups(rnd.choices(vocab, k=sum(counts)), counts)


def _groups(items: list[str], counts: list[int]) -> list[str]:
    """Join consecutive runs of `items`, `counts[i]` items for the i-th result, with spaces."""
    it = iter(items)
    return [" ".join(islice(it, c)) for c in counts]


@provider("slug", args=POOL)
def _slug(args: Args, rnd: random.Random, anchor: int) -> Made:
    vocab = [w.lower() for w in words("words")]
    return _text(_n(args, rnd, lambda: f"{rnd.choice(vocab)}-{rnd.choice(vocab)}"))


@provider("hex", "token", args=("length", *POOL))
def _hex(args: Args, rnd: random.Random, anchor: int) -> Made:
    length = int(args.get("length", 32))
    return _text(_n(args, rnd, lambda: f"{rnd.getrandbits(4 * length):0{length}x}"))


@provider("password_hash", args=POOL)
def _password_hash(args: Args, rnd: random.Random, anchor: int) -> Made:
    return _text(
        _n(args, rnd, lambda: f"$synthetic$not-a-real-hash${rnd.getrandbits(128):032x}", 256)
    )


@provider("currency", args=("codes",))
def _currency(args: Args, rnd: random.Random, anchor: int) -> Made:
    return _text(list(args.get("codes", ["USD", "EUR", "GBP", "CAD", "AUD", "JPY", "CHF"])))


@provider("timezone")
def _timezone(args: Args, rnd: random.Random, anchor: int) -> Made:
    return _text(list(words("timezones")))


@provider("locale")
def _locale(args: Args, rnd: random.Random, anchor: int) -> Made:
    return _text(["en-US", "en-GB", "fr-FR", "de-DE", "es-ES", "pt-BR", "ja-JP", "nl-NL"])


@provider("color")
def _color(args: Args, rnd: random.Random, anchor: int) -> Made:
    return _text(["red", "orange", "yellow", "green", "teal", "blue", "indigo", "violet", "gray"])


@provider("hex_color", args=POOL)
def _hex_color(args: Args, rnd: random.Random, anchor: int) -> Made:
    return _text(_n(args, rnd, lambda: f"#{rnd.getrandbits(24):06x}", 1024))


@provider("user_agent")
def _user_agent(args: Args, rnd: random.Random, anchor: int) -> Made:
    return _text([f"Mozilla/5.0 (synthetic; devenv) Browser/{major}.0" for major in range(90, 130)])


@provider("content_type", args=("types",))
def _content_type(args: Args, rnd: random.Random, anchor: int) -> Made:
    from devenv.seeding.objects import CONTENT_TYPES

    return _text(list(args.get("types", CONTENT_TYPES)))


def spread(low: int, high: int, rnd: random.Random, *, cells: int = BASE) -> list[int]:
    """Return up to `cells` values covering [low, high] evenly, each jittered within its cell.

    Few distinct values keep the draw tables small enough to stay in the CPU cache.
    """
    span = high - low + 1
    if span <= cells:
        return list(range(low, high + 1))
    cell = span / cells
    return [low + int(i * cell + rnd.random() * cell) for i in range(cells)]


def _faker(method: str, args: Args, rnd: random.Random) -> Made:
    """Build a pool with any Faker method (slower, so only on request)."""
    from faker import Faker

    fake = Faker(args.get("locale", "en_US"), use_weighting=False)
    fake.seed_instance(rnd.getrandbits(32))
    fn = getattr(fake, method)
    kwargs = {k: v for k, v in args.items() if k not in ("locale", "pool_size")}
    return Made([fn(**kwargs) for _ in range(int(args.get("pool_size", 1024)))], "text")


SPECIAL = ("email", "uuid")


# Registers the numeric and date/time providers (after the registry above exists).
from devenv.seeding import quantities  # noqa: E402, F401
