"""Local Supabase: its services run in Docker; natively devenv provides the database surface."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devenv import jwt
from devenv.compose import fragment, published
from devenv.images import image
from devenv.probes import HttpProbe, Probe
from devenv.services import HOST, NativeCommand, NativeLayout, StackContext
from devenv.settings import Settings

SURFACE_SQL = Path(__file__).resolve().parent.parent / "sql" / "supabase_surface.sql"


@dataclass(frozen=True)
class SupabaseService:
    """One Supabase container: gateway, auth, rest, storage, meta, studio or mail catcher."""

    name: str
    image_name: str
    port_setting: str | None = None  # the SupabaseSettings field of its published port
    container_port: int = 0
    health_path: str = "/"
    runs_natively = False

    def port_keys(self, settings: Settings, *, native: bool) -> dict[str, int]:
        """Published ports in Docker; none natively (these services are docker only)."""
        if native or self.port_setting is None:
            return {}
        return {self.name: getattr(settings.supabase, self.port_setting)}

    def compose_fragment(self, ctx: StackContext) -> dict[str, Any]:
        """compose/supabase-<name>.yaml with this project's image and ports."""
        frag = fragment(f"supabase-{self.name}")
        service = frag["services"][self.name]
        service["image"] = image(ctx.settings, self.image_name)
        if self.port_setting is not None:
            service["ports"] = [published(ctx.port(self.name), self.container_port)]
        return frag

    def native_command(self, ctx: StackContext, layout: NativeLayout) -> NativeCommand | None:
        """None: natively only the database surface exists, not this service."""
        return None

    def probe(self, ctx: StackContext) -> Probe:
        """An HTTP answer on the published port, else the container's own healthcheck."""
        if self.port_setting is None:
            return ContainerHealthy(self.name)
        return HttpProbe(f"{self.url(ctx)}{self.health_path}")

    def environment(self, ctx: StackContext) -> dict[str, str]:
        """The gateway exports SUPABASE_URL and the keys (with their Next.js aliases)."""
        if self.name != "api":
            return {}
        return supabase_environment(ctx, self.url(ctx))

    def url(self, ctx: StackContext) -> str:
        """Where the service answers on this machine (or would, in Docker)."""
        if self.port_setting is None:
            return "(inside the stack)"
        port = ctx.ports.get(self.name, getattr(ctx.settings.supabase, self.port_setting))
        return f"http://{HOST}:{port}"


@dataclass(frozen=True)
class ContainerHealthy:
    """Ready when the container's own healthcheck passes (for services with no host port)."""

    service: str

    def check(self) -> None:
        """Checked by the Docker runner, which can see container health."""
        raise NotImplementedError("the Docker runner checks container health itself")

    def describe(self) -> str:
        """Name the container."""
        return f"a healthy {self.service} container"


def supabase_environment(ctx: StackContext, url: str) -> dict[str, str]:
    """SUPABASE_URL and the anon/service_role keys signed with the project's JWT secret."""
    anon = jwt.api_key("anon", ctx.secrets.jwt_secret)
    service_role = jwt.api_key("service_role", ctx.secrets.jwt_secret)
    return {
        "SUPABASE_URL": url,
        "SUPABASE_ANON_KEY": anon,
        "SUPABASE_SERVICE_ROLE_KEY": service_role,
        "NEXT_PUBLIC_SUPABASE_URL": url,
        "NEXT_PUBLIC_SUPABASE_ANON_KEY": anon,
    }


SERVICES: tuple[SupabaseService, ...] = (
    SupabaseService("api", "supabase-kong", "api_port", 8000, "/"),
    SupabaseService("auth", "supabase-auth"),
    SupabaseService("rest", "supabase-rest"),
    SupabaseService("storage", "supabase-storage"),
    SupabaseService("meta", "supabase-meta"),
    SupabaseService("studio", "supabase-studio", "studio_port", 3000, "/api/platform/profile"),
    SupabaseService("mail", "supabase-mail", "mail_port", 8025, "/readyz"),
)


def surface_sql() -> bytes:
    """The roles, schemas, functions and grants that Supabase migrations expect (idempotent)."""
    return SURFACE_SQL.read_bytes()
