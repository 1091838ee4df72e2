"""Awkward schemas: self-reference, cycle, composite keys, expression index, enums, domains,
CHECKs, a 60-column table, and every supported type."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from devenv.errors import SeedError
from devenv.seeding import run_seed
from tests.integration.seeding.support import apply_sql, data_dump, fk_violations, table_rows

pytestmark = pytest.mark.integration
HERE = Path(__file__).parent


@pytest.fixture
def awkward_db(db: str) -> str:
    apply_sql(db, (HERE / "awkward.sql").read_text(), (HERE / "wide.sql").read_text())
    return db


def scalar(conninfo: str, query: str) -> object:
    with psycopg.connect(conninfo) as conn:
        row = conn.execute(query).fetchone()  # type: ignore[call-overload]
    assert row is not None
    return row[0]


@pytest.mark.parametrize(("scale", "workers"), [("small", 1), ("medium", 2), ("large", 2)])
def test_awkward_schema_seeds_without_breaking_a_constraint(
    awkward_db: str, scale: str, workers: int
) -> None:
    report = run_seed(awkward_db, definitions_dir=None, scale=scale, seed=11, workers=workers)
    assert all(t.rows > 0 for t in report.tables)
    assert set(fk_violations(awkward_db).values()) == {0}


def test_self_reference_points_at_earlier_rows(awkward_db: str) -> None:
    run_seed(awkward_db, definitions_dir=None, scale="small", seed=1)
    assert scalar(awkward_db, "SELECT count(*) FROM categories WHERE parent_id >= id") == 0
    assert scalar(awkward_db, "SELECT count(parent_id) FROM categories") > 50  # type: ignore[operator]


def test_cycle_back_edge_is_filled_after_the_load(awkward_db: str) -> None:
    """departments.head_id -> employees is nullable, so it loads NULL and one UPDATE fills it."""
    run_seed(awkward_db, definitions_dir=None, scale="small", seed=1)
    filled = scalar(awkward_db, "SELECT count(head_id) FROM departments")
    assert 70 <= filled <= 100  # type: ignore[operator]


def test_composite_keys_and_expression_index(awkward_db: str) -> None:
    run_seed(awkward_db, definitions_dir=None, scale="medium", seed=2)
    assert scalar(awkward_db, "SELECT count(*) FROM order_lines") == 1000
    assert (
        scalar(awkward_db, "SELECT count(DISTINCT lower(email)) = count(*) FROM employees") is True
    )
    assert scalar(awkward_db, "SELECT count(*) FROM employee_categories") == 1000


def test_enums_domains_checks_and_types(awkward_db: str) -> None:
    run_seed(awkward_db, definitions_dir=None, scale="small", seed=3)
    assert scalar(awkward_db, "SELECT count(DISTINCT mood) FROM gadgets") == 3
    assert scalar(awkward_db, "SELECT count(DISTINCT zip) FROM gadgets") > 50  # type: ignore[operator]
    assert (
        scalar(awkward_db, "SELECT bool_and(min_qty < max_qty AND min_qty >= 1) FROM gadgets")
        is True
    )
    assert (
        scalar(
            awkward_db,
            "SELECT bool_and(rating BETWEEN 1 AND 5) FROM gadgets WHERE rating IS NOT NULL",
        )
        is True
    )
    assert (
        scalar(awkward_db, "SELECT bool_and(char_length(code) BETWEEN 3 AND 8) FROM gadgets")
        is True
    )
    assert (
        scalar(awkward_db, "SELECT bool_and(salary BETWEEN 1000 AND 500000) FROM employees") is True
    )
    assert (
        scalar(
            awkward_db,
            "SELECT bool_and(left_on > hired_on) FROM employees WHERE left_on IS NOT NULL",
        )
        is True
    )
    documentation_nets = (
        "SELECT count(*) FROM gadgets WHERE ip_address << '192.0.2.0/24'"
        " OR ip_address << '198.51.100.0/24' OR ip_address << '203.0.113.0/24'"
    )
    assert scalar(awkward_db, documentation_nets) > 80  # type: ignore[operator]
    assert scalar(awkward_db, "SELECT count(*) FROM gadgets WHERE array_length(tags, 1) > 0") > 0  # type: ignore[operator]
    assert (
        scalar(awkward_db, "SELECT count(*) FROM gadgets WHERE spec = '{}'") == 100
    )  # constant default kept
    assert scalar(awkward_db, "SELECT count(DISTINCT created_at) FROM gadgets") > 90  # type: ignore[operator]


def test_sixty_columns(awkward_db: str) -> None:
    run_seed(awkward_db, definitions_dir=None, scale="small", seed=4)
    nulls = scalar(awkward_db, "SELECT count(*) FROM wide WHERE c59_on IS NULL")
    assert scalar(awkward_db, "SELECT count(*) FROM wide") == 100
    assert 0 < nulls < 40  # type: ignore[operator]


def test_awkward_determinism_across_workers(awkward_db: str) -> None:
    run_seed(awkward_db, definitions_dir=None, scale="medium", seed=5, workers=1)
    first = data_dump(awkward_db)
    run_seed(awkward_db, definitions_dir=None, scale="medium", seed=5, workers=2)
    assert data_dump(awkward_db) == first


def test_not_null_cycle_loads_because_keys_come_back_after_the_load(db: str) -> None:
    apply_sql(
        db,
        """
        create table a (id int primary key, b_id int not null);
        create table b (id int primary key, a_id int not null references a (id));
        alter table a add foreign key (b_id) references b (id);
    """,
    )
    run_seed(db, definitions_dir=None, scale="medium", seed=1)
    assert set(fk_violations(db).values()) == {0}
    assert scalar(db, "SELECT count(*) FROM a") == 1000


def test_lookup_table_kept_and_referenced(db: str, tmp_path: Path) -> None:
    """An excluded lookup table keeps its rows; seeded rows reference them."""
    apply_sql(
        db,
        """
        create table countries (code char(2) primary key, name text not null);
        insert into countries values ('US', 'United States'), ('FR', 'France'), ('JP', 'Japan');
        create table customers (
            id bigserial primary key, country char(2) not null references countries (code));
    """,
    )
    (tmp_path / "seeds.toml").write_text('[settings]\nexclude = ["countries"]\n')
    run_seed(db, definitions_dir=tmp_path, scale="small", seed=1)
    assert scalar(db, "SELECT count(*) FROM countries") == 3
    assert scalar(db, "SELECT count(DISTINCT country) FROM customers") == 3


@pytest.mark.parametrize(("scale", "rows"), [("medium", 1000), ("large", 25_000)])
def test_partitioned_table_and_user_trigger(db: str, scale: str, rows: int) -> None:
    """COPY routes rows into partitions (no FREEZE there), and user triggers still fire."""
    apply_sql(
        db,
        "create table events (id bigint generated always as identity, at date not null,"
        " kind text not null check (kind in ('a', 'b')), primary key (id, at))"
        " partition by range (at);"
        "create table events_old partition of events"
        " for values from ('2000-01-01') to ('2024-01-01');"
        "create table events_new partition of events"
        " for values from ('2024-01-01') to ('2100-01-01');"
        "create schema logs; create table logs.audit (n bigint);"
        "create function count_event() returns trigger language plpgsql as"
        " $$ begin insert into logs.audit values (new.id); return new; end $$;"
        "create trigger count_event after insert on events_new"
        " for each row execute function count_event();",
    )
    run_seed(db, definitions_dir=None, scale=scale, seed=1)
    assert scalar(db, "SELECT count(*) FROM events") == rows
    fired = scalar(db, "SELECT count(*) FROM logs.audit")
    assert scalar(db, "SELECT count(*) FROM events_new") == fired
    assert scalar(db, "SELECT count(*) FROM events_old") > 0  # type: ignore[operator]


def test_parent_without_rows_is_a_clear_error(db: str, tmp_path: Path) -> None:
    apply_sql(
        db,
        "create table teams (id serial primary key);"
        "create table players (id serial primary key, team_id int not null references teams (id));",
    )
    (tmp_path / "seeds.toml").write_text("[tables.teams]\nrows = 0\n")
    with pytest.raises(SeedError, match=r"table public\.players needs rows in public\.teams"):
        run_seed(db, definitions_dir=tmp_path, scale="small", seed=1)


def test_one_to_one_extension_table_and_tiny_unique_domain(db: str) -> None:
    apply_sql(
        db,
        "create type size as enum ('s', 'm', 'l');"
        "create table accounts (id serial primary key, email text not null unique);"
        "create table profiles (account_id int primary key references accounts (id), bio text);"
        "create table sizes (size size primary key, label text not null);",
    )
    run_seed(db, definitions_dir=None, scale="medium", seed=1)
    assert scalar(db, "SELECT count(*) FROM profiles") == 1000
    assert scalar(db, "SELECT count(DISTINCT account_id) FROM profiles") == 1000
    assert scalar(db, "SELECT count(*) FROM sizes") == 3


def test_a_type_devenv_cannot_write_is_left_to_the_database_or_named(
    db: str, tmp_path: Path
) -> None:
    apply_sql(
        db,
        "create table docs (id serial primary key, body xml,"
        " kept xml not null default '<synthetic/>', spot point);",
    )
    run_seed(db, definitions_dir=tmp_path, scale="small", seed=1)  # NULL, the default, NULL
    assert scalar(db, "SELECT count(*) FROM docs WHERE body IS NULL AND spot IS NULL") == 100
    assert scalar(db, "SELECT count(DISTINCT kept::text) FROM docs") == 1

    (tmp_path / "seeds.toml").write_text('[tables.docs.columns]\nbody = { constant = "a b" }\n')
    with pytest.raises(SeedError, match=r"seeds\.toml: table docs, column body: devenv cannot "
                       r"write values of type xml") as failure:  # fmt: skip
        run_seed(db, definitions_dir=tmp_path, scale="small", seed=1)
    assert '{ sql = "..." }' in str(failure.value)

    apply_sql(db, "truncate docs; alter table docs alter column spot set not null")
    (tmp_path / "seeds.toml").unlink()
    with pytest.raises(SeedError, match="cannot generate type point") as failure:
        run_seed(db, definitions_dir=tmp_path, scale="small", seed=1)
    assert failure.value.hint.startswith(
        "Let the database make the values with an SQL expression in seeds/, e.g. [tables.docs.columns]"
        ' spot = { sql = "..." }'
    )

    # An `sql` override: the database fills the column during the load; its DEFAULT comes back.
    (tmp_path / "seeds.toml").write_text(
        "[tables.docs.columns]\nspot = { sql = \"point(currval('docs_id_seq'), 0)\" }\n"
        "body = { sql = \"xmlelement(name row, currval('docs_id_seq'))\" }\n"
        "kept = { sql = \"'<seeded/>'\" }\n"
    )
    run_seed(db, definitions_dir=tmp_path, scale="small", seed=1)
    assert scalar(db, "SELECT count(*) FROM docs WHERE spot[0] = id AND spot[1] = 0"
                      " AND body::text = '<row>' || id || '</row>'") == 100  # fmt: skip
    assert scalar(db, "SELECT count(DISTINCT kept::text) FROM docs") == 1
    assert scalar(db, "SELECT string_agg(column_name || '=' || coalesce(column_default, '-'), ' '"
                      " ORDER BY ordinal_position) FROM information_schema.columns"
                      " WHERE table_name = 'docs' AND column_name <> 'id'") == (
        "body=- kept='<synthetic/>'::xml spot=-"
    )  # fmt: skip

    (tmp_path / "seeds.toml").write_text('[tables.docs.columns]\nspot = { sql = "42" }\n')
    with pytest.raises(SeedError, match=r"seeds\.toml: table docs, column spot: sql '42' is not a "
                       r"valid DEFAULT: column \"spot\" is of type point") as failure:  # fmt: skip
        run_seed(db, definitions_dir=tmp_path, scale="small", seed=1)
    assert scalar(db, "SELECT count(*) FROM docs WHERE body IS NOT NULL") == 100


RANGES_AND_BITS = """
create table slots (
    id serial primary key,
    seats int4range not null, budget numrange not null, days daterange not null,
    span tsrange not null, big int8range,
    flags bit(8) not null, mask varbit(5) not null, trail varbit not null,
    grade "char" not null, nic macaddr not null, wired macaddr unique
);
create table bookings (
    id serial primary key,
    slot_id int not null references slots (id),
    during tstzrange not null,
    exclude using gist (during with &&)
);
create table tickets (id serial primary key, code text not null, exclude using btree (code with =));
"""


def test_ranges_bit_strings_char_and_macaddr(db: str, tmp_path: Path) -> None:
    """Ranges are [lower, upper) and never empty; an exclusion constraint's ranges never overlap."""
    apply_sql(db, RANGES_AND_BITS)
    (tmp_path / "seeds.toml").write_text("[tables.bookings]\nrows = 3000\n")
    run_seed(db, definitions_dir=tmp_path, scale="small", seed=4)
    for column in ("seats", "budget", "days", "span", "big"):
        assert scalar(db, f"SELECT count(*) FROM slots WHERE {column} IS NULL") == (
            0 if column != "big" else scalar(db, "SELECT count(*) - count(big) FROM slots")
        )
        assert scalar(db, f"SELECT count(*) FROM slots WHERE isempty({column})") == 0
        assert scalar(db, f"SELECT bool_and(lower({column}) < upper({column})) FROM slots")
        assert scalar(db, f"SELECT count(DISTINCT {column}) FROM slots") > 50  # type: ignore[operator]
    assert scalar(db, "SELECT bool_and(upper(span) - lower(span) <= interval '1 hour') FROM slots")
    assert scalar(db, "SELECT bool_and(length(flags) = 8 AND length(mask) <= 5) FROM slots")
    assert scalar(db, "SELECT count(DISTINCT trail) FROM slots") > 90  # type: ignore[operator]
    assert scalar(db, "SELECT bool_and(grade BETWEEN 'a' AND 'z') FROM slots")
    assert scalar(
        db, "SELECT bool_and(nic::text LIKE '02:%' AND wired::text LIKE '02:%') FROM slots"
    )
    assert scalar(db, "SELECT count(DISTINCT wired) = count(wired) FROM slots") is True
    assert scalar(db, "SELECT count(*) FROM bookings") == 3000
    overlapping = (
        "SELECT count(*) FROM bookings a JOIN bookings b ON a.id < b.id AND a.during && b.during"
    )
    assert scalar(db, overlapping) == 0

    # Row N is the same at every scale, ranges and bit strings included.
    first = table_rows(db, "slots", limit=100)
    run_seed(db, definitions_dir=None, scale="medium", seed=4)
    assert table_rows(db, "slots", limit=100) == first
    assert scalar(db, "SELECT count(*) FROM slots") == 1000
    # EXCLUDE (code WITH =) is a unique key by another name.
    assert scalar(db, "SELECT count(DISTINCT code) || ' ' || count(*) FROM tickets") == "1000 1000"

    # The same seed gives the same data with one worker or two (large: above 20,000 rows).
    run_seed(db, definitions_dir=None, scale="large", seed=4, workers=1)
    dump = data_dump(db)
    run_seed(db, definitions_dir=None, scale="large", seed=4, workers=2)
    assert data_dump(db) == dump


def test_overrides_of_ranges_and_bit_strings(db: str, tmp_path: Path) -> None:
    apply_sql(db, "create table plans (id serial primary key, tiers int4range not null,"
                  " bits bit(4) not null)")  # fmt: skip
    seeds = tmp_path / "seeds.toml"
    seeds.write_text('[tables.plans.columns]\ntiers = { constant = [1, 10] }\n'
                     'bits = { choices = ["1010", "0101"] }\n')  # fmt: skip
    run_seed(db, definitions_dir=tmp_path, scale="small", seed=1)
    assert scalar(db, "SELECT count(DISTINCT tiers) || ' ' || min(tiers::text) FROM plans") == (
        "1 [1,10)"
    )
    assert scalar(db, "SELECT string_agg(DISTINCT bits::text, ',') FROM plans") == "0101,1010"

    seeds.write_text("[tables.plans.columns]\ntiers = { constant = [10, 1] }\n")
    with pytest.raises(SeedError, match=r"table plans, column tiers: .*range \[10, 1\) is empty"):
        run_seed(db, definitions_dir=tmp_path, scale="small", seed=1)
    seeds.write_text('[tables.plans.columns]\nbits = { constant = "10x1" }\n')
    with pytest.raises(SeedError, match="other than 0 and 1"):
        run_seed(db, definitions_dir=tmp_path, scale="small", seed=1)
    seeds.write_text('[tables.plans.columns]\nbits = { constant = "10101" }\n')
    with pytest.raises(SeedError, match=r"column bits: .*bit string '10101' is not 4 bits long"):
        run_seed(db, definitions_dir=tmp_path, scale="small", seed=1)


def test_short_unique_text_gets_letter_codes_and_caps_the_rows(db: str, tmp_path: Path) -> None:
    """varchar(3) UNIQUE holds 17,576 codes, char(2) 676: the rows stop there, with a note."""
    apply_sql(
        db,
        "create table airports (id serial primary key, code varchar(3) not null unique);"
        "create table states (code char(2) primary key, name text not null);"
        "create table offices (id serial primary key, state char(2) not null references states);",
    )
    (tmp_path / "seeds.toml").write_text(
        "[tables.airports]\nrows = 5000\n[tables.states]\nrows = 1000\n"
    )
    report = run_seed(db, definitions_dir=tmp_path, scale="small", seed=2)
    assert scalar(db, "SELECT count(DISTINCT code) FROM airports") == 5000
    assert scalar(db, "SELECT bool_and(code ~ '^[A-Z]{3}$') FROM airports")
    assert scalar(db, "SELECT count(*) FROM states") == 676
    assert scalar(db, "SELECT bool_and(code ~ '^[A-Z]{2}$') FROM states")
    assert (
        "public.states: 676 rows instead of 1,000, as many as its unique keys allow" in report.notes
    )
    assert set(fk_violations(db).values()) == {0}


def test_unique_text_and_emails_too_short_for_the_rows_are_named_before_loading(
    db: str, tmp_path: Path
) -> None:
    apply_sql(db, "create table users (id serial primary key, email varchar(12) not null unique);"
                  "insert into users (email) values ('kept@x.test')")  # fmt: skip
    with pytest.raises(SeedError, match=r"table public\.users, column email: holds email "
                       r"addresses of at most 12 characters, too short for 100") as failure:  # fmt: skip
        run_seed(db, definitions_dir=tmp_path, scale="small", seed=1)
    assert "template" in failure.value.hint
    assert scalar(db, "SELECT string_agg(email, ',') FROM users") == "kept@x.test"

    apply_sql(db, "drop table users; create table codes (id serial primary key,"
                  " code text not null unique check (length(code) <= 2))")  # fmt: skip
    (tmp_path / "seeds.toml").write_text("[tables.codes]\nrows = 1000\n")
    with pytest.raises(SeedError, match=r"column code: is unique but at most 2 characters long: "
                       r"it has room for 676 distinct values, and the table gets 1,000 rows"):  # fmt: skip
        run_seed(db, definitions_dir=tmp_path, scale="small", seed=1)


def test_identity_only_table_times_of_day_and_arrays_of_enums_and_uuids(db: str) -> None:
    apply_sql(
        db,
        "create type color as enum ('red', 'green', 'blue');"
        "create table tickets (id int generated always as identity primary key);"
        'create table "Shop Hours" ("Id" serial primary key, opens time not null,'
        " closes time not null, check (opens < closes));"
        "create table palettes (id serial primary key, colors color[] not null, ids uuid[]);",
    )
    run_seed(db, definitions_dir=None, scale="medium", seed=5)
    assert scalar(db, "SELECT count(*) || ' ' || max(id) FROM tickets") == "1000 1000"
    assert scalar(db, 'SELECT bool_and(opens < closes) FROM "Shop Hours"') is True
    assert scalar(db, "SELECT count(*) FROM palettes WHERE array_position(colors, NULL) > 0") == 0
    assert scalar(db, "SELECT count(DISTINCT c) FROM palettes, unnest(colors) c") == 3
    assert scalar(db, "SELECT count(u) = count(DISTINCT u) FROM palettes, unnest(ids) u") is True
    assert scalar(db, "SELECT count(u) FROM palettes, unnest(ids) u") > 1000  # type: ignore[operator]


def test_partition_keys_fall_into_the_partitions(db: str) -> None:
    """LIST values come from the lists; RANGE values from the longest run of adjacent ranges."""
    apply_sql(
        db,
        "create table sales (id bigserial, region text not null, primary key (id, region))"
        " partition by list (region);"
        "create table sales_eu partition of sales for values in ('eu', 'it''s');"
        "create table sales_us partition of sales for values in ('us');"
        "create table readings (id bigserial, n int not null, primary key (id, n))"
        " partition by range (n);"
        "create table readings_a partition of readings for values from (0) to (10);"
        "create table readings_b partition of readings for values from (10) to (20);"
        "create table readings_c partition of readings for values from (50) to (60);"
        "create table visits (id bigserial, day date not null, primary key (id, day))"
        " partition by range (day);"
        "create table visits_2023 partition of visits for values from ('2023-01-01') to ('2024-01-01');"
        "create table visits_2024 partition of visits for values from ('2024-01-01') to ('2025-01-01');"
        "create table logs (id bigserial, at timestamptz not null, primary key (id, at))"
        " partition by range (at);"
        "create table logs_old partition of logs for values from (minvalue) to ('2020-01-01');"
        "create table logs_rest partition of logs default;",
    )
    run_seed(db, definitions_dir=None, scale="medium", seed=6)
    assert scalar(db, "SELECT string_agg(DISTINCT region, ',') FROM sales") == "eu,it's,us"
    assert scalar(db, "SELECT min(n) >= 0 AND max(n) < 20 AND count(*) = 1000 FROM readings")
    assert scalar(db, "SELECT count(DISTINCT tableoid) FROM visits") == 2
    assert scalar(db, "SELECT count(*) FROM logs") == 1000


def test_unique_text_under_a_pattern_check_matches_it(db: str) -> None:
    """username ~ '^[a-z0-9_]{3,20}$' UNIQUE used to get 'name-1' and break its CHECK mid-load."""
    apply_sql(
        db,
        "create table members (id serial primary key,"
        " username text not null unique check (username ~ '^[a-z0-9_]{3,20}$'),"
        " code text not null unique check (code ~ '^[A-Z]{3}$'),"
        " tag text not null unique check (tag ~ '^[A-Z]{3,10}$'),"
        " pin text not null unique check (pin ~ '^[0-9]{6}$'),"
        " handle varchar(12) not null unique check (handle ~ '^[a-z]+$'))",
    )
    run_seed(db, definitions_dir=None, scale="medium", seed=8)
    assert scalar(db, "SELECT count(DISTINCT username) FROM members") == 1000
    assert scalar(db, "SELECT bool_and(username ~ '_[0-9]+$') FROM members") is True
    assert scalar(db, "SELECT count(DISTINCT code) || ' ' || count(DISTINCT pin) FROM members") == (
        "1000 1000"
    )
    assert scalar(db, "SELECT count(DISTINCT handle) FROM members") == 1000
    assert scalar(db, "SELECT count(DISTINCT tag) FROM members") == 1000
    first = table_rows(db, "members", limit=50)
    run_seed(db, definitions_dir=None, scale="small", seed=8)
    assert table_rows(db, "members", limit=50) == first


def test_two_foreign_keys_to_one_table_kept_apart(db: str, tmp_path: Path) -> None:
    """CHECK (sender <> receiver) held at scale, and a unique (follower, followee) pair never
    follows itself; other foreign key pairs may still meet."""
    apply_sql(
        db,
        "create table users (id serial primary key, name text not null);"
        "create table follows (follower int not null references users,"
        " followee int not null references users, primary key (follower, followee));"
        "create table messages (id serial primary key, sender int not null references users,"
        " receiver int references users, body text, check (sender <> receiver));"
        "create table edits (id serial primary key, created_by int not null references users,"
        " updated_by int not null references users);",
    )
    (tmp_path / "seeds.toml").write_text(
        "[tables.users]\nrows = 20\n[tables.follows]\nrows = 380\n"
        "[tables.messages]\nrows = 20000\n[tables.edits]\nrows = 2000\n"
    )
    report = run_seed(db, definitions_dir=tmp_path, scale="small", seed=9)
    assert scalar(db, "SELECT count(*) FROM follows") == 20 * 19
    assert scalar(db, "SELECT count(*) FROM follows WHERE follower = followee") == 0
    assert scalar(db, "SELECT count(*) FROM messages") == 20000
    assert scalar(db, "SELECT count(DISTINCT (sender, receiver)) FROM messages") > 300  # type: ignore[operator]
    assert scalar(db, "SELECT count(*) FROM edits WHERE created_by = updated_by") > 0  # type: ignore[operator]
    assert not any("follows" in note for note in report.notes)


def test_checks_on_the_difference_between_two_columns(db: str) -> None:
    """plan_ends >= plan_starts + 7 (dates), a visit of 30 minutes to 8 hours, b - a > 10."""
    apply_sql(
        db,
        "create table plans (id serial primary key, plan_starts date not null,"
        " plan_ends date not null, check (plan_ends >= plan_starts + 7));"
        "create table visits (id serial primary key, starts_at timestamptz not null,"
        " ends_at timestamptz not null, check (ends_at - starts_at >= interval '30 minutes'),"
        " check (ends_at <= starts_at + interval '8 hours'));"
        "create table spans (id serial primary key, a int not null, b int not null,"
        " check (b - a > 10));",
    )
    run_seed(db, definitions_dir=None, scale="medium", seed=10)
    assert scalar(db, "SELECT min(plan_ends - plan_starts) >= 7 FROM plans") is True
    assert scalar(db, "SELECT min(ends_at - starts_at) >= interval '30 minutes'"
                      " AND max(ends_at - starts_at) <= interval '8 hours' FROM visits") is True  # fmt: skip
    assert scalar(db, "SELECT count(DISTINCT ends_at - starts_at) FROM visits") > 100  # type: ignore[operator]
    assert scalar(db, "SELECT min(b - a) FROM spans") == 11


def test_checks_devenv_cannot_read_are_checked_by_the_database(db: str) -> None:
    """Single-column CHECKs the parser does not model: the server filters the values drawn."""
    apply_sql(
        db,
        "create domain sku_code as text check (value = upper(value) and value <> '');"
        "create table items (id serial primary key, code sku_code not null,"
        " data jsonb not null check (jsonb_typeof(data) = 'object'),"
        " tags text[] not null check (array_length(tags, 1) > 0),"
        " labels text[] check (cardinality(labels) <= 2),"
        " qty int not null check (qty % 5 = 0),"
        " sku text not null check (sku = upper(sku)),"
        " title text not null check (length(trim(title)) > 3))",
    )
    report = run_seed(db, definitions_dir=None, scale="medium", seed=12)
    assert scalar(db, "SELECT count(*) FROM items") == 1000
    assert scalar(db, "SELECT count(DISTINCT qty) FROM items") > 2  # type: ignore[operator]
    assert scalar(db, "SELECT bool_and(sku = upper(sku)) AND count(DISTINCT sku) > 50 FROM items")
    assert scalar(db, "SELECT bool_and(code = upper(code)) FROM items") is True
    assert scalar(db, "SELECT min(array_length(tags, 1)) || '-' || max(cardinality(labels))"
                      " FROM items") == "1-2"  # fmt: skip
    assert not [note for note in report.notes if "not understood" in note]

    # Unique text made from the row number takes a form that passes (here letter codes, as no
    # usual value passes), and a value that cannot pass is named before anything is loaded.
    apply_sql(db, "create table codes (id serial primary key,"
                  " code text not null unique check (strpos(code, '-') + strpos(code, ' ') = 0))")  # fmt: skip
    run_seed(db, definitions_dir=None, scale="small", seed=12)
    assert scalar(
        db, "SELECT count(DISTINCT code) = 100 AND bool_and(code ~ '^[A-Z]+$') FROM codes"
    )
    apply_sql(db, "create table stamps (id serial primary key,"
                  " at timestamptz not null check (extract(year from at) = 1999))")  # fmt: skip
    with pytest.raises(SeedError, match=r"table public\.stamps, column at: none of the values "
                       r"devenv makes passes CHECK stamps_at_check") as failure:  # fmt: skip
        run_seed(db, definitions_dir=None, scale="small", seed=12)
    assert 'sql = "..."' in failure.value.hint
    assert scalar(db, "SELECT count(*) FROM codes") == 100  # the previous seed's, untouched


def test_checks_over_several_columns_devenv_cannot_read_are_sampled_first(db: str) -> None:
    """Rows that break such a CHECK are named before anything is loaded, not mid-load."""
    apply_sql(
        db,
        "create table boxes (id serial primary key, w int not null, h int not null,"
        " check (w * h < 10000000));"
        "create table pings (id serial primary key, email text not null, phone text not null,"
        " check (char_length(email) + char_length(phone) < 12));",
    )
    with pytest.raises(SeedError, match=r"table public\.pings: rows devenv makes break CHECK "
                       r"pings_check, which it cannot read \(for instance email = ") as failure:  # fmt: skip
        run_seed(db, definitions_dir=None, scale="small", seed=13)
    assert "email, phone" in failure.value.hint
    assert scalar(db, "SELECT count(*) FROM boxes") == 0  # nothing was loaded

    apply_sql(db, "drop table pings")
    report = run_seed(db, definitions_dir=None, scale="small", seed=13)
    assert "public.boxes: CHECK boxes_check is not understood; 100 sampled rows pass it" in (
        report.notes
    )


@pytest.mark.parametrize(("scale", "accounts"), [("small", 100), ("large", 25_000)])
def test_rows_a_trigger_puts_into_a_seeded_table_make_way_for_the_seed(
    db: str, scale: str, accounts: int
) -> None:
    """Supabase's handle_new_user: a trigger on the users table inserts each user's profile."""
    apply_sql(
        db,
        "create table accounts (id uuid primary key default gen_random_uuid(),"
        " email text not null unique, meta jsonb);"
        "create table profiles (id uuid primary key references accounts (id) on delete cascade,"
        " username text unique check (char_length(username) >= 3), full_name text);"
        "create function new_account() returns trigger language plpgsql as"
        " $$ begin insert into profiles (id, full_name) values (new.id, new.meta->>'name');"
        " return new; end $$;"
        "create trigger on_account_created after insert on accounts"
        " for each row execute function new_account();",
    )
    report = run_seed(db, definitions_dir=None, scale=scale, seed=1)
    assert scalar(db, "SELECT count(*) FROM accounts") == accounts
    assert scalar(db, "SELECT count(*) FROM profiles") == accounts
    # The seed's own rows: the trigger's have no username.
    assert scalar(db, "SELECT count(username) FROM profiles") > accounts * 0.8  # type: ignore[operator]
    assert set(fk_violations(db).values()) == {0}
    assert f"public.profiles: replaced {accounts:,} rows that triggers inserted" in " ".join(
        report.notes
    )


def test_camel_case_names_and_text_ids_as_prisma_writes_them(db: str) -> None:
    """Prisma: quoted camelCase columns, a text id the client fills, updatedAt without default."""
    apply_sql(
        db,
        'create table "User" ("id" text not null primary key, "email" text not null unique,'
        ' "firstName" text, "createdAt" timestamp(3) not null default current_timestamp,'
        ' "updatedAt" timestamp(3) not null);'
        'create table "Post" ("id" serial primary key, "authorId" text not null'
        ' references "User" ("id"), "startsAt" timestamptz not null,'
        ' "endsAt" timestamptz not null, "fileSize" integer);',
    )
    run_seed(db, definitions_dir=None, scale="medium", seed=1)
    ids = scalar(
        db,
        "SELECT count(*) FILTER (WHERE \"id\" ~ '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-'"
        ' AND length("id") = 36) FROM "User"',
    )
    assert ids == 1000
    # createdAt is written (not left to its default), and never after updatedAt.
    assert scalar(db, 'SELECT count(DISTINCT "createdAt") > 100 FROM "User"') is True
    assert scalar(db, 'SELECT count(*) FROM "User" WHERE "updatedAt" < "createdAt"') == 0
    assert scalar(db, 'SELECT count(*) FROM "Post" WHERE "endsAt" <= "startsAt"') == 0
    first_names = scalar(db, 'SELECT count(*) FROM "User" WHERE "firstName" ~ \'^[A-Z][a-z]+$\'')
    assert first_names > 800  # type: ignore[operator]
    assert set(fk_violations(db).values()) == {0}


_TENANTS = (
    "create table tenants (id uuid primary key default gen_random_uuid(), name text not null);"
    "create table customers (tenant_id uuid not null references tenants (id),"
    " id bigint generated always as identity, email text not null,"
    " primary key (tenant_id, id), unique (tenant_id, email));"
    "create table products (tenant_id uuid not null references tenants (id),"
    " id bigint generated always as identity, sku text not null, price money not null,"
    " primary key (tenant_id, id));"
    "create table orders (tenant_id uuid not null, id bigint generated always as identity,"
    " customer_id bigint not null, product_id bigint,"
    " primary key (tenant_id, id),"
    " foreign key (tenant_id, customer_id) references customers (tenant_id, id),"
    " foreign key (tenant_id, product_id) references products (tenant_id, id));"
)


@pytest.mark.parametrize(("scale", "workers"), [("small", 1), ("large", 2)])
def test_foreign_keys_sharing_a_tenant_column_agree_on_it(
    db: str, scale: str, workers: int
) -> None:
    """Multi-tenant keys: an order's customer and product belong to the order's tenant."""
    apply_sql(db, _TENANTS)
    report = run_seed(db, definitions_dir=None, scale=scale, seed=4, workers=workers)
    assert {t.name: t.rows for t in report.tables}["public.orders"] == 100 * (
        250 if scale == "large" else 1
    )
    assert set(fk_violations(db).values()) == {0}
    assert scalar(db, "SELECT count(DISTINCT tenant_id) > 10 FROM orders") is True


def test_shared_tenant_keys_are_the_same_with_one_worker_or_two(db: str) -> None:
    apply_sql(db, _TENANTS)
    run_seed(db, definitions_dir=None, scale="medium", seed=9, workers=1)
    first = data_dump(db)
    run_seed(db, definitions_dir=None, scale="medium", seed=9, workers=2)
    assert data_dump(db) == first


def test_nulls_follow_the_columns_a_check_ties_them_to(db: str) -> None:
    """CHECKs that tie a timestamp's NULLs to a flag or a status, which devenv cannot read."""
    apply_sql(
        db,
        "create table invoices (id serial primary key, paid boolean not null default false,"
        " paid_at timestamptz,"
        " check ((paid and paid_at is not null) or (not paid and paid_at is null)));"
        "create table orders (id serial primary key,"
        " status text not null check (status in ('open', 'shipped', 'cancelled')),"
        " shipped_at timestamptz, archived boolean not null, deleted_at timestamptz,"
        " check ((status = 'shipped') = (shipped_at is not null)),"
        " check (deleted_at is null or archived));",
    )
    report = run_seed(db, definitions_dir=None, scale="medium", seed=2)
    assert scalar(db, "SELECT count(paid_at) FROM invoices") == 0  # paid is false: its default
    shipped = scalar(
        db,
        "SELECT count(*) FILTER (WHERE status = 'shipped') = count(shipped_at)"
        " AND count(*) FILTER (WHERE status = 'shipped') > 100 FROM orders",
    )
    assert shipped is True
    deleted = scalar(db, "SELECT count(deleted_at) FROM orders WHERE archived")
    assert deleted > 20  # type: ignore[operator]  # a soft-delete marker: 10 % of rows
    assert scalar(db, "SELECT count(deleted_at) FROM orders WHERE NOT archived") == 0
    assert "NULLs of shipped_at follow status" in " ".join(report.notes)


def test_a_sequence_two_tables_share_moves_past_the_seeded_keys(db: str) -> None:
    """`default nextval('ids')` on a sequence no column owns: the next insert must not collide."""
    apply_sql(
        db,
        "create sequence ids;"
        "create table accounts (id bigint primary key default nextval('ids'), email text not null);"
        "create table notes (id bigint primary key default nextval('ids'),"
        " account_id bigint not null references accounts (id), body text);",
    )
    run_seed(db, definitions_dir=None, scale="medium", seed=1)
    seeded = max(scalar(db, f"SELECT max(id) FROM {t}") for t in ("accounts", "notes"))  # type: ignore[type-var]
    fresh = scalar(db, "INSERT INTO accounts (email) VALUES ('new@example.com') RETURNING id")
    assert fresh > seeded >= 1000  # type: ignore[operator]


def test_unique_nulls_not_distinct_and_a_partial_unique_index(db: str) -> None:
    apply_sql(
        db,
        "create table users (id serial primary key, email text not null, deleted_at timestamptz,"
        " nickname text unique nulls not distinct, pager text);"
        "create unique index users_live_email on users (email) where deleted_at is null;"
        "create unique index users_pager on users (pager) nulls not distinct;",
    )
    run_seed(db, definitions_dir=None, scale="medium", seed=3)
    assert scalar(db, "SELECT count(*) = count(nickname) FROM users") is True
    assert scalar(db, "SELECT count(*) = count(pager) FROM users") is True
    assert scalar(db, "SELECT count(DISTINCT email) FROM users WHERE deleted_at IS NULL") == (
        scalar(db, "SELECT count(*) FROM users WHERE deleted_at IS NULL")
    )


@pytest.mark.parametrize(("scale", "rooms"), [("medium", 7), ("large", 40)])
def test_spans_of_one_room_never_overlap(db: str, tmp_path: Path, scale: str, rooms: int) -> None:
    """EXCLUDE (room_id WITH =, tstzrange(starts_at, ends_at) WITH &&): the booking pattern."""
    apply_sql(
        db,
        "create extension if not exists btree_gist;"
        "create table rooms (id serial primary key, name text not null);"
        "create table slots (id serial primary key, room_id int not null references rooms (id),"
        ' "startsAt" timestamptz not null, "endsAt" timestamptz not null,'
        ' exclude using gist (room_id with =, tstzrange("startsAt", "endsAt") with &&));',
    )
    (tmp_path / "seeds.toml").write_text(f"[tables.rooms]\nrows = {rooms}\n")
    run_seed(db, definitions_dir=tmp_path, scale=scale, seed=6)
    assert scalar(db, "SELECT count(DISTINCT room_id) FROM slots") == rooms * (
        250 if scale == "large" else 10
    )
    assert scalar(db, 'SELECT bool_and("endsAt" >= "startsAt") FROM slots') is True
    overlaps = scalar(
        db,
        "SELECT count(*) FROM slots a JOIN slots b ON a.room_id = b.room_id AND a.id < b.id"
        ' AND tstzrange(a."startsAt", a."endsAt") && tstzrange(b."startsAt", b."endsAt")',
    )
    assert overlaps == 0


def test_spans_of_children_per_parent_never_overlap_either(db: str, tmp_path: Path) -> None:
    """A room's rows are given per room (per_parent): they cannot take the rooms in turn."""
    apply_sql(
        db,
        "create extension if not exists btree_gist;"
        "create table rooms (id serial primary key, name text not null);"
        "create table slots (id serial primary key, room_id int not null references rooms (id),"
        " starts_at timestamptz not null, ends_at timestamptz not null,"
        " exclude using gist (room_id with =, tstzrange(starts_at, ends_at) with &&));",
    )
    (tmp_path / "seeds.toml").write_text(
        "[tables.rooms]\nrows = 5\n"
        '[tables.slots]\nper_parent = { column = "room_id", min = 20, max = 40 }\n'
    )
    run_seed(db, definitions_dir=tmp_path, scale="medium", seed=2)
    assert scalar(db, "SELECT count(*) >= 1000 FROM slots") is True


def test_unique_email_under_a_pattern_check_and_a_trigger_on_dates(db: str) -> None:
    """The CHECK is on whole addresses (not the names they are made of); the trigger is unseen."""
    apply_sql(
        db,
        "create table members (id bigint generated always as identity primary key,"
        " email text not null unique check (email ~* '^[^@\\s]+@[^@\\s]+\\.[a-z]+$'),"
        " joined_on date not null, left_on date);"
        "create function check_dates() returns trigger language plpgsql as $$ begin"
        " if new.left_on < new.joined_on then raise exception 'left before joining'; end if;"
        " return new; end $$;"
        "create trigger members_dates before insert on members"
        " for each row execute function check_dates();",
    )
    run_seed(db, definitions_dir=None, scale="medium", seed=1)
    assert scalar(db, "SELECT count(DISTINCT email) FROM members") == 1000
    assert scalar(db, "SELECT count(left_on) > 500 FROM members") is True


def test_hash_partitions_with_a_foreign_key_on_the_bulk_path(db: str) -> None:
    apply_sql(
        db,
        "create table members (id bigint generated always as identity primary key);"
        "create table events (id bigint generated always as identity,"
        " member_id bigint not null references members (id), kind text not null,"
        " primary key (id, member_id)) partition by hash (member_id);"
        "create table events_0 partition of events for values with (modulus 2, remainder 0);"
        "create table events_1 partition of events for values with (modulus 2, remainder 1);",
    )
    run_seed(db, definitions_dir=None, scale="large", seed=1)
    assert scalar(db, "SELECT count(*) FROM events_0") > 5000  # type: ignore[operator]
    assert scalar(db, "SELECT count(*) FROM events_1") > 5000  # type: ignore[operator]
    keys = scalar(
        db,
        "SELECT count(*) FROM pg_constraint WHERE conname = 'events_member_id_fkey'"
        " AND convalidated",
    )
    assert keys == 3  # the parent's and each partition's
    assert set(fk_violations(db).values()) == {0}


@pytest.mark.parametrize("key", ["serial", "uuid"])
def test_two_keys_to_one_table_held_in_order_by_a_check(db: str, tmp_path: Path, key: str) -> None:
    """A friendship stored once, CHECK (user_a < user_b), and a transfer with CHECK (b > a)."""
    default = " default gen_random_uuid()" if key == "uuid" else ""
    ref = "uuid" if key == "uuid" else "int"
    apply_sql(
        db,
        f"create table users (id {key} primary key{default}, name text not null);"
        f"create table friendships (user_a {ref} not null references users (id),"
        f" user_b {ref} not null references users (id), primary key (user_a, user_b),"
        " check (user_a < user_b));"
        f"create table transfers (id serial primary key, a {ref} not null references users (id),"
        f" b {ref} not null references users (id), check (b > a));",
    )
    run_seed(db, definitions_dir=None, scale="medium", seed=8)
    assert scalar(db, "SELECT count(*) FROM friendships") == 1000
    assert scalar(db, "SELECT count(*) FROM transfers WHERE a >= b") == 0
    (tmp_path / "seeds.toml").write_text("[tables.users]\nrows = 5\n")  # 10 pairs in order
    report = run_seed(db, definitions_dir=tmp_path, scale="small", seed=8)
    assert scalar(db, "SELECT count(DISTINCT (user_a, user_b)) FROM friendships") == 10
    assert "public.friendships: 10 rows instead of 100" in " ".join(report.notes)


@pytest.mark.parametrize(
    "check",
    [
        "num_nonnulls(post_id, photo_id) = 1",
        "(post_id is null) <> (photo_id is null)",
        "(post_id is not null and photo_id is null) or (post_id is null and photo_id is not null)",
    ],
)
@pytest.mark.parametrize("scale", ["small", "large"])
def test_a_comment_on_exactly_one_of_two_parents(db: str, check: str, scale: str) -> None:
    """An exclusive arc: each row sets one of two foreign keys, both kinds of row occur."""
    apply_sql(
        db,
        "create table posts (id serial primary key, title text not null);"
        "create table photos (id serial primary key, url text not null);"
        "create table comments (id serial primary key, body text not null,"
        " post_id int references posts (id), photo_id int references photos (id),"
        f" check ({check}));",
    )
    report = run_seed(db, definitions_dir=None, scale=scale, seed=4)
    rows = scalar(db, "SELECT count(*) FROM comments")
    on_posts = scalar(db, "SELECT count(post_id) FROM comments")
    on_photos = scalar(db, "SELECT count(photo_id) FROM comments")
    assert on_posts + on_photos == rows  # type: ignore[operator]
    assert on_posts > rows // 4  # type: ignore[operator]
    assert on_photos > rows // 4  # type: ignore[operator]
    assert "rows set only the columns it allows together (photo_id / post_id)" in " ".join(
        report.notes
    )
    assert set(fk_violations(db).values()) == {0}


def test_at_least_one_of_three_contacts_keeps_the_rows_own_pattern(db: str) -> None:
    """`coalesce(email, phone, handle) is not null`: rows that drew a contact keep theirs."""
    apply_sql(
        db,
        "create table contacts (id serial primary key, email text, phone text, handle text,"
        " check (coalesce(email, phone, handle) is not null));",
    )
    run_seed(db, definitions_dir=None, scale="large", seed=4)
    counts = "SELECT count(*) FILTER (WHERE num_nonnulls(email, phone, handle) = {}) FROM contacts"
    rows = scalar(db, "SELECT count(*) FROM contacts")
    assert scalar(db, counts.format(0)) == 0
    assert scalar(db, counts.format(3)) > 0.65 * rows  # type: ignore[operator]  # 0.9 ** 3
    assert scalar(db, counts.format(1)) > 0.01 * rows  # type: ignore[operator]


def test_json_columns_get_the_keys_their_checks_ask_for(db: str) -> None:
    apply_sql(
        db,
        "create table events (id serial primary key,"
        " payload jsonb not null check (payload ? 'type'),"
        " tagged jsonb check (tagged ?& array['a', 'b'] and tagged ?| array['c', 'd']),"
        " state jsonb not null check ((state ->> 'status') in ('on', 'off') and state ->> 'v' = 'x'),"
        " doc jsonb not null check (doc @> '{\"version\": 1}' and jsonb_typeof(doc -> 'items') ="
        " 'array' and doc -> 'meta' ? 'id'),"
        ' "Raw" json not null check (("Raw" ->> \'k\') is not null));',
    )
    run_seed(db, definitions_dir=None, scale="medium", seed=2)
    assert scalar(db, "SELECT count(*) FROM events WHERE payload ? 'type'") == 1000
    assert scalar(db, "SELECT count(*) FROM events WHERE tagged ?& array['a', 'b', 'c']") > 800  # type: ignore[operator]
    assert scalar(db, "SELECT count(DISTINCT state ->> 'status') FROM events") == 2
    assert scalar(db, "SELECT count(*) FROM events WHERE jsonb_typeof(doc -> 'items') = 'array'"
                  " AND doc -> 'meta' ? 'id' AND doc @> '{\"version\": 1}'") == 1000  # fmt: skip
    assert scalar(db, "SELECT count(\"Raw\" ->> 'k') FROM events") == 1000
    # The rest of each value is still varied, not one shape for every row.
    assert scalar(db, "SELECT count(DISTINCT payload) FROM events") > 500  # type: ignore[operator]


def test_materialized_views_over_seeded_tables_are_refreshed(db: str) -> None:
    """Populated views are refreshed in dependency order; one made WITH NO DATA stays so."""
    apply_sql(
        db,
        "create table posts (id serial primary key, title text not null);"
        "create materialized view post_total as select count(*) as n from posts;"
        "create view post_titles as select title from posts;"
        "create materialized view title_total as select count(*) as n from post_titles;"
        "create materialized view on_top as select n from title_total;"
        "create materialized view unfilled as select count(*) as n from posts with no data;"
        "create materialized view fails as select 1 / (count(*) - 100) as n from posts;",
    )
    report = run_seed(db, definitions_dir=None, scale="small", seed=1)
    assert scalar(db, "SELECT n FROM post_total") == 100
    assert scalar(db, "SELECT n FROM on_top") == 100
    assert scalar(db, "SELECT relispopulated FROM pg_class WHERE relname = 'unfilled'") is False
    assert (
        "refreshed materialized views: public.post_total, public.title_total, public.on_top"
        in report.notes
    )
    # A view whose query fails on the seeded rows keeps its old contents; the seed goes on.
    assert "materialized view public.fails not refreshed: division by zero" in report.notes
    assert scalar(db, "SELECT n FROM fails") == 0  # 1 / -100, made before the seed


def test_soft_delete_markers_are_mostly_null(db: str) -> None:
    """`deleted_at` set on most rows would hide them from the application."""
    apply_sql(
        db,
        "create table posts (id serial primary key, title text not null,"
        " created_at timestamptz not null default now(), deleted_at timestamptz,"
        " archived_on date, published_at timestamptz);",
    )
    run_seed(db, definitions_dir=None, scale="medium", seed=1)
    assert 50 <= scalar(db, "SELECT count(deleted_at) FROM posts") <= 150  # type: ignore[operator]
    assert 50 <= scalar(db, "SELECT count(archived_on) FROM posts") <= 150  # type: ignore[operator]
    assert scalar(db, "SELECT count(published_at) FROM posts") > 850  # type: ignore[operator]


def test_a_partial_unique_index_on_a_foreign_key_gives_each_parent_one_such_row(
    db: str, tmp_path: Path
) -> None:
    """One open order per customer, one owner per team, one primary email per user."""
    apply_sql(
        db,
        "create table customers (id serial primary key, name text not null);"
        "create table orders (id serial primary key,"
        " customer_id int not null references customers (id),"
        " status text not null check (status in ('open', 'paid', 'shipped')));"
        "create unique index one_open_order on orders (customer_id) where status = 'open';"
        "create table emails (id serial primary key,"
        " customer_id int not null references customers (id), is_primary boolean not null);"
        "create unique index one_primary on emails (customer_id) where is_primary;"
        "create table carts (id serial primary key,"
        " customer_id int not null references customers (id), state text not null);"
        "create unique index one_live_cart on carts (customer_id) where state = 'live';",
    )
    (tmp_path / "seeds.toml").write_text("[tables.orders]\nrows = 300\n")
    report = run_seed(db, definitions_dir=tmp_path, scale="small", seed=5)
    assert scalar(db, "SELECT count(*) FROM customers") == 100
    per_status = "SELECT count(*) FILTER (WHERE status = {!r}) FROM orders"
    assert scalar(db, per_status.format("open")) == 100  # each customer's first order
    assert scalar(db, per_status.format("paid")) > 50  # type: ignore[operator]
    assert scalar(db, per_status.format("shipped")) > 50  # type: ignore[operator]
    assert scalar(db, "SELECT count(DISTINCT customer_id) FROM orders WHERE status = 'open'") == 100
    assert scalar(db, "SELECT count(*) FILTER (WHERE is_primary) FROM emails") == 100
    # A column without a CHECK keeps its usual values (none of them 'live'), not unique ones.
    assert scalar(db, "SELECT count(DISTINCT state) FROM carts") < 100  # type: ignore[operator]
    assert scalar(db, "SELECT count(*) FROM carts WHERE state = 'live'") == 0
    assert any("row's first orders row has status = 'open'" in n for n in report.notes)


def test_unique_codes_and_fixed_width_digits_from_patterns(db: str) -> None:
    apply_sql(
        db,
        "create table tickets (id serial primary key,"
        " code text not null unique check (code ~ '^[A-Z]{3}-[0-9]{4}$'),"
        " pin char(6) not null check (char_length(pin) = 6 and pin ~ '^[0-9]+$'),"
        " ref varchar(12) unique check (ref ~ '^(TK|TX)[0-9]+$'));",
    )
    run_seed(db, definitions_dir=None, scale="large", seed=5)
    rows = scalar(db, "SELECT count(*) FROM tickets")
    assert rows == 25_000
    assert scalar(db, "SELECT count(DISTINCT code) FROM tickets") == rows
    assert scalar(db, "SELECT count(DISTINCT pin) FROM tickets") > 500  # type: ignore[operator]
    assert scalar(db, "SELECT count(DISTINCT ref) = count(ref) FROM tickets") is True


@pytest.mark.parametrize("scale", ["small", "large"])
def test_a_parent_gets_each_kind_at_most_once(db: str, tmp_path: Path, scale: str) -> None:
    """UNIQUE (customer_id, kind) with kind from a CHECK list, an enum or a boolean."""
    apply_sql(
        db,
        "create type phone_kind as enum ('home', 'work', 'mobile');"
        "create table customers (id uuid primary key default gen_random_uuid(), name text);"
        "create table addresses (id serial primary key,"
        " customer_id uuid not null references customers (id),"
        " kind text not null check (kind in ('billing', 'shipping')), city text,"
        " is_default boolean not null default false);"
        "create unique index one_default on addresses (customer_id, kind) where is_default;"
        "create table phones (customer_id uuid not null references customers (id),"
        " kind phone_kind not null, number text, primary key (customer_id, kind));"
        "create table flags (customer_id uuid not null references customers (id),"
        " enabled boolean not null, unique (customer_id, enabled));",
    )
    # More flags than customers have values for: the table is capped at two per customer.
    (tmp_path / "seeds.toml").write_text("[tables.flags]\nrows = 1000\n")
    report = run_seed(db, definitions_dir=tmp_path, scale=scale, seed=6)
    customers = scalar(db, "SELECT count(*) FROM customers")
    rows = {t.name: t.rows for t in report.tables}
    assert rows["public.flags"] == min(2 * customers, 1000 * {"small": 1, "large": 250}[scale])  # type: ignore[operator]
    for table, kind, values in (
        ("addresses", "kind", 2),
        ("phones", "kind", 3),
        ("flags", "enabled", 2),
    ):
        assert rows[f"public.{table}"] > 0
        distinct = scalar(db, f"SELECT count(DISTINCT (customer_id, {kind})) FROM {table}")
        assert distinct == rows[f"public.{table}"]
        assert scalar(db, f"SELECT count(DISTINCT {kind}) FROM {table}") == values
    assert set(fk_violations(db).values()) == {0}


def test_a_column_a_check_computes_from_others(db: str) -> None:
    apply_sql(
        db,
        "create table lines (id serial primary key, qty int not null check (qty > 0),"
        " unit_price numeric(10, 2) not null, discount numeric(10, 2),"
        " line_total numeric(14, 2) not null check (line_total = qty * unit_price),"
        " net numeric(14, 2) not null,"
        " amount_cents bigint, check (amount_cents = round(net * 100)),"
        " check (net = line_total - coalesce(discount, 0)));",
    )
    report = run_seed(db, definitions_dir=None, scale="large", seed=3)
    assert scalar(db, "SELECT count(*) FROM lines") == 25_000
    assert scalar(db, "SELECT count(*) FROM lines WHERE line_total <> qty * unit_price") == 0
    assert scalar(db, "SELECT count(amount_cents) FROM lines") > 20_000  # type: ignore[operator]
    assert "public.lines: line_total is computed as CHECK lines_check says" in (report.notes)


def test_framework_timestamp_pairs_stay_in_order(db: str) -> None:
    """Django's date_joined/last_login, created/modified, Ecto's inserted_at/updated_at."""
    apply_sql(
        db,
        "create table auth_user (id serial primary key, username varchar(150) not null unique,"
        " last_login timestamptz, date_joined timestamptz not null);"
        "create table posts (id bigserial primary key, status smallint not null,"
        " created timestamptz not null, modified timestamptz not null,"
        " inserted_at timestamp(0) not null, updated_at timestamp(0) not null);",
    )
    run_seed(db, definitions_dir=None, scale="medium", seed=2)
    assert scalar(db, "SELECT count(*) FROM auth_user WHERE last_login < date_joined") == 0
    assert scalar(db, "SELECT count(last_login) FROM auth_user") > 800  # type: ignore[operator]
    assert scalar(db, "SELECT count(*) FROM posts WHERE modified < created") == 0
    assert scalar(db, "SELECT count(*) FROM posts WHERE updated_at < inserted_at") == 0
    assert scalar(db, "SELECT max(status) <= 4 AND count(DISTINCT status) = 5 FROM posts") is True


def test_a_film_rental_schema(db: str) -> None:
    """A domain whose range the usual integers miss, a NOT NULL tsvector, and two NOT NULL keys
    in a cycle (each store's manager works at a store), as in well-known sample databases."""
    apply_sql(
        db,
        "create domain year as integer check (value >= 1901 and value <= 2155);"
        "create table film (film_id serial primary key, title text not null,"
        " release_year year, rental_rate numeric(4, 2) not null check (rental_rate > 50),"
        " fulltext tsvector not null);"
        "create table staff (staff_id serial primary key, first_name text not null,"
        " store_id int not null);"
        "create table store (store_id serial primary key,"
        " manager_staff_id int not null unique references staff);"
        "alter table staff add foreign key (store_id) references store;",
    )
    run_seed(db, definitions_dir=None, scale="medium", seed=4)
    assert (
        scalar(db, "SELECT min(release_year) >= 1950 AND max(release_year) <= 2100 FROM film")
        is True
    )
    assert scalar(db, "SELECT count(DISTINCT release_year) > 20 FROM film") is True
    assert scalar(db, "SELECT min(rental_rate) > 50 AND max(rental_rate) < 100 FROM film") is True
    # The tsvector holds lexemes a text search finds.
    assert scalar(db, "SELECT count(*) FROM film WHERE length(fulltext) >= 3") == 1000
    assert scalar(db, "SELECT count(*) FROM film WHERE fulltext @@ plainto_tsquery('simple',"
                  " split_part(fulltext::text, '''', 2))") == 1000  # fmt: skip
    assert set(fk_violations(db).values()) == {0}


def test_emails_and_phones_under_pattern_checks_stay_synthetic(db: str) -> None:
    """A pattern CHECK on an email or phone column never makes devenv write random strings:
    addresses stay on the reserved example domains, numbers in the fictional 555-01xx range."""
    apply_sql(
        db,
        "create table people (id serial primary key,"
        " phone text check (phone ~ '^\\+[1-9][0-9]{7,14}$'),"
        " fax text check (fax ~ '^[0-9]{10}$'),"
        " email text not null check (email ~ '^[a-z]+@[a-z]+\\.[a-z]+$'),"
        " work_email text unique check (work_email ~ '^[a-z]+@[a-z]+\\.(com|org)$'),"
        " mobile text unique check (mobile ~ '^\\+[0-9]{11}$'));",
    )
    run_seed(db, definitions_dir=None, scale="large", seed=9)
    assert scalar(db, "SELECT count(phone) FROM people") > 20_000  # type: ignore[operator]
    assert scalar(db, "SELECT count(DISTINCT mobile) = count(mobile) FROM people") is True
    for column in ("phone", "fax", "mobile"):
        assert scalar(db, f"SELECT count(*) FROM people WHERE {column} !~ '55501[0-9]{{2}}$'") == 0
    for column in ("email", "work_email"):
        off = f"SELECT count(*) FROM people WHERE {column} !~ '@example\\.(com|net|org)$'"
        assert scalar(db, off) == 0
    assert scalar(db, "SELECT count(DISTINCT work_email) = count(work_email) FROM people") is True


def test_a_pattern_check_keeps_the_values_a_name_rule_makes_when_they_match(db: str) -> None:
    """`website ~ '^https?://'` keeps URLs, not the shortest strings that match ('http://')."""
    apply_sql(
        db,
        "create table sites (id serial primary key,"
        " website text not null check (website ~ '^https?://'),"
        " zip text check (zip ~ '^[0-9]{5}$'), guid text check (guid ~ '^g-[0-9]+$'));",
    )
    run_seed(db, definitions_dir=None, scale="medium", seed=3)
    # UUID strings, the name rule of `guid`, cannot match: the pattern's own strings it is.
    assert scalar(db, "SELECT count(guid) > 800 FROM sites") is True
    assert scalar(db, "SELECT min(length(website)) > 12 FROM sites") is True
    assert scalar(db, "SELECT count(DISTINCT website) > 500 FROM sites") is True
    assert scalar(db, "SELECT count(*) FROM sites WHERE zip !~ '^[0-9]{5}$'") == 0


def test_phone_columns_take_a_form_that_fits_their_length(db: str) -> None:
    apply_sql(
        db,
        "create table users (id serial primary key, phone varchar(10),"
        " mobile varchar(12) unique, fax varchar(5));",
    )
    run_seed(db, definitions_dir=None, scale="medium", seed=5)
    assert scalar(db, "SELECT count(*) FROM users WHERE phone !~ '^[0-9]{3}55501[0-9]{2}$'") == 0
    assert (
        scalar(db, "SELECT count(*) FROM users WHERE mobile !~ '^\\+1[0-9]{3}55501[0-9]{2}$'") == 0
    )
    assert scalar(db, "SELECT count(DISTINCT mobile) = count(mobile) FROM users") is True
    assert scalar(db, "SELECT count(fax) > 800 FROM users") is True  # cut to fit, as before


@pytest.mark.parametrize("scale", ["small", "large"])
def test_a_log_that_triggers_fill_keeps_their_rows_and_gets_none_of_its_own(
    db: str, scale: str
) -> None:
    """Audit logs filled by triggers: one loaded before the tables whose triggers fill it, one
    after them (it references users). A profile per user, whose key is its user's, is still
    replaced by the seed's own rows."""
    apply_sql(
        db,
        "create table users (id uuid primary key default gen_random_uuid(), email text not null);"
        "create table audit (id bigserial primary key, table_name text not null, row_id uuid);"
        "create table activity (id bigserial primary key,"
        " user_id uuid not null references users (id), kind text not null);"
        "create table profiles (id uuid primary key references users (id), bio text);"
        "create function log_row() returns trigger language plpgsql as $$ begin"
        " insert into audit (table_name, row_id) values (tg_table_name, new.id);"
        " insert into public.activity (user_id, kind) values (new.id, 'joined');"
        " insert into profiles (id) values (new.id); return new; end $$;"
        "create trigger users_log after insert on users for each row execute function log_row();",
    )
    report = run_seed(db, definitions_dir=None, scale=scale, seed=2)
    users = scalar(db, "SELECT count(*) FROM users")
    assert scalar(db, "SELECT count(*) FROM audit WHERE table_name = 'users'") == users
    assert scalar(db, "SELECT count(*) FROM audit") == users
    assert scalar(db, "SELECT count(*) FROM activity WHERE kind = 'joined'") == users
    assert scalar(db, "SELECT count(*) FROM activity") == users
    assert scalar(db, "SELECT count(bio) > 0 FROM profiles") is True  # the seed's own rows
    notes = " ".join(report.notes)
    assert (
        "public.audit: no rows of its own; it keeps the rows the triggers of public.users" in notes
    )
    assert set(fk_violations(db).values()) == {0}


def test_a_nullable_time_follows_its_flag(db: str) -> None:
    """`is_verified`/`verified_at`, `paid`/`paid_at`, and a flag the database defaults to false."""
    apply_sql(
        db,
        "create table invites (id serial primary key, email text not null,"
        " is_verified boolean not null, verified_at timestamptz,"
        " accepted boolean not null default false, accepted_at timestamptz,"
        " paid boolean, paid_on date);",
    )
    report = run_seed(db, definitions_dir=None, scale="medium", seed=4)
    assert (
        scalar(db, "SELECT count(*) FROM invites WHERE is_verified <> (verified_at IS NOT NULL)")
        == 0
    )
    assert scalar(db, "SELECT count(*) FILTER (WHERE is_verified) > 300 FROM invites") is True
    assert scalar(db, "SELECT count(accepted_at) FROM invites") == 0  # never accepted
    assert (
        scalar(db, "SELECT count(*) FROM invites WHERE paid_on IS NOT NULL AND paid IS NOT TRUE")
        == 0
    )
    assert scalar(db, "SELECT count(paid_on) > 300 FROM invites") is True
    assert "public.invites: verified_at is set where is_verified is true, NULL elsewhere" in (
        report.notes
    )
