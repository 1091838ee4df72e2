"""The stand-in images honour the contracts of the official images they replace."""

from __future__ import annotations

import contextlib
import io
import json
import socket
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions
import docker
import psycopg
import pytest
from minio import Minio

from tests.docker_support.conftest_plugin import DockerEngine, skip_or_fail
from tests.docker_support.images import HASH_LABEL

pytestmark = [pytest.mark.docker, pytest.mark.slow]

PG_USER, PG_PASSWORD, PG_DB = "app_user", "pg-secret-1", "app_db"
S3_USER, S3_PASSWORD = "devenv-root", "s3-secret-123"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(
    check: Callable[[], Any], *, timeout: float, what: str, logs: Callable[[], str]
) -> Any:
    """Call check until it returns a truthy value; fail with the last error and logs."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            result = check()
        except Exception as exc:  # any probe error means "not yet"
            last = exc
        else:
            if result:
                return result
        time.sleep(0.3)
    pytest.fail(f"{what} not within {timeout:.0f} s. Last error: {last}\n--- logs ---\n{logs()}")


class Resources:
    """Containers, volumes and networks a test created; all removed at teardown."""

    def __init__(self, client: docker.DockerClient) -> None:
        self.client = client
        self.prefix = f"devenv-standin-test-{uuid.uuid4().hex[:8]}"
        self.containers: list[Any] = []
        self.volumes: list[str] = []
        self.networks: list[Any] = []

    def name(self, suffix: str) -> str:
        return f"{self.prefix}-{suffix}"

    def volume(self, suffix: str) -> str:
        name = self.client.volumes.create(self.name(suffix)).name
        self.volumes.append(name)
        return name

    def network(self, suffix: str) -> Any:
        network = self.client.networks.create(self.name(suffix))
        self.networks.append(network)
        return network

    def run(self, image: str, **kwargs: Any) -> Any:
        container = self.client.containers.run(image, detach=True, **kwargs)
        self.containers.append(container)
        return container

    def cleanup(self) -> None:
        for container in reversed(self.containers):
            with contextlib.suppress(docker.errors.NotFound):
                container.remove(force=True, v=True)
        for network in self.networks:
            with contextlib.suppress(docker.errors.NotFound):
                network.remove()
        for volume in self.volumes:
            with contextlib.suppress(docker.errors.NotFound):
                self.client.volumes.get(volume).remove(force=True)


@pytest.fixture
def resources(docker_engine: DockerEngine) -> Iterator[Resources]:
    tracked = Resources(docker_engine.client)
    yield tracked
    tracked.cleanup()


def logs_of(container: Any) -> Callable[[], str]:
    return lambda: container.logs(tail=60).decode(errors="replace")


def pg_connect(port: int, password: str = PG_PASSWORD) -> psycopg.Connection[Any]:
    return psycopg.connect(
        host="127.0.0.1",
        port=port,
        user=PG_USER,
        password=password,
        dbname=PG_DB,
        connect_timeout=3,
        autocommit=True,
    )


def start_postgres(
    docker_engine: DockerEngine, resources: Resources, volume: str, init_dir: Path
) -> tuple[Any, int]:
    port = free_port()
    container = resources.run(
        docker_engine.tags.postgres,
        command=["postgres", "-c", "shared_buffers=24MB"],
        environment={
            "POSTGRES_USER": PG_USER,
            "POSTGRES_PASSWORD": PG_PASSWORD,
            "POSTGRES_DB": PG_DB,
        },
        ports={"5432/tcp": ("127.0.0.1", port)},
        volumes={
            volume: {"bind": "/var/lib/postgresql/data", "mode": "rw"},
            str(init_dir): {"bind": "/docker-entrypoint-initdb.d", "mode": "ro"},
        },
    )
    wait_for(
        lambda: pg_connect(port).close() or True,
        timeout=60,
        what=f"Postgres accepting connections on 127.0.0.1:{port}",
        logs=logs_of(container),
    )
    return container, port


def write_init_scripts(init_dir: Path) -> None:
    init_dir.mkdir()
    (init_dir / "01-schema.sql").write_text(
        "CREATE TABLE items (id int PRIMARY KEY, note text);\n"
        "INSERT INTO items VALUES (1, 'from 01-schema.sql');\n"
    )
    script = init_dir / "02-more.sh"
    script.write_text(
        "#!/bin/bash\nset -e\n"
        'psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" '
        "-c \"INSERT INTO items VALUES (2, 'from 02-more.sh as ' || current_user)\"\n"
    )
    script.chmod(0o755)


def test_postgres_contract(docker_engine: DockerEngine, resources: Resources, tmp_path: Path):
    init_dir = tmp_path / "initdb.d"
    write_init_scripts(init_dir)
    volume = resources.volume("pgdata")
    container, port = start_postgres(docker_engine, resources, volume, init_dir)

    with pg_connect(port) as conn:
        row = conn.execute(
            "SELECT current_user, current_database(), current_setting('shared_buffers'),"
            " pg_encoding_to_char(encoding) FROM pg_database WHERE datname = current_database()"
        ).fetchone()
        assert row == (PG_USER, PG_DB, "24MB", "UTF8")
        notes = conn.execute("SELECT note FROM items ORDER BY id").fetchall()
        assert notes == [("from 01-schema.sql",), (f"from 02-more.sh as {PG_USER}",)]
        conn.execute("INSERT INTO items VALUES (3, 'before restart')")
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        pg_connect(port, password="wrong").close()

    exit_code, output = container.exec_run(["pg_isready", "-U", "postgres", "-h", "localhost"])
    assert exit_code == 0, output

    container.restart(timeout=30)
    wait_for(
        lambda: pg_connect(port).close() or True,
        timeout=60,
        what="Postgres after restart",
        logs=logs_of(container),
    )
    with pg_connect(port) as conn:
        assert conn.execute("SELECT count(*) FROM items").fetchone() == (3,)
    assert b"Skipping initialization" in container.logs()


def test_postgres_data_outlives_container(
    docker_engine: DockerEngine, resources: Resources, tmp_path: Path
):
    init_dir = tmp_path / "initdb.d"
    init_dir.mkdir()
    volume = resources.volume("pgdata")
    first, port = start_postgres(docker_engine, resources, volume, init_dir)
    with pg_connect(port) as conn:
        conn.execute("CREATE TABLE kept AS SELECT 42 AS answer")
    first.stop(timeout=30)
    assert first.wait(timeout=30)["StatusCode"] == 0  # SIGINT: fast shutdown, clean exit
    first.remove()

    _, port = start_postgres(docker_engine, resources, volume, init_dir)
    with pg_connect(port) as conn:
        assert conn.execute("SELECT answer FROM kept").fetchone() == (42,)


def test_postgres_refuses_to_init_without_password(
    docker_engine: DockerEngine, resources: Resources
):
    container = resources.run(docker_engine.tags.postgres)
    assert container.wait(timeout=60)["StatusCode"] == 1
    assert b"superuser password is not specified" in container.logs()


def start_minio(
    docker_engine: DockerEngine, resources: Resources, **kwargs: Any
) -> tuple[Any, int]:
    port = free_port()
    container = resources.run(
        docker_engine.tags.minio,
        command=["server", "/data", "--console-address", ":9001"],
        environment={"MINIO_ROOT_USER": S3_USER, "MINIO_ROOT_PASSWORD": S3_PASSWORD},
        ports={"9000/tcp": ("127.0.0.1", port)},
        volumes={resources.volume("miniodata"): {"bind": "/data", "mode": "rw"}},
        **kwargs,
    )

    def mc_ready() -> bool:
        exit_code, _ = container.exec_run(["timeout", "10", "mc", "ready", "local"])
        return exit_code == 0

    wait_for(mc_ready, timeout=60, what="`mc ready local`", logs=logs_of(container))
    return container, port


def http_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def test_minio_contract(docker_engine: DockerEngine, resources: Resources):
    container, port = start_minio(docker_engine, resources)
    endpoint = f"http://127.0.0.1:{port}"
    assert http_status(f"{endpoint}/minio/health/live") == 200
    assert http_status(f"{endpoint}/minio/health/ready") == 200

    s3 = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=S3_USER,
        aws_secret_access_key=S3_PASSWORD,
        region_name="us-east-1",
    )
    s3.create_bucket(Bucket="devenv-assets")
    metadata = {"seed": "42", "source_kind": "synthetic"}
    s3.put_object(Bucket="devenv-assets", Key="dir/a b.txt", Body=b"x" * 70000, Metadata=metadata)
    head = s3.head_object(Bucket="devenv-assets", Key="dir/a b.txt")
    assert head["Metadata"] == metadata
    assert head["ContentLength"] == 70000
    body = s3.get_object(Bucket="devenv-assets", Key="dir/a b.txt")["Body"].read()
    assert body == b"x" * 70000

    # devenv itself talks to S3 through the minio client.
    client = Minio(f"127.0.0.1:{port}", access_key=S3_USER, secret_key=S3_PASSWORD, secure=False)
    assert client.bucket_exists("devenv-assets")
    client.make_bucket("devenv-other")
    client.put_object("devenv-other", "k", io.BytesIO(b"abc"), 3, metadata={"x-amz-meta-a": "b"})
    assert client.stat_object("devenv-other", "k").metadata["x-amz-meta-a"] == "b"

    intruder = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=S3_USER,
        aws_secret_access_key="not-the-password",
        region_name="us-east-1",
    )
    with pytest.raises(botocore.exceptions.ClientError, match="SignatureDoesNotMatch"):
        intruder.list_buckets()

    container.restart(timeout=30)
    exit_code, _ = container.exec_run(["timeout", "30", "mc", "ready", "local"])
    assert exit_code == 0
    assert s3.head_object(Bucket="devenv-assets", Key="dir/a b.txt")["Metadata"] == metadata


def test_minio_rejects_short_password(docker_engine: DockerEngine, resources: Resources):
    container = resources.run(
        docker_engine.tags.minio,
        command=["server", "/data"],
        environment={"MINIO_ROOT_USER": S3_USER, "MINIO_ROOT_PASSWORD": "short"},
    )
    assert container.wait(timeout=60)["StatusCode"] != 0
    assert b"MINIO_ROOT_PASSWORD length should be at least 8" in container.logs()


def test_mc_creates_buckets(docker_engine: DockerEngine, resources: Resources):
    network = resources.network("net")
    server = resources.name("minio")
    start_minio(docker_engine, resources, network=network.name, name=server)
    script = (
        f"mc alias set devenv http://{server}:9000 {S3_USER} {S3_PASSWORD}"
        " && mc mb --ignore-existing devenv/uploads"
        " && mc mb --ignore-existing devenv/uploads"
        " && ! mc mb devenv/uploads"
    )
    mc = resources.run(
        docker_engine.tags.minio_client, entrypoint=["/bin/sh", "-c", script], network=network.name
    )
    result = mc.wait(timeout=60)
    assert result["StatusCode"] == 0, mc.logs().decode(errors="replace")
    assert mc.logs().count(b"Bucket created successfully `devenv/uploads`.") == 2


def compose_file(engine: DockerEngine, pg_port: int, s3_port: int) -> dict[str, Any]:
    health = {"interval": "1s", "timeout": "10s", "retries": 60}
    return {
        "services": {
            "postgres": {
                "image": engine.tags.postgres,
                "environment": {
                    "POSTGRES_USER": PG_USER,
                    "POSTGRES_PASSWORD": PG_PASSWORD,
                    "POSTGRES_DB": PG_DB,
                },
                "ports": [f"127.0.0.1:{pg_port}:5432"],
                "volumes": ["pgdata:/var/lib/postgresql/data"],
                "healthcheck": {"test": ["CMD", "pg_isready", "-U", "postgres", "-h", "localhost"]}
                | health,
            },
            "minio": {
                "image": engine.tags.minio,
                "command": ["server", "/data", "--console-address", ":9001"],
                "environment": {"MINIO_ROOT_USER": S3_USER, "MINIO_ROOT_PASSWORD": S3_PASSWORD},
                "ports": [f"127.0.0.1:{s3_port}:9000"],
                "volumes": ["miniodata:/data"],
                "healthcheck": {"test": ["CMD", "mc", "ready", "local"]} | health,
            },
        },
        "volumes": {"pgdata": {}, "miniodata": {}},
    }


def test_compose_up_wait_and_down(docker_engine: DockerEngine, tmp_path: Path):
    if docker_engine.run(["docker", "compose", "version"], check=False).returncode != 0:
        skip_or_fail("`docker compose` is not installed: run tests/docker_support/install.sh")
    project = f"devenv-standin-{uuid.uuid4().hex[:8]}"
    pg_port, s3_port = free_port(), free_port()
    # JSON is YAML: the file is built as data, never pasted together as text.
    (tmp_path / "compose.yaml").write_text(
        json.dumps({"name": project, **compose_file(docker_engine, pg_port, s3_port)})
    )
    compose = ["docker", "compose", "--project-directory", str(tmp_path)]
    config = docker_engine.run([*compose, "config", "--format", "json"], cwd=tmp_path)
    assert set(json.loads(config.stdout)["services"]) == {"postgres", "minio"}
    try:
        docker_engine.run([*compose, "up", "-d", "--wait", "--wait-timeout", "120"], cwd=tmp_path)
        with pg_connect(pg_port) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        assert http_status(f"http://127.0.0.1:{s3_port}/minio/health/ready") == 200
    finally:
        docker_engine.run([*compose, "down", "-v", "--timeout", "30"], cwd=tmp_path, check=False)
    label = f"com.docker.compose.project={project}"
    assert docker_engine.client.containers.list(all=True, filters={"label": label}) == []
    assert docker_engine.client.volumes.list(filters={"label": label}) == []


def test_every_pinned_tag_is_a_current_standin(docker_engine: DockerEngine):
    report = docker_engine.build_report
    for tag in (
        docker_engine.tags.postgres,
        docker_engine.tags.minio,
        docker_engine.tags.minio_client,
        docker_engine.tags.supabase_postgres,
    ):
        assert tag in report.built or report.skipped.get(tag) == "up to date", report.summary()
        assert HASH_LABEL in (docker_engine.client.images.get(tag).labels or {})
