"""Host locality and the guard on destructive commands."""

from __future__ import annotations

import pytest

from devenv.errors import UnsafeTarget
from devenv.guard import is_local_host, require_local

LOCAL = [
    "localhost",
    "LOCALHOST",
    "localhost.",
    "localhost:5432",
    "localhost.localdomain",
    "app.localhost",
    "a.b.localhost",
    "127.0.0.1",
    "127.0.0.1:54322",
    "127.0.0.53",
    "127.255.255.254",
    "127.1",
    "0x7f.0.0.1",
    "2130706433",
    "::1",
    "[::1]",
    "[::1]:5432",
    "0:0:0:0:0:0:0:1",
    "::ffff:127.0.0.1",
    "0.0.0.0",
    "::",
    "host.docker.internal",
    "host.docker.internal:5432",
    "gateway.docker.internal",
    "kubernetes.docker.internal",
    "host.containers.internal",
    "db",
    "postgres",
    "minio",
    "supabase-db",
    "supabase_db_1",
    "redis:6379",
    "",
    "/var/run/postgresql",
]

REMOTE = [
    "localhost.evil.com",
    "mylocalhost.com",
    "localhost-db.prod.net",
    "127.0.0.1.nip.io",
    "db.prod-corp.net",
    "10.0.0.5",
    "172.17.0.1",
    "192.168.1.10",
    "169.254.169.254",
    "8.8.8.8",
    "128.0.0.1",
    "0x08080808",
    "2606:4700:4700::1111",
    "[2001:db8::1]:5432",
    "::ffff:10.0.0.1",
    "fe80::1",
    "nas.local",
    "pg.prod.svc.cluster.local",
    "abcdefghijklmnopqrst.supabase.co",
    "docker.internal.evil.com",
    "host.docker.internal.evil.com",
]


@pytest.mark.parametrize("host", LOCAL)
def test_local_hosts(host: str) -> None:
    assert is_local_host(host)


@pytest.mark.parametrize("host", REMOTE)
def test_remote_hosts(host: str) -> None:
    assert not is_local_host(host)


@pytest.mark.parametrize(
    "target",
    [
        "postgresql://postgres:pw@127.0.0.1:54322/postgres",
        "postgresql://postgres@localhost/app",
        "postgresql:///app",
        "postgresql://u:pw@/app?host=/var/run/postgresql",
        "http://[::1]:9000",
        "http://minio:9000/bucket",
        "redis://:pw@redis:6379/0",
        "mongodb://u:p@localhost:27017,127.0.0.1:27018/db",
        "localhost",
        "127.0.0.1:5432",
        "user:pw@localhost:5432/db",
    ],
)
def test_require_local_accepts_local_targets(target: str) -> None:
    require_local(target, what="DATABASE_URL")


@pytest.mark.parametrize(
    ("target", "host"),
    [
        ("postgresql://postgres:pw@db.prod-corp.net:5432/app", "db.prod-corp.net"),
        ("postgres://u:pw@localhost.evil.com/app", "localhost.evil.com"),
        ("https://abcdefghijklmnopqrst.supabase.co", "abcdefghijklmnopqrst.supabase.co"),
        ("mongodb://u:p@localhost:27017,mongo2.prod-corp.net:27017/db", "mongo2.prod-corp.net"),
        ("s3.eu-west-1.amazonaws.com", "s3.eu-west-1.amazonaws.com"),
        ("10.0.0.5:5432", "10.0.0.5"),
        ("http://[2606:4700::1111]:9000", "2606:4700::1111"),
        ("user:pw@db.prod-corp.net:5432/db", "db.prod-corp.net"),
    ],
)
def test_require_local_refuses_remote_targets(target: str, host: str) -> None:
    with pytest.raises(UnsafeTarget) as caught:
        require_local(target, what="DATABASE_URL")
    assert caught.value.message == (
        "devenv only migrates, seeds, resets or empties the local stack; "
        f"DATABASE_URL points at {host}"
    )
    assert caught.value.exit_code == 12
    assert "DATABASE_URL" in caught.value.hint


def test_require_local_never_shows_the_password() -> None:
    with pytest.raises(UnsafeTarget) as caught:
        require_local("postgres://admin:Sup3rS3cretPw@db.prod-corp.net/app", what="the seed target")
    text = f"{caught.value.message} {caught.value.hint}"
    assert "Sup3rS3cretPw" not in text
    assert "admin" not in text
