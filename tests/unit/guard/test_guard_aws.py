"""~/.aws: keys on disk, profiles that resolve to credentials, file locations, CLI caches."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devenv.guard import GuardReport, scan
from tests.unit.guard import guard_samples as s

KEY = s.aws_key_id(seed="aws-files")
TEMP_KEY = s.aws_key_id("ASIA", seed="aws-temp")
SECRET = s.aws_secret("aws-files")


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _found(report: GuardReport) -> list[tuple[str, str]]:
    return [(f.source, f.kind) for f in report.findings]


def test_keys_in_the_default_profile(home: Path, project: Path) -> None:
    creds = _write(
        home / ".aws" / "credentials",
        f"[default]\naws_access_key_id = {KEY}\naws_secret_access_key = {SECRET}\n",
    )
    report = scan({}, home, project)
    assert _found(report) == [(f"{creds}:2", "access key pair")]
    finding = report.findings[0]
    assert finding.provider == "aws"
    assert finding.fix == (
        "Remove the [default] keys from ~/.aws/credentials or move them off this machine."
    )
    assert "~/.aws/credentials" in report.checked


def test_keys_in_every_profile_count_even_unselected(home: Path, project: Path) -> None:
    creds = _write(
        home / ".aws" / "credentials",
        "[default]\nregion = eu-west-1\n\n"
        f"[prod]\naws_access_key_id={KEY}\naws_secret_access_key={SECRET}\n"
        "[minio]\naws_access_key_id = minioadmin\naws_secret_access_key = minioadmin\n"
        "[localstack]\naws_access_key_id = test\naws_secret_access_key = test\n"
        f"[devenv]\naws_access_key_id = devenv-{s.hex_string(16)}\n"
        f"aws_secret_access_key = devenv-{s.hex_string(40)}\n"
        "[docs]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n",
    )
    assert _found(scan({}, home, project)) == [(f"{creds}:5", "access key pair")]


@pytest.mark.parametrize(
    ("body", "kind", "line"),
    [
        (f"aws_access_key_id = {TEMP_KEY}\naws_secret_access_key = {SECRET}\n", "temporary", 2),
        (
            f"aws_access_key_id = {KEY}\naws_secret_access_key = {SECRET}\n"
            f"aws_session_token = {s.session_token()}\n",
            "temporary",
            2,
        ),
        (f"aws_secret_access_key = {SECRET}\n", "secret", 2),
        (f"AWS_ACCESS_KEY_ID = {KEY}\n", "long-term", 2),
    ],
    ids=["asia", "session-token", "secret-only", "upper-case-key"],
)
def test_key_pair_kinds(body: str, kind: str, line: int, home: Path, project: Path) -> None:
    creds = _write(home / ".aws" / "credentials", "[default]\n" + body)
    expected = {
        "temporary": "temporary access key pair",
        "secret": "secret access key",
        "long-term": "access key pair",
    }[kind]
    assert _found(scan({}, home, project)) == [(f"{creds}:{line}", expected)]


@pytest.mark.parametrize(
    "line",
    [
        f"# aws_access_key_id = {KEY}",
        f"; aws_access_key_id = {KEY}",
        "aws_access_key_id = AKIAXXXXXXXXXXXXXXXX",
        "aws_access_key_id =",
        "aws_access_key_id = ${AWS_ACCESS_KEY_ID}",
    ],
)
def test_commented_or_placeholder_keys_do_not_count(line: str, home: Path, project: Path) -> None:
    _write(home / ".aws" / "credentials", f"[default]\n{line}\n")
    assert scan({}, home, project).clean


def test_keys_in_the_config_file(home: Path, project: Path) -> None:
    config = _write(
        home / ".aws" / "config",
        f"[profile ci]\nregion = us-east-1\naws_access_key_id = {KEY}\n",
    )
    assert _found(scan({}, home, project)) == [(f"{config}:3", "access key pair")]


@pytest.mark.parametrize(
    ("variable", "raw", "relative_to"),
    [
        ("AWS_SHARED_CREDENTIALS_FILE", "{home}/elsewhere/creds", "home"),
        ("AWS_SHARED_CREDENTIALS_FILE", "~/elsewhere/creds", "home"),
        ("AWS_SHARED_CREDENTIALS_FILE", "secrets/creds", "project"),
        ("AWS_CONFIG_FILE", "~/elsewhere/creds", "home"),
    ],
)
def test_files_named_by_variables_replace_the_defaults(
    variable: str, raw: str, relative_to: str, home: Path, project: Path
) -> None:
    base = home if relative_to == "home" else project
    moved = _write(
        base / raw.replace("{home}/", "").removeprefix("~/"),
        f"[default]\naws_access_key_id={KEY}\n",
    )
    default = "credentials" if variable == "AWS_SHARED_CREDENTIALS_FILE" else "config"
    _write(home / ".aws" / default, f"[default]\naws_access_key_id={s.aws_key_id(seed='other')}\n")
    report = scan({variable: raw.replace("{home}", str(home))}, home, project)
    assert [f.source for f in report.findings] == [f"{moved}:2"]


SSO = "sso_start_url = https://corp.awsapps.com/start\nsso_account_id = 123456789012\n"


@pytest.mark.parametrize(
    ("config", "line", "kind"),
    [
        (f"[default]\n{SSO}", 2, "SSO profile"),
        (f"[profile default]\n{SSO}", 2, "SSO profile"),
        (
            "[default]\nsso_session = corp\nsso_role_name = Admin\n\n"
            "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n",
            2,
            "SSO profile",
        ),
        (
            "[default]\ncredential_process = /usr/local/bin/vault-creds prod\n",
            2,
            "credential_process profile",
        ),
        (
            "[default]\nregion = eu-west-1\nrole_arn = arn:aws:iam::123456789012:role/x\n"
            "source_profile = base\n",
            3,
            "assume-role profile",
        ),
        (
            "[default]\nrole_arn = arn:aws:iam::123456789012:role/x\n"
            "credential_source = Ec2InstanceMetadata\n",
            2,
            "assume-role profile",
        ),
        (
            "[default]\nrole_arn = arn:aws:iam::123456789012:role/x\n"
            "web_identity_token_file = /var/run/token\n",
            3,
            "web identity profile",
        ),
        (
            "[default]\nlogin_session = arn:aws:iam::123456789012:user/me\n",
            2,
            "console login profile",
        ),
    ],
    ids=[
        "sso-start-url",
        "profile-default",
        "sso-session",
        "credential-process",
        "role-source-profile",
        "role-credential-source",
        "web-identity",
        "login-session",
    ],
)
def test_default_profile_resolving_to_credentials(
    config: str, line: int, kind: str, home: Path, project: Path
) -> None:
    path = _write(home / ".aws" / "config", config)
    report = scan({}, home, project)
    assert _found(report) == [(f"{path}:{line}", kind)]
    assert "default profile" in report.findings[0].fix


@pytest.mark.parametrize(
    "config",
    [
        "[default]\nregion = eu-west-1\noutput = json\n",
        "[default]\nrole_arn = arn:aws:iam::123456789012:role/x\n",
        "[default]\n# sso_start_url = https://corp.awsapps.com/start\n",
        f"[profile dev]\n{SSO}",
        f"[sso-session corp]\n{SSO}",
    ],
    ids=[
        "region-only",
        "role-without-source",
        "commented-sso",
        "unselected-profile",
        "session-only",
    ],
)
def test_profiles_that_resolve_nothing(config: str, home: Path, project: Path) -> None:
    _write(home / ".aws" / "config", config)
    assert scan({}, home, project).clean


@pytest.mark.parametrize("variable", ["AWS_PROFILE", "AWS_DEFAULT_PROFILE"])
def test_selected_profile_with_sso(variable: str, home: Path, project: Path) -> None:
    path = _write(
        home / ".aws" / "config", f"[default]\nregion = eu-west-1\n\n[profile dev]\n{SSO}"
    )
    report = scan({variable: "dev"}, home, project)
    assert _found(report) == [(f"{path}:5", "SSO profile")]
    assert report.findings[0].fix.startswith(
        "Unset AWS_PROFILE, or remove sso_start_url from profile dev"
    )


def test_profile_selected_in_an_env_file(home: Path, project: Path) -> None:
    path = _write(home / ".aws" / "config", f"[profile dev]\n{SSO}")
    (project / ".env").write_text("AWS_PROFILE=dev\n")
    assert _found(scan({}, home, project)) == [(f"{path}:2", "SSO profile")]


def test_plain_section_in_config_is_not_a_profile(home: Path, project: Path) -> None:
    _write(home / ".aws" / "config", f"[dev]\n{SSO}")
    assert scan({"AWS_PROFILE": "dev"}, home, project).clean


def test_credentials_file_uses_bare_profile_names(home: Path, project: Path) -> None:
    creds = _write(
        home / ".aws" / "credentials",
        "[profile dev]\ncredential_process = /bin/false\n[dev]\ncredential_process = /bin/creds\n",
    )
    report = scan({"AWS_PROFILE": "dev"}, home, project)
    assert _found(report) == [(f"{creds}:4", "credential_process profile")]


def test_selected_and_default_are_both_checked(home: Path, project: Path) -> None:
    path = _write(
        home / ".aws" / "config",
        f"[default]\n{SSO}\n[profile dev]\ncredential_process = /bin/creds\n",
    )
    report = scan({"AWS_PROFILE": "dev"}, home, project)
    assert _found(report) == [
        (f"{path}:2", "SSO profile"),
        (f"{path}:6", "credential_process profile"),
    ]


def test_credential_process_in_a_selected_local_profile_with_devenv_keys(
    home: Path, project: Path
) -> None:
    _write(
        home / ".aws" / "config",
        "[profile local]\nendpoint_url = http://127.0.0.1:9000\nregion = us-east-1\n",
    )
    _write(
        home / ".aws" / "credentials",
        f"[local]\naws_access_key_id = devenv-{s.hex_string(16)}\n"
        f"aws_secret_access_key = devenv-{s.hex_string(40)}\n",
    )
    assert scan({"AWS_PROFILE": "local"}, home, project).clean


@pytest.mark.parametrize(
    ("folder", "data", "kind"),
    [
        (
            "sso/cache",
            {"accessToken": "aoa" + s.rand(s.ALNUM, 80, "sso"), "expiresAt": "x"},
            "cached SSO token",
        ),
        (
            "cli/cache",
            {"Credentials": {"AccessKeyId": "ASIA", "SecretAccessKey": "x"}},
            "cached temporary credentials",
        ),
    ],
)
def test_cli_caches(
    folder: str, data: dict[str, object], kind: str, home: Path, project: Path
) -> None:
    path = _write(home / ".aws" / folder / "0123abcd.json", json.dumps(data))
    _write(home / ".aws" / folder / "empty.json", json.dumps({"accessToken": ""}))
    _write(home / ".aws" / folder / "broken.json", "{not json")
    report = scan({}, home, project)
    assert _found(report) == [(str(path), kind)]
    assert f"~/.aws/{folder} (3 files)" in report.checked


def test_profile_fingerprint_is_stable(home: Path, project: Path, tmp_path: Path) -> None:
    _write(home / ".aws" / "config", f"[default]\n{SSO}")
    other_home = tmp_path / "other-home"
    _write(other_home / ".aws" / "config", f"# moved\n\n[default]\n{SSO}")
    first = scan({}, home, project).findings[0].fingerprint
    assert scan({}, other_home, project).findings[0].fingerprint == first
