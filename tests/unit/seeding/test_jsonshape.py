"""Reading what a CHECK asks of a JSON column, from the server's own text of it."""

from __future__ import annotations

import random

from devenv.seeding.jsonshape import needs


def shaped(column: str, *definitions: str, value: object = None) -> dict[str, object]:
    result = needs(column, list(definitions)).apply(
        {"score": 1} if value is None else value, random.Random(1), ["word"]
    )
    assert isinstance(result, dict)
    return result


def test_keys_that_must_be_present() -> None:
    out = shaped(
        "data",
        "CHECK ((data ? 'type'::text))",
        "CHECK (((data ?& ARRAY['a'::text, 'b'::text]) AND (data ?| ARRAY['c'::text, 'd'::text])))",
        "CHECK (((data ->> 'kind'::text) IS NOT NULL))",
    )
    assert set(out) == {"score", "type", "a", "b", "c", "kind"}


def test_values_a_key_must_take() -> None:
    status = "CHECK (((s ->> 'status'::text) = ANY (ARRAY['on'::text, 'it''s'::text])))"
    seen = {
        needs("s", [status]).apply({}, random.Random(seed), ["w"])["status"] for seed in range(20)
    }
    assert seen == {"on", "it's"}
    assert shaped("s", "CHECK (((s ->> 'v'::text) = 'x'::text))")["v"] == "x"


def test_containment_types_and_nested_paths() -> None:
    out = shaped(
        "doc",
        """CHECK (((doc @> '{"version": 1}'::jsonb) AND (jsonb_typeof((doc -> 'items'::text))"""
        """ = 'array'::text) AND ((doc -> 'meta'::text) ? 'id'::text)))""",
    )
    assert out == {"score": 1, "version": 1, "items": [], "meta": {"id": "word"}}


def test_quoted_names_and_other_columns() -> None:
    assert "k" in shaped("Raw", """CHECK ((("Raw" ->> 'k'::text) IS NOT NULL))""")
    # A CHECK about another column, or about a column whose name merely ends the same.
    assert not needs("data", ["CHECK ((other ? 'type'::text))", "CHECK ((my_data ? 't'::text))"])


def test_a_value_that_is_not_an_object_becomes_one() -> None:
    assert shaped("d", "CHECK ((d ? 'type'::text))", value=[1, 2]) == {"type": "word"}
