"""The Supabase stack as data: services, exclusions, the database image, kong.yml, secrets."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest
import yaml

from devenv import jwt
from devenv.compose import build_stack, secret_env, write_stack
from devenv.errors import ConfigError
from devenv.provision import bucket_names
from devenv.runners.docker import profiles
from devenv.runners.select import stack_services
from devenv.services import StackContext
from devenv.services.supabase import SERVICES, services, storage_bucket
from devenv.services.supabase_gateway import kong_config
from devenv.settings import SUPABASE_SERVICES, Settings, load_settings
from devenv.state import Secrets

SECRETS = Secrets("pg-secret-pw", "devenv-access", "devenv-secret-key", "jwt-secret-" + "x" * 40)
PORTS = {
    "postgres": 54322,
    "s3": 54330,
    "s3.console": 54331,
    "api": 54321,
    "studio": 54323,
    "mail": 54324,
}
ENABLED = "[supabase]\nenabled = true\n"


def settings_for(tmp_path: Path, toml: str = ENABLED) -> Settings:
    (tmp_path / "devenv.toml").write_text(toml)
    return load_settings(tmp_path, environ={})


def ctx_for(settings: Settings) -> StackContext:
    return StackContext(settings, SECRETS, PORTS)


def stack_for(settings: Settings) -> dict[str, Any]:
    return build_stack(ctx_for(settings), stack_services(settings))


def routes(config: dict[str, Any]) -> list[str]:
    return [path for s in config["services"] for r in s["routes"] for path in r["paths"]]


def test_the_service_names_are_the_ones_exclude_accepts() -> None:
    assert tuple(s.name for s in SERVICES) == SUPABASE_SERVICES


def test_a_supabase_project_defaults_to_the_postgres_database(tmp_path: Path) -> None:
    assert settings_for(tmp_path).postgres.database == "postgres"
    assert settings_for(tmp_path, 'name = "shop"\n').postgres.database == "shop"


def test_the_stack_has_every_service_with_a_pinned_image_and_a_healthcheck(
    tmp_path: Path,
) -> None:
    stack = stack_for(settings_for(tmp_path))
    assert list(stack["services"]) == ["s3", "postgres", *SUPABASE_SERVICES]
    for name, body in stack["services"].items():
        repository, _, tag = body["image"].rpartition(":")
        assert repository, name
        assert tag not in ("", "latest"), name
        assert body["healthcheck"]["test"], name
    published = {name: body.get("ports") for name, body in stack["services"].items()}
    assert published["api"] == ["127.0.0.1:54321:8000"]
    assert published["studio"] == ["127.0.0.1:54323:3000"]
    assert published["mail"] == ["127.0.0.1:54324:8025"]
    assert published["auth"] is published["rest"] is published["storage"] is None


def test_the_database_runs_on_supabase_postgres_with_its_init_contract(tmp_path: Path) -> None:
    db = stack_for(settings_for(tmp_path))["services"]["postgres"]
    assert db["image"] == "supabase/postgres:15.8.1.085"
    assert db["command"][:3] == ["postgres", "-c", "config_file=/etc/postgresql/postgresql.conf"]
    env = db["environment"]
    assert env["POSTGRES_USER"] == "supabase_admin"  # the image creates `postgres` itself
    assert env["POSTGRES_PASSWORD"] == "${DEVENV_POSTGRES_PASSWORD:?run devenv compose}"
    assert env["JWT_SECRET"] == "${DEVENV_JWT_SECRET:?run devenv compose}"
    assert db["volumes"] == [
        "postgres-data:/var/lib/postgresql/data",
        "./supabase/roles.sql:/docker-entrypoint-initdb.d/init-scripts/99-roles.sql:ro",
        "./supabase/jwt.sql:/docker-entrypoint-initdb.d/init-scripts/99-jwt.sql:ro",
    ]
    assert db["ports"] == ["127.0.0.1:54322:5432"]


def test_dependencies_wait_for_health_and_optional_services_sit_behind_profiles(
    tmp_path: Path,
) -> None:
    stack = stack_for(settings_for(tmp_path))["services"]
    healthy = {"condition": "service_healthy"}
    assert stack["storage"]["depends_on"] == {"postgres": healthy, "rest": healthy, "s3": healthy}
    assert stack["auth"]["depends_on"] == {"postgres": healthy}
    assert {n: b.get("profiles") for n, b in stack.items() if b.get("profiles")} == {
        "meta": ["studio"],
        "studio": ["studio"],
        "mail": ["mail"],
    }


def test_services_get_the_project_urls_bucket_and_region(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, ENABLED + '[s3]\nregion = "eu-west-1"\n')
    stack = stack_for(settings)["services"]
    assert stack["auth"]["environment"]["API_EXTERNAL_URL"] == "http://127.0.0.1:54321"
    storage = stack["storage"]["environment"]
    assert storage["GLOBAL_S3_BUCKET"] == "local-supabase-storage"
    assert storage["GLOBAL_S3_ENDPOINT"] == "http://s3:9000"
    assert storage["REGION"] == storage["AWS_DEFAULT_REGION"] == "eu-west-1"
    assert storage["AWS_ACCESS_KEY_ID"] == "${DEVENV_S3_ACCESS_KEY:?run devenv compose}"
    assert stack["studio"]["environment"]["SUPABASE_PUBLIC_URL"] == "http://127.0.0.1:54321"


def test_exclude_leaves_services_and_dependencies_on_them_out(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, ENABLED + 'exclude = ["rest", "studio", "meta", "mail"]\n')
    assert [s.name for s in services(settings)] == ["api", "auth", "storage"]
    stack = stack_for(settings)["services"]
    assert list(stack) == ["s3", "postgres", "api", "auth", "storage"]
    assert set(stack["storage"]["depends_on"]) == {"postgres", "s3"}


def test_exclude_names_only_supabase_services(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        settings_for(tmp_path, ENABLED + 'exclude = ["db"]\n')
    assert "supabase.exclude: 'db' is not a Supabase service" in caught.value.message
    settings_for(tmp_path)
    env = {"DEVENV_SUPABASE_EXCLUDE": "studio, mail"}
    assert load_settings(tmp_path, environ=env).supabase.exclude == ("studio", "mail")


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            '[postgres]\nuser = "app"\n',
            "[postgres] user = 'app': a Supabase stack in Docker uses the `postgres` database "
            "and user, which Supabase's services and its image set up",
        ),
        (
            '[postgres]\ndatabase = "shop"\n',
            "[postgres] database = 'shop': a Supabase stack in Docker uses the `postgres` "
            "database and user, which Supabase's services and its image set up",
        ),
        (
            "[postgres]\nversion = 17\n",
            "[postgres] version = 17, but the pinned supabase/postgres image is 15",
        ),
    ],
)
def test_a_database_the_image_cannot_serve_is_a_config_error(
    tmp_path: Path, toml: str, message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        stack_for(settings_for(tmp_path, ENABLED + toml))
    assert caught.value.message == message


def test_another_major_version_needs_its_own_supabase_image(tmp_path: Path) -> None:
    toml = ENABLED + '[postgres]\nversion = 17\n[docker.images]\nsupabase-db = "sb/pg:17.1"\n'
    assert stack_for(settings_for(tmp_path, toml))["services"]["postgres"]["image"] == "sb/pg:17.1"


def test_kong_routes_only_services_in_the_stack_and_signs_its_consumers(tmp_path: Path) -> None:
    config = yaml.safe_load(kong_config(SECRETS.jwt_secret, {"postgres", "s3", *SUPABASE_SERVICES}))
    assert config["_format_version"] == "2.1"
    assert "/realtime/v1/" not in routes(config)  # no realtime service in the stack
    for path in ("/auth/v1/", "/auth/v1/verify", "/rest/v1/", "/graphql/v1", "/storage/v1/"):
        assert path in routes(config)
    keys = {c["username"]: c["keyauth_credentials"][0]["key"] for c in config["consumers"]}
    assert {u: jwt.verify(k, SECRETS.jwt_secret)["role"] for u, k in keys.items()} == {
        "anon": "anon",
        "service_role": "service_role",
    }
    assert {(a["consumer"], a["group"]) for a in config["acls"]} == {
        ("anon", "anon"),
        ("service_role", "admin"),
    }
    without_rest = yaml.safe_load(kong_config(SECRETS.jwt_secret, {"auth", "storage"}))
    assert "/rest/v1/" not in routes(without_rest)
    assert "/graphql/v1" not in routes(without_rest)
    assert "/pg/" not in routes(without_rest)


def test_mounted_files_are_written_beside_the_stack_in_a_private_directory(
    tmp_path: Path,
) -> None:
    settings = settings_for(tmp_path)
    write_stack(ctx_for(settings), stack_services(settings))
    mounted = tmp_path / ".devenv" / "supabase"
    assert stat.S_IMODE(mounted.stat().st_mode) == 0o700
    assert sorted(p.name for p in mounted.iterdir()) == ["jwt.sql", "kong.yml", "roles.sql"]
    for path in mounted.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o644  # the container reads it as its user
    roles = (mounted / "roles.sql").read_text()
    assert "$POSTGRES_PASSWORD" in roles
    assert SECRETS.postgres_password not in roles
    compose = (tmp_path / ".devenv" / "compose.yaml").read_text()
    for value in secret_env(ctx_for(settings)).values():
        assert value not in compose


def test_the_stack_env_file_carries_the_signed_keys_only_with_supabase(tmp_path: Path) -> None:
    env = secret_env(ctx_for(settings_for(tmp_path)))
    assert jwt.verify(env["DEVENV_SUPABASE_ANON_KEY"], SECRETS.jwt_secret)["role"] == "anon"
    service = jwt.verify(env["DEVENV_SUPABASE_SERVICE_ROLE_KEY"], SECRETS.jwt_secret)
    assert service["role"] == "service_role"
    plain = secret_env(ctx_for(settings_for(tmp_path, "")))
    assert "DEVENV_SUPABASE_ANON_KEY" not in plain


def test_storage_gets_its_own_bucket_in_docker_only(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, ENABLED + '[s3]\nbuckets = ["documents"]\n')
    assert storage_bucket(settings) == "local-supabase-storage"
    assert bucket_names(settings, "docker") == ["local-documents", "local-supabase-storage"]
    assert bucket_names(settings, "native") == ["local-documents"]
    excluded = settings_for(tmp_path, ENABLED + 'exclude = ["storage"]\n')
    assert bucket_names(excluded, "docker") == ["local-uploads"]


def test_compose_commands_enable_the_profiles_of_the_stack(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    path = write_stack(ctx_for(settings), stack_services(settings))
    assert profiles(path) == ["--profile", "studio", "--profile", "mail"]
    lean = settings_for(tmp_path, ENABLED + 'exclude = ["studio", "meta", "mail"]\n')
    assert profiles(write_stack(ctx_for(lean), stack_services(lean))) == []
    plain = settings_for(tmp_path, "")
    assert profiles(write_stack(ctx_for(plain), stack_services(plain))) == []
