from __future__ import annotations

from pathlib import Path

import pytest

from devenv import jwt
from devenv.guard import scan_env_text
from devenv.services import StackContext
from devenv.services.supabase import supabase_environment
from devenv.settings import load_settings
from devenv.state import Secrets


def test_keys_are_signed_with_the_project_secret_and_carry_the_expected_claims(
    tmp_path: Path,
) -> None:
    secrets = Secrets.generate()
    ctx = StackContext(load_settings(tmp_path, environ={}), secrets, {})
    env = supabase_environment(ctx, "http://127.0.0.1:54321")
    anon = jwt.verify(env["SUPABASE_ANON_KEY"], secrets.jwt_secret)
    service = jwt.verify(env["SUPABASE_SERVICE_ROLE_KEY"], secrets.jwt_secret)
    assert anon["role"] == "anon"
    assert service["role"] == "service_role"
    assert anon["iss"] == service["iss"] == "devenv"
    assert anon["exp"] > anon["iat"]
    assert env["NEXT_PUBLIC_SUPABASE_ANON_KEY"] == env["SUPABASE_ANON_KEY"]
    assert env["NEXT_PUBLIC_SUPABASE_URL"] == env["SUPABASE_URL"] == "http://127.0.0.1:54321"
    with pytest.raises(ValueError, match="bad signature"):
        jwt.verify(env["SUPABASE_ANON_KEY"], Secrets.generate().jwt_secret)


def test_every_project_gets_its_own_keys(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, environ={})
    a = supabase_environment(StackContext(settings, Secrets.generate(), {}), "u")
    b = supabase_environment(StackContext(settings, Secrets.generate(), {}), "u")
    assert a["SUPABASE_ANON_KEY"] != b["SUPABASE_ANON_KEY"]


def test_keys_are_stable_for_one_secret(tmp_path: Path) -> None:
    secrets = Secrets.generate()
    ctx = StackContext(load_settings(tmp_path, environ={}), secrets, {})
    assert supabase_environment(ctx, "u") == supabase_environment(ctx, "u")


def test_the_guard_accepts_the_local_keys(tmp_path: Path) -> None:
    ctx = StackContext(load_settings(tmp_path, environ={}), Secrets.generate(), {})
    text = "\n".join(
        f"{k}={v}" for k, v in supabase_environment(ctx, "http://127.0.0.1:54321").items()
    )
    assert scan_env_text(text, source=".env.local") == []


def test_the_guard_still_refuses_a_cloud_project_key() -> None:
    cloud = jwt.sign(
        {"iss": "supabase", "ref": "abcdefghijklmnopqrst", "role": "service_role"}, "x" * 40
    )
    findings = scan_env_text(f"SUPABASE_SERVICE_ROLE_KEY={cloud}\n", source=".env")
    assert [(f.provider, f.kind) for f in findings] == [("supabase", "service_role JWT")]
