"""The core of `up`, `down`, `status`, `env`, `reset`, `destroy`: functions that return values."""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg

from devenv import database, migrations, objectstore
from devenv.envfile import ENV_FILE, ensure_gitignored, user_section, write_env_file
from devenv.errors import CommandFailed, ConfigError, ServiceNotReady
from devenv.guard import Finding, GuardReport, ensure_clean, require_local, scan
from devenv.guard.report import describe
from devenv.lock import project_lock
from devenv.runners import Notify, Runner, ServiceStatus, StartReport
from devenv.runners.select import check_switch, other_runtime_with_data, select_runner
from devenv.services import HOST, StackContext
from devenv.services.postgres import admin_conninfo, database_url
from devenv.settings import Settings
from devenv.state import load_secrets, load_state, save_state

if TYPE_CHECKING:
    from devenv.rls import QueryResult
    from devenv.seeding import ProgressCallback, SeedReport

log = logging.getLogger(__name__)
LOCK_WAIT = 60.0


@dataclass(frozen=True)
class Invocation:
    """Who runs devenv and where: settings plus the environment the guard inspects."""

    settings: Settings
    environ: Mapping[str, str]
    home: Path
    notify: Notify = field(default=lambda _msg: None)
    lock_wait: float = LOCK_WAIT
    ready_timeout: float = 60.0


@dataclass(frozen=True)
class UpResult:
    """What `devenv up` did and what runs where."""

    runtime: str
    services: tuple[ServiceStatus, ...]
    env_file: Path
    started: tuple[str, ...]
    database_created: bool
    migrations_applied: tuple[str, ...]
    buckets_created: tuple[str, ...]
    seed: SeedReport | None
    notices: tuple[str, ...]
    acknowledged: tuple[Finding, ...]
    seconds: float


@dataclass(frozen=True)
class ResetResult:
    """What `devenv reset` rebuilt."""

    database: str
    migrations_applied: tuple[str, ...]
    objects_deleted: int
    seed: SeedReport | None
    seconds: float


def check_credentials(inv: Invocation) -> GuardReport:
    """Run the guard; raise CredentialsFound (exit 3) when it finds anything."""
    report = scan(inv.environ, inv.home, inv.settings.project_dir, allow=inv.settings.guard.allow)
    ensure_clean(report)
    for finding in report.acknowledged:  # every run lists what the project acknowledged
        inv.notify(f"Acknowledged in devenv.toml: {describe(finding)}")
    return report


def up(inv: Invocation) -> UpResult:
    """Check credentials, start the stack, migrate, create buckets, seed a new database."""
    began = time.monotonic()
    report = check_credentials(inv)
    with project_lock(inv.settings.state_dir, timeout=inv.lock_wait, on_wait=inv.notify):
        runner = _runner(inv)
        check_switch(inv.settings, runner, notify=inv.notify)
        start = runner.up(timeout=inv.ready_timeout)
        try:
            created, applied, buckets, seed = _provision(
                inv, start, _context(runner, start), runtime=runner.name
            )
        except BaseException:
            _stop_started(runner, start)
            raise
        env_path = _write_env(inv, runner)
        statuses = tuple(runner.status())
    return UpResult(
        runtime=runner.name,
        services=statuses,
        env_file=env_path,
        started=start.started,
        database_created=created,
        migrations_applied=applied,
        buckets_created=buckets,
        seed=seed,
        notices=start.notices,
        acknowledged=report.acknowledged,
        seconds=time.monotonic() - began,
    )


def _provision(
    inv: Invocation, start: StartReport, ctx: StackContext, *, runtime: str
) -> tuple[bool, tuple[str, ...], tuple[str, ...], SeedReport | None]:
    """Database, migrations, buckets, and a seed when the database is new."""
    settings = inv.settings
    created = database.ensure_database(admin_conninfo(ctx), settings.postgres.database)
    try:
        report = _migrate(settings, ctx, runtime=runtime)
        applied = report.applied
        recheck = "s3" in start.started or created
        buckets = _ensure_buckets(settings, ctx, recheck=recheck, runtime=runtime)
        # A new database, or an existing empty one (such as `postgres`) migrated for the first time.
        fresh = created or (report.already == 0 and bool(applied))
        seed = _seed(settings, ctx) if fresh else None
    except BaseException:
        if created:  # the next `up` then starts from an empty database again and seeds it
            database.drop_database(admin_conninfo(ctx), settings.postgres.database)
        raise
    return created, applied, tuple(buckets), seed


def _ensure_buckets(
    settings: Settings, ctx: StackContext, *, recheck: bool, runtime: str
) -> list[str]:
    """Create missing buckets; skipped when the store kept running and nothing changed."""
    wanted = _buckets(settings, runtime)
    state = load_state(settings.state_dir)
    if not recheck and state.buckets == wanted:
        return []
    created = objectstore.ensure_buckets(_s3_access(ctx), wanted)
    state.buckets = wanted
    save_state(settings.state_dir, state)
    return created


def _buckets(settings: Settings, runtime: str) -> list[str]:
    """The project's buckets, plus the one Supabase Storage keeps its files in (Docker)."""
    names = set(settings.bucket_names().values())
    if runtime == "docker" and settings.supabase.enabled:
        from devenv.services import supabase

        if "storage" in {s.name for s in supabase.services(settings)}:
            names.add(supabase.storage_bucket(settings))
    return sorted(names)


def _migrate(settings: Settings, ctx: StackContext, *, runtime: str) -> migrations.MigrationReport:
    """Apply pending migrations; natively, the Supabase database surface comes first."""
    if settings.supabase.enabled and runtime == "native":
        from devenv.services.supabase import surface_sql

        database.run_script(database_url(ctx), surface_sql())
    found = migrations.discover(settings.migrations_dir)
    return migrations.apply(database_url(ctx), found)


def _seed(
    settings: Settings, ctx: StackContext, *, progress: ProgressCallback | None = None
) -> SeedReport:
    """Fill the database and buckets with synthetic data."""
    from devenv.seeding import S3Target, run_seed

    require_local(database_url(ctx), what="the seed target")
    access = _s3_access(ctx)
    target = S3Target(access.endpoint, access.access_key, access.secret_key, access.region)
    definitions = settings.seeds_dir if settings.seeds_dir.is_dir() else None
    return run_seed(
        database_url(ctx),
        definitions_dir=definitions,
        scale=settings.seed.scale,
        seed=settings.seed.seed,
        s3=target,
        buckets=settings.bucket_names(),
        progress=progress,
    )


@dataclass(frozen=True)
class ComposeResult:
    """The generated compose stack: where it was written, and its YAML."""

    path: Path | None
    yaml: str


def compose(inv: Invocation, *, write: bool = True) -> ComposeResult:
    """Generate the project's compose stack (no engine needed); write it unless asked not to."""
    from devenv.compose import build_stack, render, write_stack
    from devenv.runners.docker import DockerRunner
    from devenv.runners.select import stack_services

    secrets = load_secrets(inv.settings.state_dir)
    assert secrets is not None
    ctx = DockerRunner(inv.settings, secrets).context()
    services = stack_services(inv.settings)
    path = write_stack(ctx, services) if write else None
    return ComposeResult(path, render(build_stack(ctx, services)))


def down(inv: Invocation) -> list[str]:
    """Stop the stack; the data stays."""
    with project_lock(inv.settings.state_dir, timeout=inv.lock_wait, on_wait=inv.notify):
        return _runner(inv).down()


def status(inv: Invocation) -> list[ServiceStatus]:
    """What runs where (no lock: status only reads)."""
    return _runner(inv).status()


def write_env(inv: Invocation) -> Path:
    """Rewrite .env.local from the stack's current connection details."""
    check_credentials(inv)
    with project_lock(inv.settings.state_dir, timeout=inv.lock_wait, on_wait=inv.notify):
        return _write_env(inv, _runner(inv))


def reset(inv: Invocation) -> ResetResult:
    """Drop and recreate the database, migrate, empty the buckets and seed again."""
    began = time.monotonic()
    check_credentials(inv)
    settings = inv.settings
    with project_lock(settings.state_dir, timeout=inv.lock_wait, on_wait=inv.notify):
        runner = _runner(inv)
        check_switch(inv.settings, runner, notify=inv.notify)
        ctx = _empty_database(inv, runner)
        applied = _migrate(settings, ctx, runtime=runner.name).applied
        access = _s3_access(ctx)
        require_local(f"http://{access.endpoint}", what="the buckets to empty")
        buckets = _buckets(settings, runner.name)
        deleted = objectstore.empty_buckets(access, buckets)
        objectstore.ensure_buckets(access, buckets)
        seed = _seed(settings, ctx)
        _write_env(inv, runner)
    return ResetResult(settings.postgres.database, applied, deleted, seed, time.monotonic() - began)


def _empty_database(inv: Invocation, runner: Runner) -> StackContext:
    """Start the stack with the project's database empty again; return its connection details.

    Supabase in Docker starts over from an empty volume instead, as `supabase db reset` does:
    its image sets up roles, schemas and auth on first start, and its services migrate their
    own schemas when they start.
    """
    settings = inv.settings
    require_local(admin_conninfo(runner.context()), what="the database to reset")
    if runner.name == "docker" and settings.supabase.enabled:
        from devenv.runners.docker import DockerRunner

        assert isinstance(runner, DockerRunner)
        return _context(runner, runner.start_over("postgres", timeout=inv.ready_timeout))
    ctx = _context(runner, runner.up(timeout=inv.ready_timeout))
    database.drop_database(admin_conninfo(ctx), settings.postgres.database)
    database.ensure_database(admin_conninfo(ctx), settings.postgres.database)
    return ctx


def seed(inv: Invocation, *, progress: ProgressCallback | None = None) -> SeedReport:
    """Replace the seed data at the configured scale and seed number."""
    check_credentials(inv)
    with project_lock(inv.settings.state_dir, timeout=inv.lock_wait, on_wait=inv.notify):
        runner = _runner(inv)
        check_switch(inv.settings, runner, notify=inv.notify)
        ctx = _context(runner, runner.up(timeout=inv.ready_timeout))
        return _seed(inv.settings, ctx, progress=progress)


def run_sql(inv: Invocation, query: str, *, as_user: str | None = None) -> QueryResult:
    """Run SQL on the local database, optionally as a Supabase user (RLS applies)."""
    from devenv.rls import query_as

    ctx = _runner(inv).context()
    url = database_url(ctx)
    require_local(url, what="the database to query")
    try:
        return query_as(url, as_user, query)
    except psycopg.OperationalError as exc:
        raise ServiceNotReady(
            f"could not connect to the local PostgreSQL: {exc}".strip(),
            hint="Run `devenv up` first.",
        ) from exc
    except psycopg.Error as exc:
        raise CommandFailed(f"the query failed: {exc}".strip(), hint="Check the SQL.") from exc


def scan_credentials(inv: Invocation) -> GuardReport:
    """The guard's full report, clean or not (for `devenv check`)."""
    return scan(inv.environ, inv.home, inv.settings.project_dir, allow=inv.settings.guard.allow)


def read_logs(inv: Invocation, service: str | None, *, lines: int) -> dict[str, str]:
    """The last lines of one service's log, or of every service's."""
    runner = _runner(inv)
    names = _service_names(inv, service)
    return {name: runner.read_log(name, lines=lines) for name in names}


def follow_logs(inv: Invocation, service: str | None) -> Iterator[str]:
    """New log lines of one service (or the first one) as they come."""
    names = _service_names(inv, service)
    return _runner(inv).follow_logs(names[0])


def _service_names(inv: Invocation, service: str | None) -> list[str]:
    """Validate a service name given on the command line."""
    from devenv.runners.select import stack_services

    names = [s.name for s in stack_services(inv.settings)]
    if service is None:
        return names
    if service not in names:
        raise ConfigError(
            f"no service named {service!r}", hint=f"Choose one of: {', '.join(names)}."
        )
    return [service]


def destroy(inv: Invocation) -> list[str]:
    """Stop everything and delete all local data, secrets included."""
    settings = inv.settings
    with project_lock(settings.state_dir, timeout=inv.lock_wait, on_wait=inv.notify):
        runner = _runner(inv)
        removed = runner.destroy()
        secrets = load_secrets(settings.state_dir)
        assert secrets is not None
        other = other_runtime_with_data(settings, secrets, runner)
        if other is not None:  # data kept from before a switch of runtimes
            removed += other.destroy()
        env_path = settings.project_dir / ENV_FILE
        if env_path.exists():
            _drop_devenv_block(env_path)
            removed.append(str(env_path))
    shutil.rmtree(settings.state_dir, ignore_errors=True)
    removed.append(str(settings.state_dir))
    return removed


def _drop_devenv_block(env_path: Path) -> None:
    """Remove devenv's lines from .env.local, keeping the user's; delete it if nothing is left."""
    mine = user_section(env_path)
    if mine.strip():
        env_path.write_text(mine, encoding="utf-8")
    else:
        env_path.unlink()


def _runner(inv: Invocation) -> Runner:
    """The runner for this project's runtime, with the project's secrets."""
    secrets = load_secrets(inv.settings.state_dir)
    assert secrets is not None
    return select_runner(inv.settings, secrets, notify=inv.notify)


def _context(runner: Runner, start: StartReport) -> StackContext:
    """The connection details of a started stack."""
    return start.context if start.context is not None else runner.context()


def _stop_started(runner: Runner, start: StartReport) -> None:
    """After a failed or interrupted `up`, stop only what this `up` started."""
    if not start.started:
        return
    try:
        runner.down(only=start.started)
    except Exception:
        log.exception("could not stop the services after a failed start")


def _write_env(inv: Invocation, runner: Runner) -> Path:
    """Write .env.local and make sure git ignores it and the state folder."""
    ctx = runner.context()
    variables = {"DEVENV_ENVIRONMENT": "local"}
    for name, value in env_variables(ctx).items():
        variables[name] = value
    path = write_env_file(inv.settings.project_dir, inv.settings.name, variables)
    ensure_gitignored(inv.settings.project_dir)
    return path


def env_variables(ctx: StackContext) -> dict[str, str]:
    """Every connection variable of every service of the stack."""
    from devenv.runners.select import stack_services

    out: dict[str, str] = {}
    for service in stack_services(ctx.settings):
        out.update(service.environment(ctx))
    return out


def _s3_access(ctx: StackContext) -> objectstore.S3Access:
    """How to reach the stack's object store from the host."""
    return objectstore.S3Access(
        f"{HOST}:{ctx.port('s3')}",
        ctx.secrets.s3_access_key,
        ctx.secrets.s3_secret_key,
        ctx.settings.s3.region,
    )
