"""Key arithmetic: unique UUIDs, parent maps stable across scales, injective where needed."""

from __future__ import annotations

import uuid
from array import array

from devenv.seeding import keys
from devenv.seeding.gens import ParentMap
from devenv.seeding.rng import BLOCK, Draws, stream_key


def draws(name: str, *, wide: bool = False) -> Draws:
    return Draws(stream_key(1, "t", name), wide=wide)


def test_uuids_are_unique_valid_v4_and_the_same_in_any_block() -> None:
    stream = keys.UuidStream(stream_key(1, "t", "id"))
    data = stream.block(0, 50_000)
    values = [data[i : i + 16] for i in range(0, len(data), 16)]
    assert len(set(values)) == len(values)
    parsed = uuid.UUID(bytes=values[7])
    assert parsed.version == 4
    assert parsed.variant == uuid.RFC_4122
    assert stream.at(7) == values[7]
    assert stream.block(1000, 100) == data[16000:17600]


def test_random_map_is_stable_when_both_tables_grow_by_the_same_factor() -> None:
    small = keys.random_map(draws("a", wide=True), None, 0, (100, 10), 10)
    large = keys.random_map(draws("a", wide=True), None, 0, (100, 10), 250)
    assert [small.index(r) for r in range(100)] == [large.index(r) for r in range(100)]
    assert all(0 <= large.index(r) < 250 for r in range(25_000))  # type: ignore[operator]
    assert large.indexes(90, 3000) == [large.index(r) for r in range(90, 3090)]


def test_random_map_nulls_share() -> None:
    parents = keys.random_map(draws("b", wide=True), draws("bn"), 65536 // 4, (0, 0), 50)
    found = parents.indexes(0, 20_000)
    assert 0.2 < found.count(None) / len(found) < 0.3


def test_one_to_one_is_injective_including_the_tail() -> None:
    for parents in (1467, 14_600, 14_670, 20_000):
        capacity = keys.one_to_one_capacity(1000, 1467, parents)
        mapping = keys.one_to_one_map(99, 1000, 1467, parents)
        picked = [mapping.index(r) for r in range(capacity)]
        assert None not in picked
        assert len(set(picked)) == capacity
        assert max(picked) < parents  # type: ignore[type-var]
    small, big = (
        keys.one_to_one_map(99, 1000, 1467, 1467),
        keys.one_to_one_map(99, 1000, 1467, 14_600),
    )
    assert [small.index(r) for r in range(1000)] == [big.index(r) for r in range(1000)]


def test_self_map_points_backwards() -> None:
    mapping = keys.self_map(draws("s", wide=True), draws("sn"), 6553)
    picked = mapping.indexes(0, 5000)
    assert picked[0] is None
    assert all(p is None or p < r for r, p in enumerate(picked))


def test_group_map_walks_runs_of_children() -> None:
    cum = keys.group_counts(draws("g"), 1000, 0, 3)
    mapping = keys.group_map(cum)
    assert mapping.indexes(0, cum[-1]) == [mapping.index(r) for r in range(cum[-1])]
    counts: dict[int, int] = {}
    for p in mapping.indexes(0, cum[-1]):
        counts[p] = counts.get(p, 0) + 1  # type: ignore[index]
    assert max(counts.values()) <= 3
    bigger = keys.group_counts(draws("g"), 5000, 0, 3)
    assert list(bigger[:1001]) == list(cum)


def test_pairs_are_distinct() -> None:
    first, second = keys.pair_maps(5, 30, 40)
    pairs = {(first.index(r), second.index(r)) for r in range(1200)}
    assert len(pairs) == 1200


def test_pairs_on_one_table_never_pair_a_parent_with_itself() -> None:
    """follows (follower, followee) both -> users: 40 users give 40 * 39 distinct pairs."""
    first, second = keys.pair_maps(5, 40, 40, apart=True)
    pairs = {(first.index(r), second.index(r)) for r in range(40 * 39)}
    assert len(pairs) == 40 * 39
    assert all(a != b for a, b in pairs)


def test_apart_map_moves_only_the_rows_that_collide() -> None:
    other = ParentMap(lambda r: r % 7)
    own = ParentMap(lambda r: (r * 3) % 7 if r % 5 else None)
    moved = keys.apart_map(other, own, 7)
    rows = range(500)
    assert all(moved.index(r) != other.index(r) for r in rows if own.index(r) is not None)
    assert moved.indexes(0, 500) == [moved.index(r) for r in rows]
    assert [moved.index(r) for r in rows if own.index(r) != other.index(r)] == [
        own.index(r) for r in rows if own.index(r) != other.index(r)
    ]


def test_draws_block_and_at_agree_across_block_edges() -> None:
    d = draws("x")
    run = d.block(BLOCK - 5, 20)
    assert run == [d.at(r) for r in range(BLOCK - 5, BLOCK + 15)]
    assert Draws(stream_key(1, "t", "x")).block(0, 10) != Draws(stream_key(2, "t", "x")).block(
        0, 10
    )


def test_one_to_one_block_equals_row_by_row_across_tranches_and_the_tail() -> None:
    mapping = keys.one_to_one_map(99, 1000, 1467, 14_670)
    capacity = keys.one_to_one_capacity(1000, 1467, 14_670)
    for start, n in ((0, 10), (990, 30), (2500, 4000), (capacity - 50, 120)):
        assert mapping.indexes(start, n) == [mapping.index(r) for r in range(start, start + n)]


def test_sequences_build_blocks_and_look_up_rows() -> None:
    from devenv.seeding.gens import Block, SeqGen
    from devenv.seeding.values import encoder
    from tests.unit.seeding.test_seed_plan import INT

    gen = SeqGen("id", encoder(INT), 10, 3)
    blk = Block({"id": gen}, 5, 4)
    assert blk.raw("id") == [25, 28, 31, 34] == [gen.at(r) for r in range(5, 9)]
    assert gen.values_at([0, None, 2]) == [10, None, 16]


def test_slot_draws_are_uniform_below_the_table_size_and_the_same_one_at_a_time() -> None:
    slots = Draws(stream_key(1, "t", "name"), bits=12)
    values = slots.block(500, 3 * BLOCK)
    assert max(values) < 4096
    assert values == [slots.at(r) for r in range(500, 500 + 3 * BLOCK)]
    # Every slot about as likely: 64 slot ranges of 64 each get 1/64 of 200k draws (+-12 %).
    counts = [0] * 64
    for v in slots.block(0, 200_000):
        counts[v >> 6] += 1
    assert all(abs(c - 200_000 / 64) < 0.12 * 200_000 / 64 for c in counts)
    # The low byte is the full draw's: the same stream at 16 bits agrees below 2**12.
    full = Draws(stream_key(1, "t", "name")).block(500, 3 * BLOCK)
    assert values == [v & 0xFFF for v in full]


def test_shared_maps_pick_parents_that_agree_on_the_shared_value() -> None:
    tenant_of_customer = [0, 1, 0, 2, 1, 0]  # customers 0..5 of tenants 0..2
    tenant_of_product = [1, 1, 0, 3]  # products 0..3: tenant 2 has none, tenant 3 no customer
    groups = []
    for owners in (tenant_of_customer, tenant_of_product):
        grouped: dict[tuple[object, ...], array[int]] = {}
        for parent, tenant in enumerate(owners):
            grouped.setdefault((tenant,), array("q")).append(parent)
        groups.append(grouped)
    draws = [Draws(stream_key(1, "orders", name), wide=True) for name in ("c", "p", "pick")]
    maps = keys.shared_maps(draws[2], [(draws[0], groups[0]), (draws[1], groups[1])])
    assert maps is not None
    customers, products = (m.indexes(0, 500) for m in maps)
    both = zip(customers, products, strict=True)
    pairs = {(tenant_of_customer[c], tenant_of_product[p]) for c, p in both}  # type: ignore[index]
    assert pairs == {(0, 0), (1, 1)}
    assert [maps[0].index(r) for r in range(500)] == customers
    assert (
        keys.shared_maps(draws[2], [(draws[0], groups[0]), (draws[1], {(9,): array("q", [0])})])
        is None
    )
