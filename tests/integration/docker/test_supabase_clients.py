"""The `supabase` Python client against the local Docker stack: the real thing, end to end.

A seeded user signs in through the local gateway (Kong -> GoTrue) with the documented local
password, reads portal messages through PostgREST (row-level security shows only theirs) and
uploads a file through Storage, which keeps it in the stack's MinIO.

This needs the real images of the gateway, auth, rest, storage and database. No registry is
reachable on the machines this suite runs on, and stand-ins of those services would only test
themselves, so the test skips, with the missing tags, when the engine lacks any real image.
This is the one skip the suite allows everywhere, CI included (see the README). Load the
images into the test engine (`docker load`, DOCKER_HOST=unix:///run/devenv-test-docker/
docker.sock) and it runs.
"""

from __future__ import annotations

import tomllib
import uuid
from pathlib import Path
from typing import Any

import boto3
import psycopg
import pytest

from devenv.ports import next_free
from tests.docker_support.conftest_plugin import DockerEngine
from tests.docker_support.images import DEFAULT_IMAGES_TOML, HASH_LABEL
from tests.helpers import devenv, env_local

pytestmark = [pytest.mark.docker, pytest.mark.integration]

REAL_IMAGES = ("supabase-kong", "supabase-auth", "supabase-rest", "supabase-storage", "supabase-db")
PASSWORD = "devenv-local-password"  # templates/clinic-supabase/seeds/supabase.toml
_console = [57900]


def not_real(engine: DockerEngine) -> list[str]:
    """The pinned images this test needs that the engine lacks or has only as a stand-in."""
    import docker

    pins = tomllib.loads(DEFAULT_IMAGES_TOML.read_text())["images"]
    found = []
    for name in REAL_IMAGES:
        tag = pins[name]
        try:
            labels = engine.client.images.get(tag).labels or {}
        except docker.errors.ImageNotFound:
            found.append(f"{tag} (not in the engine)")
            continue
        if HASH_LABEL in labels:
            found.append(f"{tag} (a local stand-in)")
    return found


@pytest.fixture
def full_stack(
    capsys: pytest.CaptureFixture[str],
    docker_engine: DockerEngine,
    monkeypatch: pytest.MonkeyPatch,
    project: Path,
) -> Path:
    """The Supabase flavour up in Docker with gateway, auth, rest and storage (no UI, no mail)."""
    missing = not_real(docker_engine)
    if missing:
        pytest.skip(
            "the supabase client test needs the real images, and no registry is reachable to "
            f"pull them: {', '.join(missing)}"
        )
    monkeypatch.setenv("DOCKER_HOST", docker_engine.docker_host)
    port = next_free(_console[0])
    _console[0] = port + 3
    monkeypatch.setenv("DEVENV_S3_CONSOLE_PORT", str(port))
    monkeypatch.setenv("DEVENV_SUPABASE_API_PORT", str(next_free(port + 1)))
    monkeypatch.setenv("DEVENV_SUPABASE_EXCLUDE", "studio,meta,mail")
    assert devenv(capsys, "init", "--example", "--supabase", "-C", str(project)).code == 0
    result = devenv(capsys, "up", "--runtime", "docker", "-C", str(project))
    assert result.code == 0, result.err
    assert "Started s3, postgres, api, auth, rest, storage (docker)." in result.out
    return project


def owner_with_messages(url: str) -> tuple[uuid.UUID, str, int, int]:
    """A seeded user who owns portal messages: id, email, their count, and the total."""
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "select u.id, u.email, count(*) from auth.users u "
            "join portal_messages m on m.owner_id = u.id "
            "group by 1, 2 order by 3 desc, 2 limit 1"
        ).fetchone()
        total = conn.execute("select count(*) from portal_messages").fetchone()
        assert row is not None
        assert total is not None
        conn.execute(  # the app's storage policy: users write into their own folder
            'create policy "own folder" on storage.objects for all to authenticated '
            "using (bucket_id = 'portal' and split_part(name, '/', 1) = auth.uid()::text) "
            "with check (bucket_id = 'portal' and split_part(name, '/', 1) = auth.uid()::text)"
        )
        conn.commit()
    return row[0], row[1], row[2], total[0]


def test_supabase_client_signs_in_reads_through_postgrest_and_uploads_to_storage(
    full_stack: Path,
) -> None:
    from supabase import create_client

    env = env_local(full_stack)
    user_id, email, owned, total = owner_with_messages(env["DATABASE_URL"])

    client = create_client(env["SUPABASE_URL"], env["SUPABASE_ANON_KEY"])
    session = client.auth.sign_in_with_password({"email": email, "password": PASSWORD})
    assert session.user is not None
    assert session.user.email == email
    assert session.user.id == str(user_id)

    rows: list[dict[str, Any]] = client.table("portal_messages").select("*").execute().data
    assert len(rows) == owned
    assert {r["owner_id"] for r in rows} == {str(user_id)}

    anon = create_client(env["SUPABASE_URL"], env["SUPABASE_ANON_KEY"])
    assert anon.table("portal_messages").select("*").execute().data == []
    admin = create_client(env["SUPABASE_URL"], env["SUPABASE_SERVICE_ROLE_KEY"])
    assert len(admin.table("portal_messages").select("id").execute().data) == total

    admin.storage.create_bucket("portal")
    key = f"{user_id}/hello.txt"
    client.storage.from_("portal").upload(key, b"hello from devenv", {"content-type": "text/plain"})
    assert client.storage.from_("portal").download(key) == b"hello from devenv"
    s3 = boto3.client(
        "s3",
        endpoint_url=env["S3_ENDPOINT_URL"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        region_name=env["AWS_REGION"],
    )
    stored = s3.list_objects_v2(Bucket="local-supabase-storage").get("Contents", [])
    assert any(key in obj["Key"] for obj in stored)  # the file lives in the stack's MinIO
