"""The compose stack is built as data: labels, loopback ports, pins, overrides, conditions."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest
import yaml

from devenv.compose import LABEL, build_stack, project_name, render, write_stack
from devenv.errors import ConfigError
from devenv.images import image, known_images
from devenv.runners.select import stack_services
from devenv.services import StackContext
from devenv.settings import Settings, load_settings
from devenv.state import Secrets

SECRETS = Secrets("pg-secret-pw", "devenv-access", "devenv-secret-key", "jwt-secret")
PORTS = {"postgres": 54322, "s3": 54330, "s3.console": 54331}


def settings_for(tmp_path: Path, toml: str = "") -> Settings:
    (tmp_path / "devenv.toml").write_text(toml)
    return load_settings(tmp_path, environ={})


def stack_for(settings: Settings) -> dict[str, Any]:
    return build_stack(StackContext(settings, SECRETS, PORTS), stack_services(settings))


def test_every_service_volume_and_network_carries_the_project_label(tmp_path: Path) -> None:
    stack = stack_for(settings_for(tmp_path, 'name = "shop"\n'))
    assert stack["name"] == "shop"
    for section in ("services", "volumes", "networks"):
        for entry in stack[section].values():
            assert entry["labels"][LABEL] == "shop"


def test_every_port_is_published_on_loopback_only(tmp_path: Path) -> None:
    stack = stack_for(settings_for(tmp_path))
    published = [p for svc in stack["services"].values() for p in svc["ports"]]
    assert published == ["127.0.0.1:54330:9000", "127.0.0.1:54331:9001", "127.0.0.1:54322:5432"]


def test_every_service_has_a_healthcheck_and_a_named_volume(tmp_path: Path) -> None:
    stack = stack_for(settings_for(tmp_path))
    for name, svc in stack["services"].items():
        assert svc["healthcheck"]["test"], name
        volume = svc["volumes"][0].split(":")[0]
        assert volume in stack["volumes"], name


def test_secrets_stay_out_of_the_yaml_and_go_to_a_private_env_file(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    path = write_stack(StackContext(settings, SECRETS, PORTS), stack_services(settings))
    text = path.read_text()
    assert path == tmp_path / ".devenv" / "compose.yaml"
    for secret in SECRETS.values():
        assert secret not in text
    assert "${DEVENV_POSTGRES_PASSWORD:?run devenv compose}" in text
    env = (path.parent / ".env").read_text().splitlines()
    assert "DEVENV_POSTGRES_PASSWORD=pg-secret-pw" in env
    assert "DEVENV_S3_SECRET_KEY=devenv-secret-key" in env
    assert stat.S_IMODE((path.parent / ".env").stat().st_mode) == 0o600


def test_postgres_image_follows_the_major_version(tmp_path: Path) -> None:
    for version, tag in ((15, "15.14"), (16, "16.10"), (17, "17.6"), (18, "18.0")):
        settings = settings_for(tmp_path, f"[postgres]\nversion = {version}\n")
        postgres = stack_for(settings)["services"]["postgres"]
        assert postgres["image"] == f"postgres:{tag}-bookworm"
        mount = "/var/lib/postgresql" if version >= 18 else "/var/lib/postgresql/data"
        assert postgres["volumes"] == [f"postgres-data:{mount}"]


def test_the_image_does_not_create_the_project_database(tmp_path: Path) -> None:
    """devenv creates it, so that `up` migrates and seeds it exactly as in native mode."""
    settings = settings_for(tmp_path, '[postgres]\ndatabase = "clinic"\n')
    env = stack_for(settings)["services"]["postgres"]["environment"]
    assert env["POSTGRES_DB"] == "postgres"


def test_a_version_without_a_pin_is_a_config_error(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, "[postgres]\nversion = 13\n")
    with pytest.raises(ConfigError) as caught:
        image(settings, "postgres")
    assert caught.value.message == "no pinned postgres image for version 13"
    assert caught.value.hint == "Use one of 15, 16, 17, 18 or set [docker.images] postgres = '...'."


def test_registry_mirror_overrides_every_image(tmp_path: Path) -> None:
    mirror = "mirror.example.com:5000/hub"
    pinned = settings_for(tmp_path, "")
    overrides = "".join(f'"{name}" = "{mirror}/{image(pinned, name)}"\n' for name in known_images())
    settings = settings_for(tmp_path, "[docker.images]\n" + overrides)
    for name in known_images():
        assert image(settings, name).startswith(mirror + "/"), name
    images = [svc["image"] for svc in stack_for(settings)["services"].values()]
    assert all(i.startswith(mirror + "/") for i in images)


def test_a_misspelt_image_override_is_refused(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, '[docker.images]\nminoi = "x/minio:1"\n')
    with pytest.raises(ConfigError) as caught:
        stack_for(settings)
    assert caught.value.message == "[docker.images] 'minoi' is not an image devenv uses"
    assert caught.value.hint == (
        "Use one of postgres, minio, minio-client, supabase-db, supabase-kong, supabase-auth, "
        "supabase-rest, supabase-storage, supabase-meta, supabase-studio, supabase-mail in "
        "devenv.toml, then run the command again."
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("shop", "shop"), ("My Shop!", "my-shop-"), ("_x", "x"), ("--", "devenv"), ("a.b", "a-b")],
)
def test_project_names_are_sanitized_for_compose(raw: str, expected: str) -> None:
    assert project_name(raw) == expected


def test_depends_on_waits_for_the_dependency_to_be_healthy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from devenv.services import s3

    original = s3.SERVICE.compose_fragment

    def with_dependency(ctx: StackContext) -> dict[str, Any]:
        frag = original(ctx)
        frag["services"]["s3"]["depends_on"] = ["postgres"]
        return frag

    monkeypatch.setattr(s3.SERVICE, "compose_fragment", with_dependency)
    stack = stack_for(settings_for(tmp_path))
    assert stack["services"]["s3"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}


def test_a_service_without_healthcheck_is_a_bug(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from devenv.services import s3

    original = s3.SERVICE.compose_fragment

    def without(ctx: StackContext) -> dict[str, Any]:
        frag = original(ctx)
        del frag["services"]["s3"]["healthcheck"]
        return frag

    monkeypatch.setattr(s3.SERVICE, "compose_fragment", without)
    with pytest.raises(ValueError, match="compose service 's3' has no healthcheck"):
        stack_for(settings_for(tmp_path))


def test_render_round_trips_and_explains_how_to_run_it(tmp_path: Path) -> None:
    stack = stack_for(settings_for(tmp_path))
    text = render(stack)
    assert "# Run it by hand: docker compose -f .devenv/compose.yaml up -d" in text
    assert yaml.safe_load(text) == stack
