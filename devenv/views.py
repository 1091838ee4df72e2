"""How each command's result is shown: a table for people, or JSON with --json."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devenv import output

if TYPE_CHECKING:
    from devenv.doctor import Check
    from devenv.guard import Finding, GuardReport
    from devenv.lifecycle import ComposeResult, ResetResult, UpResult
    from devenv.project import InitResult
    from devenv.rls import QueryResult
    from devenv.runners import ServiceStatus
    from devenv.seeding import SeedReport

_STATE_STYLE = {"running": "green", "stopped": "dim", "crashed": "red", "docker only": "dim"}


def init_done(result: InitResult) -> None:
    """List the files written and the next command."""
    output.line(f"Wrote the {result.template} project into {result.project_dir}:")
    for path in result.written:
        output.line(f"  {path.relative_to(result.project_dir)}")
    output.line("Next: devenv up")


def status(statuses: Sequence[ServiceStatus], *, as_json: bool) -> None:
    """The services table: name, state, URL, pid, data location."""
    if as_json:
        output.emit_json({"services": list(statuses)})
        return
    _services_table(statuses)


def _services_table(statuses: Sequence[ServiceStatus]) -> None:
    """Render services as a table."""
    rows = []
    for s in statuses:
        style = _STATE_STYLE.get(s.state, "")
        state = output.styled(s.state, style)
        rows.append([s.name, state, s.url, str(s.pid or ""), s.data, s.detail])
    output.table("", ["service", "state", "url", "pid", "data", "note"], rows, whole=["url"])


def up_done(result: UpResult, *, as_json: bool) -> None:
    """What `up` did, then the services table."""
    if as_json:
        output.emit_json(result)
        return
    for note in result.notices:
        output.notice(note)
    if result.started:
        output.line(f"Started {', '.join(result.started)} ({result.runtime}).")
    else:
        output.line(f"Everything was already running ({result.runtime}).")
    if result.database_created:
        output.line(f"Created database {_db_name(result)}.")
    if result.migrations_applied:
        output.line(f"Applied {len(result.migrations_applied)} migration(s).")
    if result.buckets_created:
        output.line(f"Created bucket(s): {', '.join(result.buckets_created)}.")
    if result.seed is not None:
        _seed_summary(result.seed)
    _services_table(result.services)
    output.line(f"Wrote {result.env_file} in {result.seconds:.1f} s.")


def _db_name(result: UpResult) -> str:
    """The database name from the postgres URL."""
    for s in result.services:
        if s.name == "postgres":
            return s.url.rsplit("/", 1)[-1]
    return ""


def stopped(names: Sequence[str], *, as_json: bool) -> None:
    """What `down` stopped."""
    if as_json:
        output.emit_json({"stopped": list(names)})
    elif names:
        output.line(f"Stopped {', '.join(names)}. The data is kept; `devenv up` starts it again.")
    else:
        output.line("Nothing was running.")


def logs(chunks: dict[str, str]) -> None:
    """Each service's log tail under a heading."""
    for name, text in chunks.items():
        if len(chunks) > 1:
            output.rich_line(f"[bold]== {name} ==[/]")
        output.line(text or "(no log yet)")


def stream(lines: Iterator[str]) -> None:
    """Print lines as they come, until Ctrl-C."""
    try:
        for text in lines:
            output.line(text)
    except KeyboardInterrupt:
        return


def env_written(path: Path, *, as_json: bool) -> None:
    """Where .env.local was written."""
    if as_json:
        output.emit_json({"env_file": path})
    else:
        output.line(f"Wrote {path}")


def reset_done(result: ResetResult, *, as_json: bool) -> None:
    """What `reset` rebuilt."""
    if as_json:
        output.emit_json(result)
        return
    output.line(
        f"Reset {result.database}: {len(result.migrations_applied)} migration(s), "
        f"{result.objects_deleted} object(s) removed, in {result.seconds:.1f} s."
    )
    if result.seed is not None:
        _seed_summary(result.seed)
    for note in result.notes:
        output.notice(note)


def destroyed(paths: Sequence[str], *, as_json: bool) -> None:
    """What `destroy` deleted."""
    if as_json:
        output.emit_json({"removed": list(paths)})
        return
    for path in paths:
        output.line(f"Removed {path}")


@contextmanager
def seed_progress(*, enabled: bool) -> Iterator[Callable[[str, int, int], None] | None]:
    """A progress bar per table with rows/s, on a TTY only."""
    if not enabled or not output.err_console().is_terminal:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    rate = TextColumn("{task.fields[rate]}")
    with Progress(*columns, rate, console=output.err_console(), transient=False) as bars:
        tasks: dict[str, tuple[Any, float]] = {}  # table -> (task, when its load began)
        last = [time.monotonic()]  # a table's load begins when the previous update was made

        def update(table: str, done: int, total: int) -> None:
            now = time.monotonic()
            if table not in tasks:
                tasks[table] = (bars.add_task(table, total=total, rate=""), last[0])
            task, began = tasks[table]
            speed = done / max(now - began, 1e-3)
            bars.update(task, completed=done, rate=f"{speed:,.0f} rows/s")
            last[0] = now

        yield update


def seed_done(report: SeedReport, *, as_json: bool, quiet: bool) -> None:
    """Rows per table and the totals."""
    if as_json:
        totals = {"rows": report.rows, "rows_per_second": round(report.rows_per_second)}
        output.emit_json({**output.to_jsonable(report), **totals})
    elif not quiet:
        _seed_summary(report)


def _seed_summary(report: SeedReport) -> None:
    """The totals, then the seed's notes (objects kept or removed, CHECKs not understood)."""
    total = sum(t.rows for t in report.tables)
    rate = total / report.seconds if report.seconds else 0
    output.line(
        f"Seeded {total:,} rows in {len(report.tables)} tables and {report.objects:,} objects "
        f"(scale {report.scale}, seed {report.seed}) in {report.seconds:.2f} s "
        f"({rate:,.0f} rows/s)."
    )
    for note in report.notes:
        output.notice(note)


def guard_report(report: GuardReport, *, as_json: bool) -> None:
    """The guard's findings, never the values."""
    if as_json:
        output.emit_json({"clean": report.clean, **output.to_jsonable(report)})
        return
    _acknowledged(report.acknowledged)
    if report.clean:
        output.line(f"No cloud credentials found. Checked: {', '.join(report.checked)}.")
        return
    rows = [[f.source, f.provider, f.kind, f.fingerprint, f.fix] for f in report.findings]
    output.table(
        "Real cloud credentials found", ["source", "provider", "kind", "fingerprint", "fix"], rows
    )
    output.line(
        "devenv refuses to run while these are present. A false alarm can be acknowledged "
        'in devenv.toml: [guard] allow = ["<fingerprint>"]'
    )


def _acknowledged(findings: Sequence[Finding]) -> None:
    """Every run lists the findings the project acknowledged."""
    for f in findings:
        output.notice(
            f"Acknowledged in devenv.toml: {f.fingerprint} ({f.provider} {f.kind} at {f.source})"
        )


def query_result(result: QueryResult, *, as_json: bool) -> None:
    """Rows as a table (or JSON objects), then the command status."""
    if as_json:
        rows = [dict(zip(result.columns, row, strict=True)) for row in result.rows]
        output.emit_json({"columns": list(result.columns), "rows": rows, "status": result.status})
        return
    if result.columns:
        output.table("", list(result.columns), [[_cell(v) for v in row] for row in result.rows])
    output.line(f"({result.status})")


def _cell(value: object) -> str:
    """How one value shows in a table."""
    if value is None:
        return "NULL"
    if isinstance(value, dict | list):
        return json.dumps(value, default=str)
    return str(value)


def compose_done(result: ComposeResult, *, stdout: bool) -> None:
    """The YAML, or where it was written and how to use it by hand."""
    if stdout or result.path is None:
        output.line(result.yaml.rstrip())
        return
    output.line(f"Wrote {result.path}")
    output.line(f"Run it yourself: docker compose -f {result.path} up -d")


def doctor(checks: Sequence[Check], *, as_json: bool) -> None:
    """One line per check, with a hint for each failure."""
    if as_json:
        output.emit_json({"ok": all(c.ok for c in checks), "checks": list(checks)})
        return
    rows = [
        [
            c.name,
            output.styled("ok", "green") if c.ok else output.styled("problem", "red"),
            c.detail,
            c.hint,
        ]
        for c in checks
    ]
    output.table("", ["check", "result", "detail", "hint"], rows)
