"""The report: stable value-free fingerprints, allow list, the error, what was checked, purity."""

from __future__ import annotations

import dataclasses
import hashlib
import re
import secrets
from pathlib import Path

import pytest

from devenv.errors import CredentialsFound
from devenv.guard import Finding, GuardReport, ensure_clean, scan, scan_env_text
from tests.unit.guard import guard_samples as s
from tests.unit.guard.guard_corpus import FLAGGED, Flagged

KEY = s.aws_key_id(seed="report")
TOKEN = s.github("ghp_", "report")
FINGERPRINT = re.compile(r"[a-z][a-z-]*:[0-9a-f]{10}")


@pytest.mark.parametrize("case", FLAGGED, ids=lambda c: c.id)
def test_fingerprints_are_stable_and_value_free(
    case: Flagged, home: Path, project: Path, tmp_path: Path
) -> None:
    first = scan({case.name: case.value}, home, project).findings
    other_project = tmp_path / "elsewhere"
    other_project.mkdir()
    (other_project / ".env.staging").write_text(
        "\n\n" + s.dotenv_line(case.name, case.value) + "\n"
    )
    second = scan({}, home, other_project).findings
    assert [f.fingerprint for f in first] == [f.fingerprint for f in second]
    for found in first:
        assert FINGERPRINT.fullmatch(found.fingerprint)
        assert found.fingerprint.startswith(found.provider + ":")
        assert not s.substrings(case.secret) & s.substrings(found.fingerprint)


def test_fingerprint_is_provider_and_sha256_of_provider_kind_value(
    home: Path, project: Path
) -> None:
    digest = hashlib.sha256(f"aws|access key id|{KEY}".encode()).hexdigest()
    (found,) = scan({"AWS_ACCESS_KEY_ID": KEY}, home, project).findings
    assert found.fingerprint == f"aws:{digest[:10]}"


def test_different_credentials_have_different_fingerprints(home: Path, project: Path) -> None:
    report = scan(
        {
            "A": s.aws_key_id(seed="one"),
            "B": s.aws_key_id(seed="two"),
            "C": s.aws_key_id(seed="one"),
        },
        home,
        project,
    )
    prints = [f.fingerprint for f in report.findings]
    assert prints[0] == prints[2] != prints[1]


def test_allow_list_moves_findings_to_acknowledged(home: Path, project: Path) -> None:
    environ = {"AWS_ACCESS_KEY_ID": KEY, "GITHUB_TOKEN": TOKEN}
    (project / ".env").write_text(f"OLD={KEY}\n")
    before = scan(environ, home, project)
    aws = next(f.fingerprint for f in before.findings if f.provider == "aws")
    after = scan(environ, home, project, allow=[f"  {aws.upper()} ", "github:0000000000"])
    assert [f.source for f in after.acknowledged] == ["env AWS_ACCESS_KEY_ID", ".env:1"]
    assert [f.provider for f in after.findings] == ["github"]
    assert not after.clean
    everything = scan(environ, home, project, allow={f.fingerprint for f in before.findings})
    assert everything.clean
    assert everything.findings == ()
    ensure_clean(everything)


def test_ensure_clean_lists_every_finding(home: Path, project: Path) -> None:
    (project / ".env.production").write_text(f"\n\nGITHUB_TOKEN={TOKEN}\n")
    report = scan({"AWS_ACCESS_KEY_ID": KEY}, home, project)
    aws, github = report.findings
    with pytest.raises(CredentialsFound) as caught:
        ensure_clean(report)
    error = caught.value
    assert error.exit_code == 3
    assert error.message == (
        "devenv refuses to run: found 2 real cloud credentials.\n"
        f"  - env AWS_ACCESS_KEY_ID: aws access key id [{aws.fingerprint}]\n"
        f"  - .env.production:3: github personal access token [{github.fingerprint}]"
    )
    assert error.hint == (
        "Unset AWS_ACCESS_KEY_ID in this shell and remove it from your shell profile.\n"
        "Remove GITHUB_TOKEN from .env.production, or replace it with a local value.\n"
        "If one of these is not a real credential, acknowledge it in devenv.toml:\n"
        f'[guard] allow = ["{aws.fingerprint}", "{github.fingerprint}"]\n'
        "Then run `devenv check` to see the report again."
    )
    assert KEY[4:] not in f"{error.message}{error.hint}"
    assert TOKEN[4:] not in f"{error.message}{error.hint}"


def test_ensure_clean_passes_a_clean_report(home: Path, project: Path) -> None:
    report = scan({"AWS_REGION": "eu-west-1"}, home, project)
    assert report.clean
    assert ensure_clean(report) is None


def test_one_finding_reads_in_the_singular(home: Path, project: Path) -> None:
    with pytest.raises(CredentialsFound, match=r"(?m)found 1 real cloud credential\.$"):
        ensure_clean(scan({"GITHUB_TOKEN": TOKEN}, home, project))


def test_checked_names_every_source_looked_at(home: Path, project: Path) -> None:
    (project / ".env").write_text("A=1\n")
    (project / ".env.local").write_text("B=2\n")
    (home / ".aws").mkdir()
    (home / ".aws" / "credentials").write_text("[default]\nregion=x\n")
    (home / ".aws" / "config").write_text("[default]\nregion=x\n")
    report = scan({"A": "1", "B": "2", "C": "3"}, home, project)
    assert report.checked == (
        "process environment (3 variables)",
        ".env",
        ".env.local",
        "~/.aws/credentials",
        "~/.aws/config",
    )


def test_the_same_finding_is_reported_once(home: Path, project: Path) -> None:
    value = f"{KEY} {KEY}"
    report = scan({"KEYS": value}, home, project)
    assert len(report.findings) == 1


def test_findings_and_reports_are_frozen(home: Path, project: Path) -> None:
    report = scan({"GITHUB_TOKEN": TOKEN}, home, project)
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.findings[0].source = "x"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.findings = ()  # type: ignore[misc]
    assert isinstance(report, GuardReport)
    assert isinstance(report.findings[0], Finding)


def test_scan_never_reads_the_real_environment_or_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, home: Path, project: Path
) -> None:
    real_home = tmp_path / "real-home"
    (real_home / ".aws").mkdir(parents=True)
    (real_home / ".aws" / "credentials").write_text(f"[default]\naws_access_key_id={KEY}\n")
    (real_home / ".supabase").mkdir()
    (real_home / ".supabase" / "access-token").write_text("sbp_" + s.hex_string(40))
    monkeypatch.setenv("HOME", str(real_home))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(real_home / ".aws" / "credentials"))
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    report = scan({}, home, project)
    assert report.clean
    assert report.checked == ("process environment (0 variables)",)


def test_devenv_own_env_local_passes() -> None:
    jwt_secret = secrets.token_urlsafe(48)
    anon = s.jwt({"iss": "devenv", "role": "anon", "ref": "local"}, key=jwt_secret.encode())
    service = s.jwt({"iss": "devenv", "role": "service_role"}, key=jwt_secret.encode())
    password = secrets.token_urlsafe(24)
    text = "\n".join(
        [
            "# Local environment of 'demo', written by devenv. Every address is 127.0.0.1;",
            f"DATABASE_URL=postgresql://postgres:{password}@127.0.0.1:54322/demo",
            f"PGPASSWORD={password}",
            "PGHOST=127.0.0.1",
            "S3_ENDPOINT_URL=http://127.0.0.1:9000",
            f"AWS_ACCESS_KEY_ID=devenv-{secrets.token_hex(8)}",
            f"AWS_SECRET_ACCESS_KEY=devenv-{secrets.token_hex(20)}",
            "AWS_ENDPOINT_URL_S3=http://127.0.0.1:9000",
            "SUPABASE_URL=http://127.0.0.1:54321",
            f"SUPABASE_ANON_KEY={anon}",
            f"SUPABASE_SERVICE_ROLE_KEY={service}",
            f"SUPABASE_JWT_SECRET={jwt_secret}",
            "",
            "# --- devenv: add your own lines below this one; `devenv env` keeps them ---",
            "",
        ]
    )
    assert scan_env_text(text, source=".env.local") == []


def test_scan_env_text_names_user_lines(home: Path) -> None:
    text = "A=1\n# --- devenv marker ---\nSTRIPE_KEY=" + s.stripe("sk_" + "live_") + "\n"
    (found,) = scan_env_text(text, source=".env.local")
    assert (found.source, found.provider, found.kind) == (
        ".env.local:3",
        "stripe",
        "live secret key",
    )
    assert found.fix == "Remove STRIPE_KEY from .env.local, or replace it with a local value."
