"""What a started stack needs before use: database, migrations, buckets, seed, `.env.local`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from devenv import database, migrations, objectstore
from devenv.envfile import ensure_gitignored, write_env_file
from devenv.errors import NothingToSeed
from devenv.guard import require_local
from devenv.runners.select import stack_services
from devenv.services import HOST, StackContext
from devenv.services.postgres import admin_conninfo, database_url
from devenv.settings import Settings
from devenv.state import load_state, save_state

if TYPE_CHECKING:
    from devenv.seeding import ProgressCallback, SeedReport


@dataclass(frozen=True)
class Provisioned:
    """What `provision` did."""

    database_created: bool
    migrations_applied: tuple[str, ...]
    buckets_created: tuple[str, ...]
    seed: SeedReport | None
    notes: tuple[str, ...] = ()


NOTHING_TO_SEED = (
    "No tables to seed yet: add a migration to the migrations folder, then run `devenv up`"
    " again to apply and seed it."
)


def provision(
    settings: Settings, ctx: StackContext, *, runtime: str, store_restarted: bool
) -> Provisioned:
    """Database, migrations, buckets, and a seed when the database is new (all or nothing)."""
    created = database.ensure_database(admin_conninfo(ctx), settings.postgres.database)
    try:
        report = migrate(settings, ctx, runtime=runtime)
        recheck = store_restarted or created
        buckets = ensure_buckets(settings, ctx, recheck=recheck, runtime=runtime)
        # A new database, or an existing empty one (such as `postgres`) migrated for the first time.
        fresh = created or (report.already == 0 and bool(report.applied))
        seeded = seed_if_any(settings, ctx) if fresh else None
    except BaseException:
        if created:  # the next `up` then starts from an empty database again and seeds it
            database.drop_database(admin_conninfo(ctx), settings.postgres.database)
        raise
    notes = (NOTHING_TO_SEED,) if fresh and seeded is None else ()
    return Provisioned(created, report.applied, tuple(buckets), seeded, notes)


def ensure_buckets(
    settings: Settings, ctx: StackContext, *, recheck: bool, runtime: str
) -> list[str]:
    """Create missing buckets; skipped when the store kept running and nothing changed."""
    wanted = bucket_names(settings, runtime)
    state = load_state(settings.state_dir)
    if not recheck and state.buckets == wanted:
        return []
    created = objectstore.ensure_buckets(s3_access(ctx), wanted)
    state.buckets = wanted
    save_state(settings.state_dir, state)
    return created


def bucket_names(settings: Settings, runtime: str) -> list[str]:
    """The project's buckets, plus the one Supabase Storage keeps its files in (Docker)."""
    names = set(settings.bucket_names().values())
    if runtime == "docker" and settings.supabase.enabled:
        from devenv.services import supabase

        if "storage" in {s.name for s in supabase.services(settings)}:
            names.add(supabase.storage_bucket(settings))
    return sorted(names)


def migrate(settings: Settings, ctx: StackContext, *, runtime: str) -> migrations.MigrationReport:
    """Apply pending migrations; natively, the Supabase database surface comes first."""
    if settings.supabase.enabled and runtime == "native":
        from devenv.services.supabase import surface_sql

        database.run_script(database_url(ctx), surface_sql())
    found = migrations.discover(settings.migrations_dir)
    return migrations.apply(database_url(ctx), found)


def seed_stack(
    settings: Settings, ctx: StackContext, *, progress: ProgressCallback | None = None
) -> SeedReport:
    """Fill the database and buckets with synthetic data."""
    from devenv.seeding import run_seed

    require_local(database_url(ctx), what="the seed target")
    definitions = settings.seeds_dir if settings.seeds_dir.is_dir() else None
    return run_seed(
        database_url(ctx),
        definitions_dir=definitions,
        scale=settings.seed.scale,
        seed=settings.seed.seed,
        s3=s3_access(ctx),
        buckets=settings.bucket_names(),
        progress=progress,
    )


def seed_if_any(settings: Settings, ctx: StackContext) -> SeedReport | None:
    """Seed as part of `up` or `reset`; a schema without tables yet is no error (None)."""
    try:
        return seed_stack(settings, ctx)
    except NothingToSeed:
        return None


def write_env(settings: Settings, ctx: StackContext) -> Path:
    """Write .env.local and make sure git ignores it and the state folder."""
    variables = {"DEVENV_ENVIRONMENT": "local", **env_variables(ctx)}
    path = write_env_file(settings.project_dir, settings.name, variables)
    ensure_gitignored(settings.project_dir)
    return path


def env_variables(ctx: StackContext) -> dict[str, str]:
    """Every connection variable of every service of the stack."""
    out: dict[str, str] = {}
    for service in stack_services(ctx.settings):
        out.update(service.environment(ctx))
    return out


def s3_access(ctx: StackContext) -> objectstore.S3Access:
    """How to reach the stack's object store from the host."""
    return objectstore.S3Access(
        f"{HOST}:{ctx.port('s3')}",
        ctx.secrets.s3_access_key,
        ctx.secrets.s3_secret_key,
        ctx.settings.s3.region,
    )
