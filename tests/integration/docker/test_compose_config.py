"""Every generated stack is valid for a real Docker Compose v2 (`config`), in both call forms.

`docker compose config` needs no engine: these tests validate stacks that are never started,
such as the PostgreSQL 16-18 images and registry mirrors, which no local stand-in exists for.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.helpers import devenv
from tests.integration.docker.conftest import compose_forms, config, generate, normalized

pytestmark = pytest.mark.docker

MIRROR = "registry.mirror.example:5000/dockerhub"
CONFIGS = {
    "default": "",
    "mirror": (
        "[docker.images]\n"
        f'postgres = "{MIRROR}/library/postgres:15.14-bookworm"\n'
        f'minio = "{MIRROR}/minio/minio:RELEASE.2025-09-07T16-13-09Z"\n'
        f'minio-client = "{MIRROR}/minio/mc:RELEASE.2025-08-13T08-35-41Z"\n'
    ),
    "postgres16": "[postgres]\nversion = 16\n",
    "postgres17": "[postgres]\nversion = 17\n",
    "postgres18": '[postgres]\nversion = 18\nuser = "app"\ndatabase = "app_db"\n',
    "ports-and-buckets": (
        "[postgres]\nport = 60001\n[s3]\nport = 60010\nconsole_port = 60011\n"
        'buckets = ["uploads", "avatars", "exports"]\nregion = "eu-west-1"\n'
    ),
}
ODD_DIRECTORIES = {"My Clinic (2)": "my-clinic-2", "Ünïcode Shop": "n-code-shop", "123": "123"}


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_generated_stack_validates(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str
) -> None:
    path = generate(capsys, tmp_path / name, CONFIGS[name])
    for form in compose_forms():
        done = config(form, path, "-q")
        assert done.returncode == 0, f"{' '.join(form)}: {done.stderr}"
    model = normalized(path)
    assert model["name"] == name
    secrets = json.loads((path.parent / "secrets.json").read_text())
    assert (
        model["services"]["postgres"]["environment"]["POSTGRES_PASSWORD"]
        == (secrets["postgres_password"])
    )
    for service, body in model["services"].items():
        assert body["healthcheck"]["test"], service
        assert body["labels"]["dev.devenv.project"] == name, service
        assert {p["host_ip"] for p in body["ports"]} == {"127.0.0.1"}, service
        assert all(v["type"] == "volume" for v in body["volumes"]), service
    for volume in model["volumes"].values():
        assert volume["labels"]["dev.devenv.project"] == name


@pytest.mark.parametrize("directory", sorted(ODD_DIRECTORIES))
def test_odd_directory_names_give_valid_project_names(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, directory: str
) -> None:
    path = generate(capsys, tmp_path / directory, "")
    for form in compose_forms():
        done = config(form, path, "-q")
        assert done.returncode == 0, f"{' '.join(form)}: {done.stderr}"
    assert normalized(path)["name"] == ODD_DIRECTORIES[directory]


def test_mirror_images_are_used_verbatim(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    model = normalized(generate(capsys, tmp_path / "mirror", CONFIGS["mirror"]))
    images = sorted(body["image"] for body in model["services"].values())
    assert images == [
        f"{MIRROR}/library/postgres:15.14-bookworm",
        f"{MIRROR}/minio/minio:RELEASE.2025-09-07T16-13-09Z",
    ]


def test_postgres18_keeps_its_data_in_the_versioned_layout(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    model = normalized(generate(capsys, tmp_path / "pg18", CONFIGS["postgres18"]))
    postgres = model["services"]["postgres"]
    assert postgres["image"] == "postgres:18.0-bookworm"
    assert [v["target"] for v in postgres["volumes"]] == ["/var/lib/postgresql"]
    assert postgres["environment"]["POSTGRES_USER"] == "app"


def test_without_the_secrets_file_compose_says_what_to_run(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = generate(capsys, tmp_path / "nosecrets", "")
    (path.parent / ".env").unlink()
    done = config(["docker", "compose"], path, "-q")
    assert done.returncode != 0
    assert "run devenv compose" in done.stderr


def test_stdout_prints_the_same_stack_without_writing_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "devenv.toml").write_text("")
    result = devenv(capsys, "compose", "--stdout", "-C", str(tmp_path))
    assert result.code == 0, result.err
    assert not (tmp_path / ".devenv" / "compose.yaml").exists()
    done = subprocess.run(
        ["docker", "compose", "-f", "-", "config", "-q"],
        input=result.out,
        capture_output=True,
        text=True,
        timeout=60,
        env={
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "DEVENV_POSTGRES_PASSWORD": "x",
            "DEVENV_S3_ACCESS_KEY": "x",
            "DEVENV_S3_SECRET_KEY": "x",
        },
    )
    assert done.returncode == 0, done.stderr
