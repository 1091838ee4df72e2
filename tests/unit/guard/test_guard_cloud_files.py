"""gcloud, Azure CLI and Supabase CLI files under the given home (or where variables point)."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from devenv.guard import GuardReport, scan
from tests.unit.guard import guard_samples as s

REFRESH = s.google_refresh_token("files")


def _write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def _found(report: GuardReport) -> list[tuple[str, str, str]]:
    return [(f.source, f.provider, f.kind) for f in report.findings]


def _sqlite(path: Path, table: str, accounts: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(path)) as db:
        db.execute(f"CREATE TABLE {table} (account_id TEXT PRIMARY KEY, value BLOB)")
        db.executemany(f"INSERT INTO {table} VALUES (?, ?)", [(a, b"{}") for a in accounts])
        db.commit()
    return path


GOOGLE_FILES = {
    "authorized-user": (
        {
            "type": "authorized_user",
            "client_id": "c",
            "client_secret": "d",
            "refresh_token": REFRESH,
        },
        "authorized-user credentials",
    ),
    "service-account": (
        {
            "type": "service_account",
            "client_email": "sa@p.iam.gserviceaccount.com",
            "private_key_id": s.hex_string(40, "kid"),
            "private_key": s.pem("PRIVATE KEY", s.pem_body("sa")),
        },
        "service-account key",
    ),
    "external-account": (
        {"type": "external_account", "audience": "//iam/x", "credential_source": {"file": "/t"}},
        "external-account credentials",
    ),
    "impersonated": (
        {
            "type": "impersonated_service_account",
            "service_account_impersonation_url": "https://iam/x",
            "source_credentials": {"type": "authorized_user", "refresh_token": REFRESH},
        },
        "impersonated service-account credentials",
    ),
}


@pytest.mark.parametrize("name", sorted(GOOGLE_FILES))
def test_gcloud_application_default_credentials(name: str, home: Path, project: Path) -> None:
    data, kind = GOOGLE_FILES[name]
    adc = _write(home / ".config/gcloud/application_default_credentials.json", json.dumps(data))
    report = scan({}, home, project)
    assert _found(report) == [(str(adc), "gcp", kind)]
    assert "gcloud auth application-default revoke" in report.findings[0].fix
    assert "~/.config/gcloud/application_default_credentials.json" in report.checked


@pytest.mark.parametrize(
    "data",
    [
        {"type": "authorized_user", "client_id": "c", "refresh_token": ""},
        {"type": "service_account", "private_key": "<your private key>"},
        {"type": "something_else"},
        ["not", "a", "dict"],
    ],
)
def test_gcloud_files_without_a_usable_credential(data: object, home: Path, project: Path) -> None:
    _write(home / ".config/gcloud/application_default_credentials.json", json.dumps(data))
    assert scan({}, home, project).clean


def test_cloudsdk_config_moves_the_directory(home: Path, project: Path, tmp_path: Path) -> None:
    data = json.dumps(GOOGLE_FILES["authorized-user"][0])
    _write(home / ".config/gcloud/application_default_credentials.json", data)
    moved = _write(tmp_path / "gcloud-elsewhere/application_default_credentials.json", data)
    report = scan({"CLOUDSDK_CONFIG": str(moved.parent)}, home, project)
    assert [f.source for f in report.findings] == [str(moved)]


def test_gcloud_stored_logins(home: Path, project: Path) -> None:
    db = _sqlite(
        home / ".config/gcloud/credentials.db", "credentials", ["a@corp.com", "b@corp.com"]
    )
    tokens = _sqlite(home / ".config/gcloud/access_tokens.db", "access_tokens", ["a@corp.com"])
    report = scan({}, home, project)
    assert _found(report) == [
        (str(db), "gcp", "stored gcloud login"),
        (str(db), "gcp", "stored gcloud login"),
        (str(tokens), "gcp", "cached gcloud access token"),
    ]
    assert len({f.fingerprint for f in report.findings}) == 3
    assert "a@corp.com" not in repr(report)
    assert all("gcloud auth revoke --all" in f.fix for f in report.findings)


def test_gcloud_store_after_revoke_is_clean(home: Path, project: Path) -> None:
    _sqlite(home / ".config/gcloud/credentials.db", "credentials", [])
    report = scan({}, home, project)
    assert report.clean
    assert "~/.config/gcloud/credentials.db" in report.checked


def test_unreadable_gcloud_store_fails_closed(home: Path, project: Path) -> None:
    db = _write(home / ".config/gcloud/credentials.db", b"this is not sqlite at all" * 10)
    assert _found(scan({}, home, project)) == [
        (str(db), "gcp", "unreadable gcloud credential store")
    ]


def test_gcloud_legacy_credentials(home: Path, project: Path) -> None:
    legacy = home / ".config/gcloud/legacy_credentials/me@corp.com"
    adc = _write(legacy / "adc.json", json.dumps(GOOGLE_FILES["authorized-user"][0]))
    boto = _write(
        legacy / ".boto", "[OAuth2]\nclient_id = x\n[Credentials]\ngs_oauth2_refresh_token = x\n"
    )
    boto_token = _write(
        home / ".config/gcloud/legacy_credentials/other/.boto",
        f"[Credentials]\ngs_oauth2_refresh_token = {REFRESH}\n",
    )
    assert _found(scan({}, home, project)) == [
        (str(adc), "gcp", "authorized-user credentials"),
        (str(boto), "gcp", "legacy gcloud credentials"),
        (f"{boto_token}:2", "gcp", "OAuth refresh token"),
    ]


def test_gcloud_configuration_without_credentials(home: Path, project: Path) -> None:
    _write(home / ".config/gcloud/configurations/config_default", "[core]\naccount = me@corp.com\n")
    _write(home / ".config/gcloud/active_config", "default")
    assert scan({}, home, project).clean


def _msal(refresh: dict[str, object], access: dict[str, object]) -> str:
    return json.dumps(
        {"Account": {}, "IdToken": {}, "RefreshToken": refresh, "AccessToken": access}
    )


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        (
            "msal_token_cache.json",
            _msal({"k": {"home_account_id": "u.t", "secret": "x" + s.rand(s.ALNUM, 40, "rt")}}, {}),
            "CLI token cache",
        ),
        (
            "msal_token_cache.json",
            _msal({}, {"k": {"home_account_id": "u.t", "secret": s.rand(s.ALNUM, 40, "at")}}),
            "CLI token cache",
        ),
        (
            "accessTokens.json",
            json.dumps([{"userId": "me@corp.com", "refreshToken": s.rand(s.ALNUM, 40, "adal")}]),
            "CLI token cache",
        ),
        (
            "msal_token_cache.bin",
            b"\x01\x00\x00\x00\xd0\x8c\x9d\xdf\x01\x15",
            "encrypted CLI token cache",
        ),
        (
            "service_principal_entries.json",
            json.dumps(
                [{"client_id": "app", "tenant": "t", "client_secret": s.rand(s.ALNUM, 34, "sp")}]
            ),
            "service principal secret",
        ),
        (
            "service_principal_entries.json",
            json.dumps(
                [{"servicePrincipalId": "app", "servicePrincipalTenant": "t", "accessToken": "x1"}]
            ),
            "service principal secret",
        ),
        (
            "service_principal_entries.json",
            json.dumps([{"client_id": "app", "tenant": "t", "certificate": "/home/me/sp.pem"}]),
            "service principal certificate",
        ),
    ],
    ids=[
        "msal-refresh",
        "msal-access",
        "adal-legacy",
        "msal-encrypted",
        "sp-secret",
        "sp-legacy",
        "sp-cert",
    ],
)
def test_azure_cli_files(
    name: str, content: str | bytes, kind: str, home: Path, project: Path
) -> None:
    path = _write(home / ".azure" / name, content)
    report = scan({}, home, project)
    assert _found(report) == [(str(path), "azure", kind)]
    assert "az logout" in report.findings[0].fix
    assert f"~/.azure/{name}" in report.checked


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("msal_token_cache.json", _msal({}, {})),
        ("msal_token_cache.json", "{}"),
        ("accessTokens.json", "[]"),
        ("service_principal_entries.json", "[]"),
        ("azureProfile.json", json.dumps({"subscriptions": [{"id": "s", "user": {"name": "me"}}]})),
        ("msal_token_cache.bin", b""),
    ],
)
def test_azure_cli_files_without_credentials(
    name: str, content: str | bytes, home: Path, project: Path
) -> None:
    _write(home / ".azure" / name, content)
    assert scan({}, home, project).clean


def test_azure_config_dir_moves_the_directory(home: Path, project: Path, tmp_path: Path) -> None:
    content = json.dumps([{"client_id": "a", "tenant": "t", "client_secret": "s3cr3t-value-x"}])
    _write(home / ".azure" / "service_principal_entries.json", content)
    moved = _write(tmp_path / "az" / "service_principal_entries.json", content)
    report = scan({"AZURE_CONFIG_DIR": str(moved.parent)}, home, project)
    assert [f.source for f in report.findings] == [str(moved)]


def test_supabase_cli_access_token(home: Path, project: Path) -> None:
    token = "sbp_" + s.hex_string(40, "cli")
    path = _write(home / ".supabase" / "access-token", token + "\n")
    report = scan({"SUPABASE_ACCESS_TOKEN": token}, home, project)
    assert _found(report) == [
        ("env SUPABASE_ACCESS_TOKEN", "supabase", "access token"),
        (str(path), "supabase", "access token"),
    ]
    assert report.findings[0].fingerprint == report.findings[1].fingerprint
    assert "supabase logout" in report.findings[1].fix


@pytest.mark.parametrize("content", ["", "\n", "your-access-token"])
def test_supabase_cli_without_a_token(content: str, home: Path, project: Path) -> None:
    _write(home / ".supabase" / "access-token", content)
    report = scan({}, home, project)
    assert report.clean
    assert "~/.supabase/access-token" in report.checked
