"""Choose the runner for a project's runtime and list the services of its stack."""

from __future__ import annotations

from devenv.errors import DevenvError
from devenv.runners import Notify, Runner
from devenv.services import Service
from devenv.services import postgres as pg_service
from devenv.services import s3 as s3_service
from devenv.settings import Settings
from devenv.state import Secrets, load_state


def stack_services(settings: Settings) -> tuple[Service, ...]:
    """The services a project's stack is made of, in start order."""
    if not settings.supabase.enabled:
        return (s3_service.SERVICE, pg_service.SERVICE)
    from devenv.services import supabase

    return supabase.stack(settings, s3_service.SERVICE, pg_service.SERVICE)


def resolve_runtime(settings: Settings, *, notify: Notify) -> str:
    """Resolve the runtime to `native` or `docker`.

    `auto` stays where the project's data lives; a new project takes Docker when an engine
    answers, else native (and says so).
    """
    if settings.runtime != "auto":
        return settings.runtime
    previous = load_state(settings.state_dir).runtime
    if previous in ("native", "docker"):
        return previous
    from devenv import engine

    if engine.available():
        return "docker"
    notify("No Docker engine answered; using the native runtime (local processes).")
    return "native"


def select_runner(settings: Settings, secrets: Secrets, *, notify: Notify) -> Runner:
    """The runner for the resolved runtime."""
    if resolve_runtime(settings, notify=notify) == "docker":
        from devenv.runners.docker import DockerRunner

        return DockerRunner(settings, secrets, notify=notify)
    from devenv.runners.native import NativeRunner

    return NativeRunner(settings, secrets, notify=notify)


def check_switch(settings: Settings, target: Runner, *, notify: Notify) -> None:
    """Refuse to switch runtimes while the old stack runs; say plainly where its data stays."""
    state = load_state(settings.state_dir)
    previous = state.runtime
    if previous is None or previous == target.name:
        return
    if _still_running(settings, previous, state.processes):
        raise DevenvError(
            f"this project's {previous} stack is running; stop it before starting the "
            f"{target.name} runtime",
            hint=f"Run `devenv down --runtime {previous}`, "
            f"then `devenv up --runtime {target.name}`.",
        )
    where = _data_location(settings, previous)
    notify(
        f"Switching this project from the {previous} runtime to {target.name}: the {target.name} "
        f"stack has its own, separate data. Nothing was deleted; {where} are kept and "
        f"`devenv up --runtime {previous}` brings them back."
    )


def _data_location(settings: Settings, runtime: str) -> str:
    """Where a runtime keeps this project's data, in words."""
    if runtime == "native":
        return f"the native data directories under {settings.state_dir}"
    from devenv.compose import project_name

    return f"the Docker volumes of compose project {project_name(settings.name)!r}"


def other_runtime_with_data(settings: Settings, secrets: Secrets, current: Runner) -> Runner | None:
    """The runner of the other runtime if it still holds this project's data (for destroy)."""
    if current.name == "docker":
        from devenv.runners.native import NativeRunner

        state = load_state(settings.state_dir)
        dirs = [settings.state_dir / "postgres", settings.state_dir / "s3"]
        if state.processes or state.postgres_data or any(d.exists() for d in dirs):
            return NativeRunner(settings, secrets)
        return None
    from devenv import engine
    from devenv.runners.docker import DockerRunner

    if not engine.available():
        return None
    docker = DockerRunner(settings, secrets)
    return docker if docker.has_data() else None


def _still_running(settings: Settings, runtime: str, processes: object) -> bool:
    """True if the stack of the other runtime still runs."""
    if runtime == "native":
        return bool(processes)
    from devenv import engine
    from devenv.compose import project_name

    if not engine.available():
        return False
    label = f"com.docker.compose.project={project_name(settings.name)}"
    return bool(engine.connect().containers.list(filters={"label": label}))
