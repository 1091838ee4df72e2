"""Files named by variables, and host + password split over two variables."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devenv.guard import GuardReport, scan
from tests.unit.guard import guard_samples as s

BODY = s.pem_body("referenced")
PRIVATE = s.pem("PRIVATE KEY", BODY)
CERT = s.pem("CERTIFICATE", s.pem_body("ref-cert"))
SA = json.dumps(
    {
        "type": "service_account",
        "client_email": "ci@p.iam.gserviceaccount.com",
        "private_key_id": s.hex_string(40, "ref"),
        "private_key": PRIVATE,
    }
)
PW = s.password("pairs")


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _found(report: GuardReport) -> list[tuple[str, str, str]]:
    return [(f.source, f.provider, f.kind) for f in report.findings]


@pytest.mark.parametrize(
    ("variable", "filename", "content", "line", "kind"),
    [
        ("GOOGLE_APPLICATION_CREDENTIALS", "sa.json", SA, None, "service-account key"),
        ("AZURE_CLIENT_CERTIFICATE_PATH", "sp.pem", CERT + "\n" + PRIVATE, 11, "private key"),
        ("ARM_CLIENT_CERTIFICATE_PATH", "sp.pem", PRIVATE, 1, "private key"),
        ("PGSSLKEY", "client.key", PRIVATE, 1, "private key"),
        ("TLS_KEY_FILE", "tls.key", PRIVATE, 1, "private key"),
        (
            "SSH_PRIVATE_KEY_PATH",
            "id_ed25519",
            s.pem("OPENSSH PRIVATE KEY", BODY),
            1,
            "OpenSSH private key",
        ),
        (
            "JWT_SIGNING_KEY",
            "keys/signing.pem",
            s.pem("ENCRYPTED PRIVATE KEY", BODY),
            1,
            "encrypted private key",
        ),
        (
            "CLOUDSDK_AUTH_ACCESS_TOKEN_FILE",
            "token",
            s.google_access_token("f"),
            1,
            "OAuth access token",
        ),
        (
            "DEPLOY_CREDENTIALS_FILE",
            "deploy.env",
            f"\nKEY={s.aws_key_id(seed='f')}\n",
            2,
            "access key id",
        ),
    ],
)
def test_files_named_by_variables_are_read(
    variable: str,
    filename: str,
    content: str,
    line: int | None,
    kind: str,
    home: Path,
    tmp_path: Path,
    project: Path,
) -> None:
    path = _write(tmp_path / "secrets" / filename, content)
    report = scan({variable: str(path)}, home, project)
    source = str(path) if line is None else f"{path}:{line}"
    assert [(f.source, f.kind) for f in report.findings] == [(source, kind)]
    assert report.findings[0].fix == f"Unset {variable}, or move {path} off this machine."
    assert f"{path} (named by {variable})" in report.checked


def test_relative_and_home_paths(home: Path, project: Path) -> None:
    in_project = _write(project / "secrets" / "sa.json", SA)
    in_home = _write(home / "keys" / "tls.key", PRIVATE)
    (project / ".env").write_text("GOOGLE_APPLICATION_CREDENTIALS=./secrets/sa.json\n")
    report = scan({"TLS_KEY_FILE": "~/keys/tls.key"}, home, project)
    assert sorted(f.source for f in report.findings) == sorted([str(in_project), f"{in_home}:1"])
    assert "~/keys/tls.key (named by TLS_KEY_FILE)" in report.checked


def test_each_file_is_read_once(home: Path, project: Path, tmp_path: Path) -> None:
    path = _write(tmp_path / "k.pem", PRIVATE)
    (project / ".env").write_text(f"TLS_KEY_FILE={path}\n")
    report = scan({"TLS_KEY_FILE": str(path), "OTHER_KEY_PATH": str(path)}, home, project)
    assert [f.source for f in report.findings] == [f"{path}:1"]


@pytest.mark.parametrize(
    ("variable", "content"),
    [
        ("TLS_CERT_FILE", CERT),
        ("JWT_PUBLIC_KEY_PATH", s.pem("PUBLIC KEY", BODY)),
        ("HISTFILE", f"export AWS_ACCESS_KEY_ID={s.aws_key_id(seed='hist')}\n"),
        ("NOTES_PATH", PRIVATE),
        ("KUBECONFIG", PRIVATE),
    ],
    ids=["certificate-only", "public-key", "history-not-credential-name", "notes", "kubeconfig"],
)
def test_files_that_are_not_read_or_hold_nothing(
    variable: str, content: str, home: Path, project: Path, tmp_path: Path
) -> None:
    path = _write(tmp_path / "file", content)
    assert scan({variable: str(path)}, home, project).clean


@pytest.mark.parametrize("value", ["/does/not/exist.json", "", "${GOOGLE_CREDS}", "<path>"])
def test_missing_or_placeholder_paths(value: str, home: Path, project: Path) -> None:
    assert scan({"GOOGLE_APPLICATION_CREDENTIALS": value}, home, project).clean


def test_directories_and_huge_files_are_skipped(home: Path, project: Path, tmp_path: Path) -> None:
    directory = tmp_path / "dir.pem"
    directory.mkdir()
    huge = _write(tmp_path / "huge.pem", PRIVATE + "\n" + "A" * (1 << 20))
    report = scan({"TLS_KEY_FILE": str(directory), "SSL_KEY_FILE": str(huge)}, home, project)
    assert report.clean


def test_token_files_are_reported_once_by_their_variable(
    home: Path, project: Path, tmp_path: Path
) -> None:
    token = _write(tmp_path / "token", s.jwt({"iss": "https://oidc.eks.x.amazonaws.com/id/1"}))
    report = scan({"AWS_WEB_IDENTITY_TOKEN_FILE": str(token)}, home, project)
    assert _found(report) == [("env AWS_WEB_IDENTITY_TOKEN_FILE", "aws", "web identity token file")]


@pytest.mark.parametrize(
    ("host_var", "host", "password_var"),
    [
        ("PGHOST", "pg.prod-corp.net", "PGPASSWORD"),
        ("MYSQL_HOST", "mysql.prod-corp.net", "MYSQL_PASSWORD"),
        ("MYSQL_HOST", "mysql.prod-corp.net:3306", "MYSQL_PWD"),
        ("DB_HOST", "10.1.2.3", "DB_PASSWORD"),
        ("DB_HOSTNAME", "db.prod-corp.net", "DB_PASS"),
        ("DATABASE_HOST", "db.prod-corp.net", "DATABASE_PASSWORD"),
        ("POSTGRES_HOST", "db.prod-corp.net", "POSTGRES_PASSWORD"),
        ("REDIS_HOST", "cache.prod-corp.net", "REDIS_PASSWORD"),
        ("MONGO_SERVER", "mongo.prod-corp.net", "MONGO_PASSWORD"),
        ("SMTP_ADDRESS", "smtp.prod-corp.net", "SMTP_PASSWORD"),
        ("DB_HOST", "postgres://db.prod-corp.net:5432", "DB_PASSWORD"),
        ("pghost", "pg.prod-corp.net", "pgpassword"),
    ],
)
def test_host_and_password_in_separate_variables(
    host_var: str, host: str, password_var: str, home: Path, project: Path
) -> None:
    (project / ".env").write_text(f"{password_var}={PW}\nAPP=x\n{host_var}={host}\n")
    report = scan({host_var: host, password_var: PW}, home, project)
    assert _found(report) == [
        (f"env {password_var}", "database", "host and password in separate variables"),
        (".env:1", "database", "host and password in separate variables"),
    ]
    assert PW not in repr(report)


@pytest.mark.parametrize(
    "environ",
    [
        {"PGHOST": "localhost", "PGPASSWORD": PW},
        {"PGHOST": "127.0.0.1", "PGPASSWORD": PW},
        {"DB_HOST": "db", "DB_PASSWORD": PW},
        {"DB_HOST": "host.docker.internal", "DB_PASSWORD": PW},
        {"PGHOST": "/var/run/postgresql", "PGPASSWORD": PW},
        {"PGHOST": "pg.prod-corp.net", "PGPASSWORD": ""},
        {"PGHOST": "pg.prod-corp.net", "PGPASSWORD": "${PGPASSWORD}"},
        {"PGHOST": "pg.prod-corp.net", "PGUSER": "app"},
        {"PGHOST": "${PGHOST}", "PGPASSWORD": PW},
        {"PGHOST": "pg.prod-corp.net", "DB_PASSWORD": PW},
        {"DB_PASSWORD": PW},
        {"MYSQL_ROOT_PASSWORD": PW, "MYSQL_HOST": "mysql.prod-corp.net"},
    ],
    ids=lambda e: "+".join(f"{k}={v[:12]}" for k, v in e.items()),
)
def test_pairs_that_are_local_or_incomplete(
    environ: dict[str, str], home: Path, project: Path
) -> None:
    assert scan(environ, home, project).clean


def test_pairs_must_share_a_source(home: Path, project: Path) -> None:
    (project / ".env").write_text("PGHOST=pg.prod-corp.net\n")
    (project / ".env.local").write_text(f"PGPASSWORD={PW}\n")
    assert scan({"PGHOST": "pg.prod-corp.net"}, home, project).clean


def test_pairs_use_the_last_assignment(home: Path, project: Path) -> None:
    (project / ".env").write_text(f"PGHOST=pg.prod-corp.net\nPGPASSWORD={PW}\nPGHOST=localhost\n")
    assert scan({}, home, project).clean
