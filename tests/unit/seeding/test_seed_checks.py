"""CHECK constraint parsing, on the exact text pg_get_constraintdef prints."""

from __future__ import annotations

import pytest

from devenv.seeding.checks import Relation, analyse
from devenv.seeding.values import pg_interval


def test_in_list_becomes_choices() -> None:
    facts = analyse([("s", "CHECK ((status = ANY (ARRAY['open'::text, 'paid'::text])))")])
    assert facts.columns["status"].choices == ("open", "paid")


def test_domain_value_with_casts() -> None:
    text = (
        "CHECK (((VALUE)::text = ANY ((ARRAY['YES'::character varying,"
        " 'NO'::character varying])::text[])))"
    )
    facts = analyse([("d", text)], value_column="answer")
    assert facts.columns["answer"].choices == ("YES", "NO")


def test_ranges_and_negative_literals() -> None:
    facts = analyse(
        [
            ("r", "CHECK (((a >= '-5'::integer) AND (a <= 10)))"),
            ("t", "CHECK ((total > (0)::numeric))"),
        ]
    )
    assert facts.columns["a"].lower == ("-5", True)
    assert facts.columns["a"].upper == ("10", True)
    assert facts.columns["total"].lower == ("0", False)


def test_timestamp_literal_with_multiword_type() -> None:
    facts = analyse([("d", "CHECK ((d < '2030-01-01 00:00:00+00'::timestamp with time zone))")])
    assert facts.columns["d"].upper == ("2030-01-01 00:00:00+00", False)


def test_column_relations() -> None:
    facts = analyse(
        [("a", "CHECK ((ends_at > starts_at))"), ("b", "CHECK ((updated_at >= created_at))")]
    )
    assert facts.relations == [
        Relation("starts_at", "ends_at", True),
        Relation("created_at", "updated_at", False),
    ]


def test_null_or_rule_keeps_the_rule() -> None:
    facts = analyse([("p", "CHECK (((parent_id IS NULL) OR (parent_id <> id)))")])
    assert facts.relations == [Relation("parent_id", "id", True, distinct=True)]
    assert facts.unsupported == []


def test_lengths_and_non_empty() -> None:
    facts = analyse(
        [
            ("l", "CHECK (((length(b) <= 5) AND (b <> ''::text)))"),
            ("m", "CHECK ((char_length(b) >= 2))"),
        ]
    )
    assert facts.columns["b"].max_length == 5
    assert facts.columns["b"].min_length == 2
    assert "" in facts.columns["b"].excluded


def test_differences_between_columns() -> None:
    """b >= a + 7, b - a > '1 day', a + 10 < b, b <= a + '08:00:00': least and greatest gaps."""
    facts = analyse(
        [
            ("d", "CHECK ((plan_ends >= (plan_starts + 7)))"),
            ("i", "CHECK (((ends_at - starts_at) > '1 day'::interval))"),
            ("j", "CHECK ((ends_at <= (starts_at + '08:00:00'::interval)))"),
            ("k", "CHECK (((a + 10) < b))"),
            ("m", "CHECK ((b >= (a - 2)))"),
        ]
    )
    assert facts.unsupported == []
    assert facts.relations == [
        Relation("plan_starts", "plan_ends", False, gaps=("7",)),
        Relation("starts_at", "ends_at", True, gaps=("1 day",), bounds=(("08:00:00", False),)),
        Relation("a", "b", True, gaps=("10", "-2")),
    ]


@pytest.mark.parametrize(
    ("text", "seconds", "longest"),
    [
        ("7 days", 7 * 86400, 7 * 86400),
        ("00:30:00", 1800, 1800),
        ("1 day 02:00:00", 93600, 93600),
        ("-00:30:00", -1800, -1800),
        ("1 mon", 28 * 86400, 31 * 86400),
        ("1 year 2 mons", (365 + 56) * 86400, (366 + 62) * 86400),
        ("90m", 5400, 5400),
    ],
)
def test_intervals_as_postgresql_prints_them(text: str, seconds: int, longest: int) -> None:
    assert pg_interval(text) == seconds * 1_000_000
    assert pg_interval(text, longest=True) == longest * 1_000_000


@pytest.mark.parametrize(
    "definition",
    [
        "CHECK ((num_nonnulls(a, b) = 1))",
        "CHECK (((a - b) = 3))",
        "CHECK (((a + b) > 3))",
        "CHECK (((a > 1) OR (b > 1)))",
    ],
)
def test_unsupported_checks_are_reported_not_fatal(definition: str) -> None:
    facts = analyse([("odd", definition)], value_column="v")
    assert facts.unsupported == ["odd"]


def test_regex_checks_become_patterns() -> None:
    facts = analyse([("z", "CHECK (((VALUE)::text ~ '^[0-9]{5}$'::text))")], value_column="zip")
    assert facts.columns["zip"].patterns == ["^[0-9]{5}$"]
    assert facts.unsupported == []


def test_pattern_examples_match() -> None:
    import random
    import re

    from devenv.seeding.patterns import PatternTooHard, examples

    for pattern in [r"^[0-9]{5}(-[0-9]{4})?$", r"^[A-Z]{2}\d+$", r"^(ab|cd)-\w*$", r"^[^x]+$"]:
        found = examples(pattern, random.Random(1), count=50)
        assert found
        assert all(re.search(pattern, s) for s in found)
    with pytest.raises(PatternTooHard):
        examples(r"^(?=a)b$", random.Random(1), count=5)


def test_pattern_examples_of_a_given_length() -> None:
    import random

    from devenv.seeding.patterns import examples

    found = examples("^[0-9]+$", random.Random(1), count=300, lengths=(6, 6))
    assert len(found) == 300
    assert {len(s) for s in found} == {6}


def test_distinct_codes_from_a_pattern() -> None:
    import re

    from devenv.seeding.patterns import alphabets
    from devenv.seeding.uniques import codes

    positions = alphabets(r"^[A-Z]{3}-\d{4}$")
    assert len(positions) == 8
    code = codes(positions, b"key")
    made = [code(row) for row in range(50_000)]
    assert len(set(made)) == len(made)
    assert all(re.fullmatch(r"[A-Z]{3}-[0-9]{4}", c) for c in made)
    assert alphabets("^(TK|TX)[0-9]+$", open_repeat=3) == ["T", "KX", *["0123456789"] * 3]


def test_formulas_compute_a_column_from_others() -> None:
    from decimal import Decimal

    from devenv.seeding.checks import formula

    found = formula("CHECK ((line_total = ((qty)::numeric * unit_price)))")
    assert found is not None
    assert found[:2] == ("line_total", ("qty", "unit_price"))
    assert found[2](3, Decimal("1.25")) == Decimal("3.75")
    found = formula("CHECK ((((subtotal + tax) - coalesce(discount, (0)::numeric)) = total))")
    assert found is not None
    assert found[0] == "total"
    assert found[2](Decimal("10.00"), Decimal("1.50"), None) == Decimal("11.50")
    found = formula("CHECK ((cents = round((amount * (100)::numeric))))")
    assert found is not None
    assert found[2](Decimal("12.345")) == Decimal("1235")  # half away from zero
    assert found[2](None) is None
    # Division (its scale is the server's to decide), plain equality, and a column on both sides.
    for definition in ("CHECK ((a = (b / c)))", "CHECK ((a = b))", "CHECK ((a = (a + 1)))"):
        assert formula(definition) is None
