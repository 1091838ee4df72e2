"""Loading seeds/*.toml: structure errors name the file, the table and the column."""

from __future__ import annotations

from pathlib import Path

import pytest

from devenv.errors import SeedError
from devenv.seeding.definitions import load


def write(directory: Path, text: str, name: str = "seeds.toml") -> Path:
    path = directory / name
    path.write_text(text)
    return path


def test_missing_directory_means_no_definitions(tmp_path: Path) -> None:
    assert load(tmp_path / "nope").tables == {}
    assert load(None).schemas == ("public",)


def test_full_format(tmp_path: Path) -> None:
    write(
        tmp_path,
        """
[settings]
schemas = ["public", "app"]
exclude = ["countries"]
anchor = 2024-06-30

[tables.users]
rows = { small = 10, large = 5000 }

[tables.users.columns]
email = { template = "{first_name}{row}@example.com", transform = "lower" }
plan = { choices = { free = 8, pro = 2 }, null_fraction = 0.1 }
bio = { null_fraction = 0.5 }

[tables.posts]
per_parent = { column = "user_id", min = 0, max = 5 }
""",
    )
    defs = load(tmp_path)
    assert defs.schemas == ("public", "app")
    assert defs.exclude == ("countries",)
    assert defs.tables["users"].rows == {"small": 10, "large": 5000}
    assert defs.tables["users"].columns["plan"].kind == "choices"
    assert defs.tables["users"].columns["bio"].kind == "auto"
    assert defs.tables["posts"].per_parent == {"column": "user_id", "min": 0, "max": 5}


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (
            "[tables.users.columns]\nemail = { provider = 'email', choices = ['a'] }",
            "table users, column email: give exactly one of",
        ),
        (
            "[tables.users.columns]\nemail = { provder = 'email' }",
            "table users, column email: give exactly one of",
        ),
        (
            "[tables.users.columns]\nspot = { sql = ' ' }",
            "table users, column spot: sql must be an SQL expression",
        ),
        (
            "[tables.users.columns]\nspot = { sql = 5 }",
            "table users, column spot: sql must be an SQL expression",
        ),
        (
            "[tables.users.columns]\nspot = { sql = 'point(0, 0)', null_fraction = 0.5 }",
            "table users, column spot: the database fills this column: null_fraction does not",
        ),
        (
            "[tables.users.columns]\nage = { range = [1, 2], weights = [1] }",
            "table users, column age: unknown key 'weights'",
        ),
        (
            "[tables.users.columns]\nplan = { choices = ['a', 'b'], weights = [1] }",
            "table users, column plan: weights must be a list of 2",
        ),
        (
            "[tables.users.columns]\nplan = { choices = [] }",
            "table users, column plan: choices must be a non-empty",
        ),
        (
            "[tables.users.columns]\nbio = { null_fraction = 2 }",
            "table users, column bio: null_fraction must be",
        ),
        (
            "[tables.users.columns]\nbio = { template = 'x', transform = 'camel' }",
            "table users, column bio: transform must be",
        ),
        (
            "[tables.users.columns]\norg = { follow = 'org_id' }",
            "table users, column org: follow must look like",
        ),
        ("[tables.users]\nrows = -1", "table users: rows must be"),
        ("[tables.users]\nrowz = 1", "table users: unknown key 'rowz'"),
        (
            "[tables.posts]\nper_parent = { column = 'user_id', min = 3, max = 1 }",
            "table posts: per_parent must look like",
        ),
        (
            "[tables.posts]\nrows = 1\nper_parent = { column = 'user_id' }",
            "table posts: give either rows or per_parent",
        ),
    ],
)
def test_structure_errors_name_file_table_column(tmp_path: Path, text: str, fragment: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(SeedError) as caught:
        load(tmp_path)
    assert str(caught.value).startswith(f"{path}: ")
    assert fragment in str(caught.value)


def test_toml_syntax_error_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "[tables.users\n")
    with pytest.raises(SeedError, match=f"{path}: invalid TOML"):
        load(tmp_path)


def test_a_table_defined_twice(tmp_path: Path) -> None:
    write(tmp_path, "[tables.users]\nrows = 1\n", "a.toml")
    write(tmp_path, "[tables.users]\nrows = 2\n", "b.toml")
    with pytest.raises(SeedError, match=r"b\.toml: table users: already defined in .*a\.toml"):
        load(tmp_path)


def test_clinic_definitions_load() -> None:
    clinic = Path(__file__).resolve().parents[3] / "templates" / "clinic" / "seeds"
    defs = load(clinic)
    assert set(defs.tables) == {
        "clinics",
        "providers",
        "patients",
        "appointments",
        "invoices",
        "payments",
        "documents",
    }


def test_a_file_that_is_not_utf8_text_is_named(tmp_path: Path) -> None:
    (tmp_path / "broken.toml").write_bytes(b"\xff\xfe[tables.x]\n")
    with pytest.raises(SeedError, match=r"broken\.toml: cannot read it as UTF-8 text"):
        load(tmp_path)


def test_a_directory_named_like_a_definition_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "more.toml").mkdir()
    with pytest.raises(SeedError, match=r"more\.toml: cannot read it as UTF-8 text"):
        load(tmp_path)
