"""The full Supabase stack, every service and every profile, is valid for a real Docker Compose.

`docker compose config` needs no engine and no image, so this runs wherever Compose is
installed: it is how the services whose images cannot be had here (gateway, auth, rest,
storage, meta, studio, mail) are checked. Both call forms are used: the v2 plugin and the
standalone `docker-compose`.
"""

from __future__ import annotations

import json
import stat
import subprocess
from pathlib import Path

import pytest
import yaml

from devenv import jwt
from devenv.settings import SUPABASE_SERVICES
from tests.integration.docker.conftest import compose_forms, config, generate, normalized

pytestmark = pytest.mark.docker

EVERY_PROFILE = ("--profile", "*")
FULL = "[supabase]\nenabled = true\n[postgres]\nport = 60322\n[s3]\nport = 60330\nconsole_port = 60331\n"


def test_full_supabase_stack_validates_in_both_compose_forms(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = generate(capsys, tmp_path / "full", FULL)
    for form in compose_forms():
        done = config(form, path, "-q", profiles=EVERY_PROFILE)
        assert done.returncode == 0, f"{' '.join(form)}: {done.stderr}"
        listed = config(form, path, "--services", profiles=EVERY_PROFILE)
        assert sorted(listed.stdout.split()) == sorted(["s3", "postgres", *SUPABASE_SERVICES])
    model = normalized(path, profiles=EVERY_PROFILE)
    secrets = json.loads((path.parent / "secrets.json").read_text())
    for name, body in model["services"].items():
        assert body["healthcheck"]["test"], name
        assert body["labels"]["dev.devenv.project"] == "full", name
        assert ":" in body["image"], name
        assert not body["image"].endswith(":latest"), name
        assert {p["host_ip"] for p in body.get("ports", [])} <= {"127.0.0.1"}, name
    published = {
        n: [p["published"] for p in b.get("ports", [])] for n, b in model["services"].items()
    }
    assert published["api"] == ["54321"]
    assert published["studio"] == ["54323"]
    assert published["mail"] == ["54324"]
    assert published["postgres"] == ["60322"]
    # Interpolated from .devenv/.env: the per-project secrets reach every service.
    env = {n: b["environment"] for n, b in model["services"].items()}
    password = secrets["postgres_password"]
    assert env["postgres"]["POSTGRES_PASSWORD"] == password
    assert env["auth"]["GOTRUE_DB_DATABASE_URL"] == (
        f"postgres://supabase_auth_admin:{password}@postgres:5432/postgres"
    )
    assert (
        env["rest"]["PGRST_DB_URI"] == f"postgres://authenticator:{password}@postgres:5432/postgres"
    )
    assert (
        env["auth"]["GOTRUE_JWT_SECRET"] == env["rest"]["PGRST_JWT_SECRET"] == secrets["jwt_secret"]
    )
    assert (
        jwt.verify(env["storage"]["SERVICE_KEY"], secrets["jwt_secret"])["role"] == "service_role"
    )
    assert jwt.verify(env["storage"]["ANON_KEY"], secrets["jwt_secret"])["role"] == "anon"
    assert env["storage"]["AWS_SECRET_ACCESS_KEY"] == secrets["s3_secret_key"]
    assert model["services"]["storage"]["depends_on"]["s3"]["condition"] == "service_healthy"
    # Nothing secret is written into compose.yaml itself.
    text = path.read_text()
    for value in secrets.values():
        assert value not in text


def test_kong_config_is_mounted_from_a_private_directory_with_the_project_keys(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = generate(capsys, tmp_path / "gateway", FULL)
    api = normalized(path, profiles=EVERY_PROFILE)["services"]["api"]
    (mount,) = api["volumes"]
    assert mount["type"] == "bind"
    assert mount["read_only"] is True
    kong = Path(mount["source"])
    assert kong == path.parent / "supabase" / "kong.yml"
    assert stat.S_IMODE(kong.parent.stat().st_mode) == 0o700
    secret = json.loads((path.parent / "secrets.json").read_text())["jwt_secret"]
    declared = yaml.safe_load(kong.read_text())
    roles = {
        c["username"]: jwt.verify(c["keyauth_credentials"][0]["key"], secret)["role"]
        for c in declared["consumers"]
    }
    assert roles == {"anon": "anon", "service_role": "service_role"}
    hosts = {s["url"].split("/")[2].split(":")[0] for s in declared["services"]}
    assert hosts == {"auth", "rest", "storage", "meta"}  # no realtime service, so no route


def test_excluded_services_leave_a_smaller_stack_that_still_validates(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    toml = FULL.replace(
        "enabled = true\n", 'enabled = true\nexclude = ["studio", "meta", "mail"]\n'
    )
    path = generate(capsys, tmp_path / "lean", toml)
    for form in compose_forms():
        done = config(form, path, "-q", profiles=EVERY_PROFILE)
        assert done.returncode == 0, f"{' '.join(form)}: {done.stderr}"
    model = normalized(path, profiles=EVERY_PROFILE)
    assert sorted(model["services"]) == ["api", "auth", "postgres", "rest", "s3", "storage"]
    declared = yaml.safe_load((path.parent / "supabase" / "kong.yml").read_text())
    assert all("/pg/" not in r["paths"] for s in declared["services"] for r in s["routes"])


def test_without_profiles_compose_starts_the_core_only(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = generate(capsys, tmp_path / "core", FULL)
    done = subprocess.run(
        ["docker", "compose", "-f", str(path), "config", "--services"],
        cwd=path.parent.parent,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert sorted(done.stdout.split()) == ["api", "auth", "postgres", "rest", "s3", "storage"]
