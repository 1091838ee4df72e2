"""Looking into a running stack: SQL (optionally as a Supabase user) and service logs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import psycopg

from devenv.errors import CommandFailed, ServiceNotReady
from devenv.guard import require_local
from devenv.invocation import Invocation, runner_for, service_names
from devenv.services.postgres import database_url

if TYPE_CHECKING:
    from devenv.rls import QueryResult


def run_sql(inv: Invocation, query: str, *, as_user: str | None = None) -> QueryResult:
    """Run SQL on the local database, optionally as a Supabase user (RLS applies)."""
    from devenv.rls import query_as

    url = database_url(runner_for(inv).context())
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


def read_logs(inv: Invocation, service: str | None, *, lines: int) -> dict[str, str]:
    """The last lines of one service's log, or of every service's."""
    runner = runner_for(inv)
    return {name: runner.read_log(name, lines=lines) for name in service_names(inv, service)}


def follow_logs(inv: Invocation, service: str | None) -> Iterator[str]:
    """New log lines of one service (or the first one) as they come."""
    return runner_for(inv).follow_logs(service_names(inv, service)[0])
