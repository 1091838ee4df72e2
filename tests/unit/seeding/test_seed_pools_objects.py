"""Draw tables, providers, rules and generated files."""

from __future__ import annotations

import random
import re
import struct
import zlib

import pytest

from devenv.seeding import providers
from devenv.seeding.model import PgType
from devenv.seeding.objects import CONTENT_TYPES, extension, render
from devenv.seeding.pools import TABLE_SIZE, build_table
from devenv.seeding.rules import infer, load_rules, snake
from devenv.seeding.values import NULL, encoder

TEXT = PgType(25, "text", "text")


def test_table_weights_and_nulls() -> None:
    table = build_table(["a", "b"], encoder(TEXT), weights=[3, 1], null_fraction=0.25)
    draws = range(TABLE_SIZE)  # every slot once
    raw = table.values(draws)
    assert raw.count(None) == TABLE_SIZE // 4
    assert raw.count("a") == 3 * raw.count("b")
    assert table.fields(draws).count(NULL) == TABLE_SIZE // 4
    assert TABLE_SIZE == 4096


def test_every_provider_builds_values() -> None:
    for name in providers.names():
        made = providers.build(name, {}, random.Random(1), 789_000_000_000_000)
        assert made.values, name
        assert len(made.values) <= 65536, name


def test_every_shipped_rule_gives_its_provider_arguments_it_takes() -> None:
    for rule in load_rules():
        if rule.provider in providers.SPECIAL:
            assert not rule.args, rule
        elif not rule.provider.startswith("faker."):
            assert providers.build(rule.provider, rule.args, random.Random(1), 0).values, rule


def test_an_argument_a_provider_does_not_take_is_refused() -> None:
    with pytest.raises(TypeError, match=r"unknown argument 'mn' \(it takes min, max\)"):
        providers.build("integer", {"mn": 1}, random.Random(1), 0)
    with pytest.raises(TypeError, match=r"unknown argument 'pool_size' \(it takes none\)"):
        providers.build("city", {"pool_size": 9}, random.Random(1), 0)
    assert len(providers.build("city", {}, random.Random(1), 0).values) > 9


@pytest.mark.parametrize(
    ("name", "args", "problem"),
    [
        ("integer", {"min": 5, "max": 1}, "min 5 is above max 1"),
        (
            "date",
            {"start": "2024-02-01", "end": "2024-01-01"},
            "start 2024-02-01 is above end 2024-01-01",
        ),
        ("date_of_birth", {"min_age": 60, "max_age": 20}, "min_age 60 is above max_age 20"),
        ("words", {"count": [4, 2]}, "count low 4 is above high 2"),
        ("sentence", {"sentences": [1, -1]}, "sentences must be [low, high]"),
    ],
)
def test_an_empty_or_malformed_span_is_refused(
    name: str, args: dict[str, object], problem: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(problem)):
        providers.build(name, args, random.Random(1), 0)


def test_providers_are_deterministic() -> None:
    one = providers.build("street", {}, random.Random(5), 0).values
    assert one == providers.build("street", {}, random.Random(5), 0).values


def test_phone_numbers_are_fictional() -> None:
    for phone in providers.build("phone", {}, random.Random(1), 0).values:
        assert phone[7:14].startswith("555-01")
    for form in providers.PHONES:
        numbers = providers.build("phone", {"format": form}, random.Random(1), 0).values
        assert all("55501" in "".join(c for c in n if c.isdigit()) for n in numbers)
    with pytest.raises(ValueError, match="must keep the fictional 555-01xx range"):
        providers.build("phone", {"format": "+44 20 {area} {line}"}, random.Random(1), 0)


def test_rules_infer_by_name_then_type() -> None:
    assert load_rules()
    assert infer("users", "email", TEXT).provider == "email"  # type: ignore[union-attr]
    assert infer("users", "name", TEXT).provider == "full_name"  # type: ignore[union-attr]
    assert infer("vendors", "name", TEXT).provider == "company"  # type: ignore[union-attr]
    assert infer("t", "zzz", PgType(20, "bigint", "int8")).provider == "integer"  # type: ignore[union-attr]
    assert not infer("t", "zzz", TEXT).by_name  # type: ignore[union-attr]
    assert infer("t", "zzz", PgType(0, "point", "unsupported")) is None
    assert infer("products", "name", TEXT).provider == "product_name"  # type: ignore[union-attr]
    assert infer("tags", "name", TEXT).provider == "words"  # type: ignore[union-attr]
    made = providers.build("product_name", {}, random.Random(1), 0)
    assert len(set(made.values)) > 3000  # of 4096 drawn
    assert all(len(v.split()) == 3 for v in made.values)
    date = PgType(1082, "date", "date")
    assert infer("people", "born", date).provider == "date_of_birth"  # type: ignore[union-attr]
    small = infer("posts", "status", PgType(21, "smallint", "int2"))
    assert small is not None
    assert small.args == {"min": 0, "max": 4}  # an ORM's integer choices, not any integer
    # Soft-delete markers are NULL on most rows; other timestamps take the usual share.
    assert infer("posts", "deletedAt", date).null_fraction == 0.9  # type: ignore[union-attr]
    assert infer("posts", "published_at", date).null_fraction is None  # type: ignore[union-attr]


def test_rules_read_camel_case_names_as_words() -> None:
    assert [snake(n) for n in ("createdAt", "CreatedAt", "userID", "HTTPStatus", "zip")] == [
        "created_at",
        "created_at",
        "user_id",
        "http_status",
        "zip",
    ]
    assert infer("UserProfile", "firstName", TEXT).provider == "first_name"  # type: ignore[union-attr]
    assert infer("Post", "updatedAt", PgType(1114, "timestamp", "timestamp")).by_name  # type: ignore[union-attr]
    assert infer("User", "id", TEXT).provider == "uuid"  # type: ignore[union-attr]


@pytest.mark.parametrize("content_type", CONTENT_TYPES)
def test_rendered_files_are_small_valid_and_deterministic(content_type: str) -> None:
    data = render(content_type, "documents/x.bin")
    assert data == render(content_type, "documents/x.bin")
    assert data != render(content_type, "documents/y.bin")
    assert 0 < len(data) < 4096
    assert extension(content_type) in ("pdf", "png", "csv", "json", "txt")


def test_pdf_xref_offsets_point_at_objects() -> None:
    data = render("application/pdf", "k")
    start = int(data.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    assert data[start:].startswith(b"xref")
    offsets = [int(line[:10]) for line in data[start:].split(b"\n")[3:8]]
    assert all(data[off:].startswith(b"%d 0 obj" % (i + 1)) for i, off in enumerate(offsets))


def test_png_chunks_have_valid_crcs() -> None:
    data = render("image/png", "k")
    pos = 8
    while pos < len(data):
        (length,) = struct.unpack("!I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack("!I", data[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + body) == crc
        pos += 12 + length


def test_table_lookups_by_draw_and_mapped_values_agree_with_slots() -> None:
    table = build_table(["Ann", "Bo", "Cy"], encoder(PgType(25, "text", "text")), null_fraction=0.1)
    draws = random.Random(4).choices(range(TABLE_SIZE), k=2000)
    small = table.fields(draws[:10])  # fewer than 512 draws: encoded lazily, slot by slot
    assert small == [encoder(PgType(25, "text", "text"))(table.value(d)) for d in draws[:10]]
    table.fill()
    assert table.fields(draws) == [
        NULL if table.value(d) is None else encoder(PgType(25, "text", "text"))(table.value(d))
        for d in draws
    ]
    assert table.mapped(str.lower, draws) == [
        None if table.value(d) is None else table.value(d).lower() for d in draws
    ]


@pytest.mark.parametrize(
    "template", ["INV-{row:08d}", "{row}", "A%{row:5}B", "{{x}}-{row:03d}", "PAY-{row:d}"]
)
def test_row_templates_render_the_same_through_printf(template: str) -> None:
    from devenv.seeding.special import _row_printf

    printf = _row_printf(template)
    assert printf is not None
    for row in (1, 7, 12_345, 123_456_789):
        assert printf % row == template.format(row=row)


@pytest.mark.parametrize("template", ["{row:x}", "{row!r}", "{name}-{row}", "{row:>8}"])
def test_other_templates_keep_str_format(template: str) -> None:
    from devenv.seeding.special import _row_printf

    assert _row_printf(template) is None


@pytest.mark.parametrize(("span", "bits"), [(1, 12), (76, 12), (4096, 12), (5000, 16)])
def test_offsets_reach_every_step_of_their_span(span: int, bits: int) -> None:
    from devenv.seeding.gens import Block, ConstGen, OffsetGen
    from devenv.seeding.rng import Draws, stream_key

    int8 = encoder(PgType(20, "int8", "int8"))
    base = ConstGen("a", int8, 1000)
    draws = Draws(stream_key(1, "t", "b"), bits=bits)
    gen = OffsetGen("b", int8, base, 1, span, 1, draws)
    values = Block({"a": base, "b": gen}, 0, 200_000).raw("b")
    assert set(values) == set(range(1001, 1001 + span))
    assert values[:300] == [gen.at(r) for r in range(300)]


@pytest.mark.parametrize("template", ["INV-{row:08d}", "{row}", "n°{row:3d}%", "x" * 35 + "{row}"])
def test_row_templates_encode_straight_to_the_fields_text_would_give(template: str) -> None:
    from devenv.seeding.special import _printf_fields, _row_printf

    printf = _row_printf(template)
    assert printf is not None
    text = encoder(PgType(25, "text", "text"))
    # Across the digit-count changes at 10, 100 and 1000 (and a 37-byte field: b"%" as length).
    for start, n in ((0, 1200), (95, 10), (99_999_990, 20)):
        expected = [text(template.format(row=r + 1)) for r in range(start, start + n)]
        assert _printf_fields(printf.encode(), start, n) == expected
