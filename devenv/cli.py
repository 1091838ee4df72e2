"""The command line: parse options, call one core function, hand the result to `output`."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from devenv import output, views
from devenv.errors import DevenvError, Interrupted

app = typer.Typer(
    name="devenv",
    help="One command for a complete, isolated local stack on synthetic data only.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


def _version(show: bool) -> None:
    """`--version`: print devenv's version and stop."""
    if show:
        from devenv import __version__

        typer.echo(f"devenv {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """One command for a complete, isolated local stack on synthetic data only."""


ProjectOpt = Annotated[
    Path, typer.Option("--project", "-C", help="The project directory.", show_default=False)
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]
WaitOpt = Annotated[
    float,
    typer.Option("--wait", help="Seconds to wait for another devenv command on this project."),
]
RuntimeOpt = Annotated[
    str | None, typer.Option("--runtime", help="auto | native | docker", show_default=False)
]
ScaleOpt = Annotated[
    str | None, typer.Option("--scale", help="small | medium | large", show_default=False)
]
SeedOpt = Annotated[int | None, typer.Option("--seed", help="Seed number.", show_default=False)]


def _invocation(project: Path | None, overrides: dict[str, Any] | None = None, **kw: Any) -> Any:
    """Load settings (flag > DEVENV_* > file > default) and describe this invocation."""
    from devenv.invocation import Invocation
    from devenv.settings import load_settings
    from devenv.state import load_secrets

    settings = load_settings(project or Path.cwd(), environ=os.environ, overrides=overrides)
    secrets = load_secrets(settings.state_dir, create=False)
    if secrets is not None:
        output.redact.add(secrets.values())
    return Invocation(settings, dict(os.environ), Path.home(), notify=output.notice, **kw)


def _confirm(question: str, *, yes: bool) -> None:
    """Ask on a TTY; without one, --yes is required."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise DevenvError("refusing to delete data without confirmation", hint="Add --yes.")
    if not typer.confirm(question, default=False):
        raise typer.Exit(1)


@app.command()
def init(
    project: ProjectOpt = Path("."),
    example: Annotated[bool, typer.Option("--example", help="Write the clinic example.")] = False,
    supabase: Annotated[
        bool, typer.Option("--supabase", help="The clinic example with its Supabase flavour.")
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing files.")] = False,
) -> None:
    """Write a starter project (or the clinic example) here.

    Example: devenv init --example && devenv up
    """
    from devenv.project import init_project

    views.init_done(init_project(project, example=example, supabase=supabase, force=force))


@app.command()
def up(
    project: ProjectOpt = Path("."),
    runtime: RuntimeOpt = None,
    scale: ScaleOpt = None,
    seed: SeedOpt = None,
    json_out: JsonOpt = False,
    wait: WaitOpt = 60.0,
) -> None:
    """Check for cloud credentials, start the stack, migrate, seed, write .env.local.

    Example: devenv up --scale medium
    """
    from devenv.lifecycle import up as do_up

    overrides = {"runtime": runtime, "seed.scale": scale, "seed.seed": seed}
    result = do_up(_invocation(project, overrides, lock_wait=wait))
    views.up_done(result, as_json=json_out)


@app.command()
def down(
    project: ProjectOpt = Path("."),
    runtime: RuntimeOpt = None,
    json_out: JsonOpt = False,
    wait: WaitOpt = 60.0,
) -> None:
    """Stop the stack and keep the data.

    Example: devenv down
    """
    from devenv.lifecycle import down as do_down

    inv = _invocation(project, {"runtime": runtime}, lock_wait=wait)
    views.stopped(do_down(inv), as_json=json_out)


@app.command()
def status(
    project: ProjectOpt = Path("."), runtime: RuntimeOpt = None, json_out: JsonOpt = False
) -> None:
    """Say what runs where.

    Example: devenv status --json
    """
    from devenv.lifecycle import status as do_status

    views.status(do_status(_invocation(project, {"runtime": runtime})), as_json=json_out)


@app.command()
def logs(
    service: Annotated[str | None, typer.Argument(help="postgres, s3, …")] = None,
    project: ProjectOpt = Path("."),
    runtime: RuntimeOpt = None,
    follow: Annotated[
        bool, typer.Option("--follow", "-f", help="Keep printing new lines.")
    ] = False,
    lines: Annotated[int, typer.Option("--lines", "-n", help="How many lines.")] = 50,
) -> None:
    """Show the services' logs.

    Example: devenv logs postgres --follow
    """
    from devenv.inspection import follow_logs, read_logs

    inv = _invocation(project, {"runtime": runtime})
    if follow:
        views.stream(follow_logs(inv, service))
    else:
        views.logs(read_logs(inv, service, lines=lines))


@app.command()
def env(
    project: ProjectOpt = Path("."),
    runtime: RuntimeOpt = None,
    json_out: JsonOpt = False,
    wait: WaitOpt = 60.0,
) -> None:
    """Rewrite .env.local from the running stack.

    Example: devenv env
    """
    from devenv.lifecycle import write_env

    inv = _invocation(project, {"runtime": runtime}, lock_wait=wait)
    views.env_written(write_env(inv), as_json=json_out)


@app.command()
def reset(
    project: ProjectOpt = Path("."),
    runtime: RuntimeOpt = None,
    scale: ScaleOpt = None,
    seed: SeedOpt = None,
    yes: YesOpt = False,
    json_out: JsonOpt = False,
    wait: WaitOpt = 60.0,
) -> None:
    """Drop and recreate the database, migrate, empty the buckets, seed again.

    Example: devenv reset --yes
    """
    from devenv.lifecycle import reset as do_reset

    overrides = {"runtime": runtime, "seed.scale": scale, "seed.seed": seed}
    inv = _invocation(project, overrides, lock_wait=wait)
    _confirm(f"Reset database {inv.settings.postgres.database!r} and empty the buckets?", yes=yes)
    views.reset_done(do_reset(inv), as_json=json_out)


@app.command()
def destroy(
    project: ProjectOpt = Path("."),
    runtime: RuntimeOpt = None,
    yes: YesOpt = False,
    json_out: JsonOpt = False,
    wait: WaitOpt = 60.0,
) -> None:
    """Stop everything and delete all local data, secrets included.

    Example: devenv destroy --yes
    """
    from devenv.lifecycle import destroy as do_destroy

    inv = _invocation(project, {"runtime": runtime}, lock_wait=wait)
    _confirm(f"Delete all local data of {inv.settings.name!r}?", yes=yes)
    views.destroyed(do_destroy(inv), as_json=json_out)


@app.command("seed")
def seed_cmd(
    project: ProjectOpt = Path("."),
    runtime: RuntimeOpt = None,
    scale: ScaleOpt = None,
    seed: SeedOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
    json_out: JsonOpt = False,
    wait: WaitOpt = 60.0,
) -> None:
    """Replace the synthetic data (Postgres rows and S3 objects).

    Example: devenv seed --scale large --seed 7
    """
    from devenv.lifecycle import seed as do_seed

    overrides = {"runtime": runtime, "seed.scale": scale, "seed.seed": seed}
    inv = _invocation(project, overrides, lock_wait=wait)
    with views.seed_progress(enabled=not (quiet or json_out)) as progress:
        report = do_seed(inv, progress=progress)
    views.seed_done(report, as_json=json_out, quiet=quiet)


@app.command()
def check(project: ProjectOpt = Path("."), json_out: JsonOpt = False) -> None:
    """Look for real cloud credentials; exit 3 if any are found.

    Example: devenv check --json
    """
    from devenv.invocation import scan_credentials

    report = scan_credentials(_invocation(project))
    views.guard_report(report, as_json=json_out)
    if not report.clean:
        raise typer.Exit(3)


@app.command("sql")
def sql_cmd(
    query: Annotated[str, typer.Argument(help="The SQL to run.")],
    project: ProjectOpt = Path("."),
    as_user: Annotated[
        str | None,
        typer.Option(
            "--as", help="A user's email or id, or anon / service_role.", show_default=False
        ),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Run SQL on the local database, optionally as a Supabase user so that RLS applies.

    Example: devenv sql --as ada@example.com "select * from notes"
    """
    from devenv.inspection import run_sql

    views.query_result(run_sql(_invocation(project), query, as_user=as_user), as_json=json_out)


@app.command("compose")
def compose_cmd(
    project: ProjectOpt = Path("."),
    stdout: Annotated[bool, typer.Option("--stdout", help="Print the YAML instead.")] = False,
) -> None:
    """Write the project's Docker Compose stack to .devenv/compose.yaml.

    Example: devenv compose && docker compose -f .devenv/compose.yaml config
    """
    from devenv.lifecycle import compose

    views.compose_done(compose(_invocation(project), write=not stdout), stdout=stdout)


@app.command()
def doctor(project: ProjectOpt = Path("."), json_out: JsonOpt = False) -> None:
    """Check the tools and ports devenv needs.

    Example: devenv doctor
    """
    from devenv.doctor import diagnose

    report = diagnose(_invocation(project))
    views.doctor(report, as_json=json_out)
    if not all(c.ok for c in report):
        raise typer.Exit(1)


def run(argv: list[str] | None = None) -> int:
    """Run one command and return its exit code: the only place that maps errors to codes."""
    output.setup_logging(verbose=bool(os.environ.get("DEVENV_DEBUG")))
    try:
        code = app(args=argv, prog_name="devenv", standalone_mode=False)
    except DevenvError as exc:
        output.error(exc.message, exc.hint)
        return exc.exit_code
    except (KeyboardInterrupt, typer.Abort):
        return _interrupted()
    except typer.TyperException as exc:  # usage errors: unknown option, missing argument
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            output.error(exc.format_message(), "Run `devenv --help`.")
        return exc.exit_code
    if code == Interrupted.exit_code:  # typer turns KeyboardInterrupt into exit code 130
        return _interrupted()
    return code if isinstance(code, int) else 0


def _interrupted() -> int:
    """Ctrl-C: by now the command has stopped whatever it had started."""
    err = Interrupted("interrupted; whatever this command had started was stopped")
    output.error(err.message, "Run `devenv status` to see what runs.")
    return err.exit_code


def main() -> NoReturn:
    """Console entry point."""
    sys.exit(run())
