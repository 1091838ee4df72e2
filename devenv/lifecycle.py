"""The core of `up`, `down`, `status`, `env`, `reset`, `seed`, `destroy` and `compose`.

Functions here take an Invocation and return values; they never print.
"""

from __future__ import annotations

import logging
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from devenv import database, objectstore
from devenv.envfile import ENV_FILE, user_section
from devenv.guard import Finding, require_local
from devenv.invocation import Invocation, check_credentials, runner_for, started_context
from devenv.lock import project_lock
from devenv.provision import (
    NOTHING_TO_SEED,
    bucket_names,
    migrate,
    provision,
    s3_access,
    seed_if_any,
    seed_stack,
)
from devenv.provision import write_env as write_env_file
from devenv.runners import Runner, ServiceStatus, StartReport
from devenv.runners.select import check_switch, other_runtime_with_data
from devenv.services import StackContext
from devenv.services.postgres import admin_conninfo
from devenv.state import load_secrets

if TYPE_CHECKING:
    from devenv.seeding import ProgressCallback, SeedReport

log = logging.getLogger(__name__)


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
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ComposeResult:
    """The generated compose stack: where it was written, and its YAML."""

    path: Path | None
    yaml: str


def up(inv: Invocation) -> UpResult:
    """Check credentials, start the stack, migrate, create buckets, seed a new database."""
    began = time.monotonic()
    report = check_credentials(inv)
    with project_lock(inv.settings.state_dir, timeout=inv.lock_wait, on_wait=inv.notify):
        runner = runner_for(inv)
        check_switch(inv.settings, runner, notify=inv.notify)
        start = runner.up(timeout=inv.ready_timeout)
        try:
            done = provision(
                inv.settings,
                started_context(runner, start),
                runtime=runner.name,
                store_restarted="s3" in start.started,
            )
        except BaseException:
            _stop_started(runner, start)
            raise
        env_path = write_env_file(inv.settings, runner.context())
        statuses = tuple(runner.status())
    return UpResult(
        runtime=runner.name,
        services=statuses,
        env_file=env_path,
        started=start.started,
        database_created=done.database_created,
        migrations_applied=done.migrations_applied,
        buckets_created=done.buckets_created,
        seed=done.seed,
        notices=start.notices + done.notes,
        acknowledged=report.acknowledged,
        seconds=time.monotonic() - began,
    )


def _stop_started(runner: Runner, start: StartReport) -> None:
    """After a failed or interrupted `up`, stop only what this `up` started."""
    if not start.started:
        return
    try:
        runner.down(only=start.started)
    except Exception:
        log.exception("could not stop the services after a failed start")


def down(inv: Invocation) -> list[str]:
    """Stop the stack; the data stays."""
    with project_lock(inv.settings.state_dir, timeout=inv.lock_wait, on_wait=inv.notify):
        return runner_for(inv).down()


def status(inv: Invocation) -> list[ServiceStatus]:
    """What runs where (no lock: status only reads)."""
    return runner_for(inv).status()


def write_env(inv: Invocation) -> Path:
    """Rewrite .env.local from the stack's current connection details."""
    check_credentials(inv)
    with project_lock(inv.settings.state_dir, timeout=inv.lock_wait, on_wait=inv.notify):
        return write_env_file(inv.settings, runner_for(inv).context())


def reset(inv: Invocation) -> ResetResult:
    """Drop and recreate the database, migrate, empty the buckets and seed again."""
    began = time.monotonic()
    check_credentials(inv)
    settings = inv.settings
    with project_lock(settings.state_dir, timeout=inv.lock_wait, on_wait=inv.notify):
        runner = runner_for(inv)
        check_switch(settings, runner, notify=inv.notify)
        ctx = _empty_database(inv, runner)
        applied = migrate(settings, ctx, runtime=runner.name).applied
        access = s3_access(ctx)
        require_local(f"http://{access.endpoint}", what="the buckets to empty")
        buckets = bucket_names(settings, runner.name)
        deleted = objectstore.empty_buckets(access, buckets)
        objectstore.ensure_buckets(access, buckets)
        seeded = seed_if_any(settings, ctx)
        write_env_file(settings, runner.context())
    notes = (NOTHING_TO_SEED,) if seeded is None else ()
    return ResetResult(
        settings.postgres.database, applied, deleted, seeded, time.monotonic() - began, notes
    )


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
        return started_context(runner, runner.start_over("postgres", timeout=inv.ready_timeout))
    ctx = started_context(runner, runner.up(timeout=inv.ready_timeout))
    database.drop_database(admin_conninfo(ctx), settings.postgres.database)
    database.ensure_database(admin_conninfo(ctx), settings.postgres.database)
    return ctx


def seed(inv: Invocation, *, progress: ProgressCallback | None = None) -> SeedReport:
    """Replace the seed data at the configured scale and seed number."""
    check_credentials(inv)
    with project_lock(inv.settings.state_dir, timeout=inv.lock_wait, on_wait=inv.notify):
        runner = runner_for(inv)
        check_switch(inv.settings, runner, notify=inv.notify)
        ctx = started_context(runner, runner.up(timeout=inv.ready_timeout))
        return seed_stack(inv.settings, ctx, progress=progress)


def destroy(inv: Invocation) -> list[str]:
    """Stop everything and delete all local data, secrets included."""
    settings = inv.settings
    with project_lock(settings.state_dir, timeout=inv.lock_wait, on_wait=inv.notify):
        runner = runner_for(inv)
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
