"""Env files: which ones are read, and how dotenv syntax decides what is set (and on which line)."""

from __future__ import annotations

from pathlib import Path

import pytest

from devenv.guard import scan, scan_env_text
from devenv.guard.envfiles import parse_env_text
from tests.unit.guard import guard_samples as s

KEY = s.aws_key_id(seed="dotenv")


def _parsed(text: str) -> list[tuple[str, str, int | None]]:
    return [(v.name, v.value, v.line) for v in parse_env_text(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A=1\nB=2\n", [("A", "1", 1), ("B", "2", 2)]),
        ("export A=1\n", [("A", "1", 1)]),
        ("export   A = 1 \n", [("A", "1", 1)]),
        ("A='single # kept'\n", [("A", "single # kept", 1)]),
        ('A="double # kept"\n', [("A", "double # kept", 1)]),
        ("A=value # comment\n", [("A", "value", 1)]),
        ("A=value#not-a-comment\n", [("A", "value#not-a-comment", 1)]),
        ("A= # only a comment\n", [("A", "", 1)]),
        ("# A=1\nB=2\n", [("B", "2", 2)]),
        ("   # A=1\n", []),
        ("\n\n\nA=1\n", [("A", "1", 4)]),
        ("# one\n\n# two\nA=1\n", [("A", "1", 4)]),
        ('A="line1\nline2\nline3"\nB=2\n', [("A", "line1\nline2\nline3", 1), ("B", "2", 4)]),
        ("A='x\ny'\n\nB=2\n", [("A", "x\ny", 1), ("B", "2", 4)]),
        ('A="esc\\"aped"\n', [("A", 'esc"aped', 1)]),
        ("A=1\r\nB=2\r\n", [("A", "1", 1), ("B", "2", 2)]),
        ("\ufeffA=1\n", [("A", "1", 1)]),
        ("JUST_A_KEY\nB=2\n", [("B", "2", 2)]),
        ("A=1\nA=2\n", [("A", "1", 1), ("A", "2", 2)]),
        ("'quoted key'=v\n", [("quoted key", "v", 1)]),
        ("A=1\n%%% not dotenv\nB=2\n", [("A", "1", 1), ("B", "2", 3)]),
        ("A=${OTHER}\n", [("A", "${OTHER}", 1)]),
    ],
    ids=lambda v: repr(v)[:40] if isinstance(v, str) else "",
)
def test_parse_like_python_dotenv(text: str, expected: list[tuple[str, str, int]]) -> None:
    assert _parsed(text) == expected


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (f"export AWS_ACCESS_KEY_ID={KEY}\n", 1),
        (f"AWS_ACCESS_KEY_ID='{KEY}'\n", 1),
        (f'AWS_ACCESS_KEY_ID="{KEY}"\n', 1),
        (f"AWS_ACCESS_KEY_ID={KEY} # prod key\n", 1),
        (f"# note\n\n\nAWS_ACCESS_KEY_ID={KEY}\n", 4),
        (f'NOTES="first line\nsecond line {KEY}\nthird"\n', 1),
        (f"A=1\r\nB=2\r\nAWS_ACCESS_KEY_ID={KEY}\r\n", 3),
        (f"AWS_ACCESS_KEY_ID={KEY}\nAWS_ACCESS_KEY_ID=test\n", 1),
    ],
)
def test_credentials_in_dotenv_syntax(text: str, line: int) -> None:
    findings = scan_env_text(text, source=".env")
    assert [f.source for f in findings] == [f".env:{line}"]


@pytest.mark.parametrize(
    "text",
    [
        f"# AWS_ACCESS_KEY_ID={KEY}\n",
        f"#AWS_ACCESS_KEY_ID={KEY}\n",
        f"    # export AWS_ACCESS_KEY_ID={KEY}\n",
        f"A=1 # {KEY}\n",
        "AWS_ACCESS_KEY_ID=\n",
        "AWS_ACCESS_KEY_ID\n",
        "AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID}\n",
    ],
)
def test_commented_and_empty_lines_are_not_set(text: str) -> None:
    assert scan_env_text(text, source=".env") == []


@pytest.mark.parametrize(
    "name",
    [
        ".env",
        ".env.local",
        ".env.development",
        ".env.production",
        ".env.test",
        ".env.production.local",
        ".env.development.local",
        ".env.example",
        ".env.sample",
        ".env.template",
        ".env.bak",
        ".envrc",
    ],
)
def test_every_env_file_at_the_root_is_read(name: str, home: Path, project: Path) -> None:
    (project / name).write_text(f"AWS_ACCESS_KEY_ID={KEY}\n")
    report = scan({}, home, project)
    assert [f.source for f in report.findings] == [f"{name}:1"]
    assert name in report.checked


@pytest.mark.parametrize(
    "relative",
    ["env", "dot.env", ".environment", "config/.env", "sub/.env.local", ".env.d/prod"],
)
def test_other_files_are_not_env_files(relative: str, home: Path, project: Path) -> None:
    path = project / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"AWS_ACCESS_KEY_ID={KEY}\n")
    assert scan({}, home, project).findings == ()


def test_template_placeholders_do_not_count(home: Path, project: Path) -> None:
    (project / ".env.example").write_text(
        "AWS_ACCESS_KEY_ID=AKIAXXXXXXXXXXXXXXXX\n"
        "AWS_SECRET_ACCESS_KEY=your-secret-access-key\n"
        "DATABASE_URL=postgres://user:<password>@db.prod-corp.net/app\n"
        "SUPABASE_URL=https://<project-ref>.supabase.co\n"
        "STRIPE_SECRET_KEY=sk_live_...\n"
        "GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"
    )
    report = scan({}, home, project)
    assert report.findings == ()
    assert ".env.example" in report.checked


def test_a_directory_named_env_is_skipped(home: Path, project: Path) -> None:
    (project / ".env").mkdir()  # a virtualenv called .env
    (project / ".env" / "pyvenv.cfg").write_text(f"AWS_ACCESS_KEY_ID={KEY}\n")
    report = scan({}, home, project)
    assert report.clean
    assert ".env" not in report.checked


def test_a_missing_project_directory_is_not_an_error(home: Path, tmp_path: Path) -> None:
    assert scan({}, home, tmp_path / "nowhere").clean


def test_an_oversized_env_file_is_reported_as_not_checked(home: Path, project: Path) -> None:
    (project / ".env").write_text("A=" + "x" * (1 << 20) + "\n")
    report = scan({}, home, project)
    assert ".env (unreadable or too large, not checked)" in report.checked


def test_each_file_is_its_own_source(home: Path, project: Path) -> None:
    (project / ".env").write_text(f"A=1\nAWS_ACCESS_KEY_ID={KEY}\n")
    (project / ".env.production").write_text(f"\n\n\nOLD_KEY={KEY}\n")
    report = scan({"AWS_ACCESS_KEY_ID": KEY}, home, project)
    assert [f.source for f in report.findings] == [
        "env AWS_ACCESS_KEY_ID",
        ".env:2",
        ".env.production:4",
    ]
    assert len({f.fingerprint for f in report.findings}) == 1
    assert (
        report.findings[1].fix
        == "Remove AWS_ACCESS_KEY_ID from .env, or replace it with a local value."
    )


def test_findings_in_a_file_come_in_line_order(home: Path, project: Path) -> None:
    (project / ".env").write_text(
        "PGPASSWORD=" + s.password("pg") + "\n"
        f"AWS_ACCESS_KEY_ID={KEY}\n"
        "PGHOST=pg.prod-corp.net\n"
        f"GITHUB_TOKEN={s.github('ghp_')}\n"
    )
    sources = [f.source for f in scan({}, home, project).findings]
    assert sources == [".env:1", ".env:2", ".env:4"]
