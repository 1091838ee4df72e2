"""Choose the runner for a project's runtime and list the services of its stack."""

from __future__ import annotations

from devenv.runners import Notify, Runner
from devenv.services import Service
from devenv.services import postgres as pg_service
from devenv.services import s3 as s3_service
from devenv.settings import Settings
from devenv.state import Secrets


def stack_services(settings: Settings) -> tuple[Service, ...]:
    """The services a project's stack is made of, in start order."""
    return (s3_service.SERVICE, pg_service.SERVICE)


def select_runner(settings: Settings, secrets: Secrets, *, notify: Notify) -> Runner:
    """`native` and `auto` run local processes; `docker` comes with the Docker runtime."""
    from devenv.runners.native import NativeRunner

    return NativeRunner(settings, secrets, notify=notify)
