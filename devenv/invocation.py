"""One devenv invocation: its settings, the environment the guard sees, and its runner."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from devenv.errors import ConfigError
from devenv.guard import GuardReport, ensure_clean, scan
from devenv.guard.report import describe
from devenv.runners import Notify, Runner, StartReport
from devenv.runners.select import select_runner, stack_services
from devenv.services import StackContext
from devenv.settings import Settings
from devenv.state import load_secrets

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


def scan_credentials(inv: Invocation) -> GuardReport:
    """The guard's full report, clean or not (for `devenv check`)."""
    return scan(inv.environ, inv.home, inv.settings.project_dir, allow=inv.settings.guard.allow)


def check_credentials(inv: Invocation) -> GuardReport:
    """Run the guard; raise CredentialsFound (exit 3) when it finds anything."""
    report = scan_credentials(inv)
    ensure_clean(report)
    for finding in report.acknowledged:  # every run lists what the project acknowledged
        inv.notify(f"Acknowledged in devenv.toml: {describe(finding)}")
    return report


def runner_for(inv: Invocation) -> Runner:
    """The runner for this project's runtime, with the project's secrets."""
    secrets = load_secrets(inv.settings.state_dir)
    assert secrets is not None
    return select_runner(inv.settings, secrets, notify=inv.notify)


def started_context(runner: Runner, start: StartReport) -> StackContext:
    """The connection details of a started stack."""
    return start.context if start.context is not None else runner.context()


def service_names(inv: Invocation, service: str | None) -> list[str]:
    """All of the stack's service names, or the one given, checked."""
    names = [s.name for s in stack_services(inv.settings)]
    if service is None:
        return names
    if service not in names:
        raise ConfigError(
            f"no service named {service!r}", hint=f"Choose one of: {', '.join(names)}."
        )
    return [service]
