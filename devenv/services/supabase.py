"""Local Supabase: its services run in Docker; natively devenv provides the database surface."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devenv import jwt
from devenv.compose import fragment, merge, published
from devenv.errors import ConfigError
from devenv.images import image
from devenv.probes import HttpProbe, Probe
from devenv.resources import resource_dir
from devenv.services import HOST, NativeCommand, NativeLayout, Service, StackContext
from devenv.services.supabase_gateway import kong_config
from devenv.settings import Settings

SURFACE_SQL = Path(__file__).resolve().parent.parent / "sql" / "supabase_surface.sql"
MOUNTED = "supabase"  # .devenv/supabase/: the files the containers mount
STORAGE_BUCKET = "supabase-storage"  # where Supabase Storage keeps its files, in the stack's S3
DB_INIT_SCRIPTS = ("roles.sql", "jwt.sql")  # compose/supabase/, mounted into supabase/postgres


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
        """compose/supabase-<name>.yaml with this project's image, ports and URLs."""
        frag = fragment(f"supabase-{self.name}")
        service = frag["services"][self.name]
        service["image"] = image(ctx.settings, self.image_name)
        if self.port_setting is not None:
            service["ports"] = [published(ctx.port(self.name), self.container_port)]
        if "depends_on" in service:  # an excluded service is no dependency
            kept = [d for d in service["depends_on"] if d not in ctx.settings.supabase.exclude]
            service["depends_on"] = kept
            if not kept:
                del service["depends_on"]
        service.setdefault("environment", {}).update(self._filled(ctx))
        return frag

    def _filled(self, ctx: StackContext) -> dict[str, str]:
        """The environment that depends on the project: URLs, bucket, region, name."""
        settings = ctx.settings
        api = f"http://{HOST}:{ctx.ports.get('api', settings.supabase.api_port)}"
        if self.name == "auth":
            return {"API_EXTERNAL_URL": api}
        if self.name == "storage":
            region = settings.s3.region
            bucket = storage_bucket(settings)
            return {"GLOBAL_S3_BUCKET": bucket, "REGION": region, "AWS_DEFAULT_REGION": region}
        if self.name == "studio":
            return {"DEFAULT_PROJECT_NAME": settings.name, "SUPABASE_PUBLIC_URL": api}
        return {}

    def config_files(self, ctx: StackContext) -> dict[str, str]:
        """The gateway's declarative config (it holds the project's keys), under .devenv/."""
        if self.name != "api":
            return {}
        present = {"postgres", "s3", *(s.name for s in services(ctx.settings))}
        return {f"{MOUNTED}/kong.yml": kong_config(ctx.secrets.jwt_secret, present)}

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


@dataclass(frozen=True)
class SupabaseDatabase:
    """The project's PostgreSQL as Supabase's database: in Docker, on the supabase/postgres image.

    Everything else (ports, native process, probe, DATABASE_URL) is the wrapped service's.
    """

    base: Service

    @property
    def name(self) -> str:
        """The wrapped service's name (`postgres`)."""
        return self.base.name

    @property
    def runs_natively(self) -> bool:
        """Natively it is the plain server, with the surface applied before the migrations."""
        return self.base.runs_natively

    def port_keys(self, settings: Settings, *, native: bool) -> dict[str, int]:
        """The database port, as without Supabase."""
        return self.base.port_keys(settings, native=native)

    def compose_fragment(self, ctx: StackContext) -> dict[str, Any]:
        """The plain fragment with compose/supabase-db.yaml merged over it."""
        check_database(ctx.settings)
        overlay = fragment("supabase-db")
        overlay["services"][self.name]["image"] = image(ctx.settings, "supabase-db")
        return merge(self.base.compose_fragment(ctx), overlay)

    def config_files(self, ctx: StackContext) -> dict[str, str]:
        """The init scripts the image runs on an empty volume (they hold no secret)."""
        source = resource_dir("compose") / MOUNTED
        return {f"{MOUNTED}/{n}": (source / n).read_text(encoding="utf-8") for n in DB_INIT_SCRIPTS}

    def native_command(self, ctx: StackContext, layout: NativeLayout) -> NativeCommand | None:
        """The plain server."""
        return self.base.native_command(ctx, layout)

    def probe(self, ctx: StackContext) -> Probe:
        """The plain probe."""
        return self.base.probe(ctx)

    def environment(self, ctx: StackContext) -> dict[str, str]:
        """DATABASE_URL, as without Supabase."""
        return self.base.environment(ctx)

    def url(self, ctx: StackContext) -> str:
        """The database URL without its password."""
        return self.base.url(ctx)


def check_database(settings: Settings) -> None:
    """The supabase/postgres image serves Supabase from the `postgres` database, as `postgres`."""
    pg = settings.postgres
    named = (("user", pg.user), ("database", pg.database))
    wrong = [f"{key} = {value!r}" for key, value in named if value != "postgres"]
    if wrong:
        raise ConfigError(
            f"[postgres] {', '.join(wrong)}: a Supabase stack in Docker uses the `postgres` "
            "database and user, which Supabase's services and its image set up",
            hint='Set [postgres] user = "postgres" and database = "postgres" in devenv.toml.',
        )
    if pg.version != 15 and "supabase-db" not in settings.docker.images:
        raise ConfigError(
            f"[postgres] version = {pg.version}, but the pinned supabase/postgres image is 15",
            hint="Use version = 15, or pin another image: [docker.images] supabase-db = '...'.",
        )


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


def services(settings: Settings) -> tuple[SupabaseService, ...]:
    """The Supabase services of a project's stack: all but those `[supabase] exclude` names."""
    return tuple(s for s in SERVICES if s.name not in settings.supabase.exclude)


def stack(settings: Settings, s3: Service, postgres: Service) -> tuple[Service, ...]:
    """A Supabase project's services in start order: S3, Supabase's database, the rest."""
    return (s3, SupabaseDatabase(postgres), *services(settings))


def storage_bucket(settings: Settings) -> str:
    """The bucket of the stack's S3 store that Supabase Storage writes its files to."""
    return settings.s3.prefix + STORAGE_BUCKET


def surface_sql() -> bytes:
    """The roles, schemas, functions and grants that Supabase migrations expect (idempotent)."""
    return SURFACE_SQL.read_bytes()
