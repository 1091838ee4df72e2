"""Migration files that cannot be read are named before anything is applied."""

from __future__ import annotations

from pathlib import Path

import pytest

from devenv.errors import MigrationError
from devenv.migrations import discover


def test_migrations_are_found_in_file_name_order(tmp_path: Path) -> None:
    (tmp_path / "002_b.sql").write_text("select 2;")
    (tmp_path / "001_a.sql").write_text("select 1;")
    assert [(m.version, m.name) for m in discover(tmp_path)] == [("001", "a"), ("002", "b")]


def test_a_migration_that_is_not_utf8_text_is_named(tmp_path: Path) -> None:
    (tmp_path / "001_init.sql").write_bytes(b"insert into t values ('caf\xe9');")
    with pytest.raises(MigrationError, match=r"001_init\.sql: cannot read it as UTF-8 text"):
        discover(tmp_path)


def test_a_directory_named_like_a_migration_is_named(tmp_path: Path) -> None:
    (tmp_path / "001_init.sql").mkdir()
    with pytest.raises(MigrationError, match=r"001_init\.sql: cannot read it as UTF-8 text"):
        discover(tmp_path)
