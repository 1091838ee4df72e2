"""Runners start and stop a stack; the native and Docker runners share one protocol."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from devenv.services import StackContext

State = Literal["running", "stopped", "crashed", "starting", "docker only"]
Notify = Callable[[str], None]


@dataclass(frozen=True)
class ServiceStatus:
    """One service: whether it runs, where, and where its data lives."""

    name: str
    state: State
    url: str
    port: int | None = None
    pid: int | None = None
    data: str = ""
    detail: str = ""


@dataclass(frozen=True)
class StartReport:
    """What a runner's `up` did."""

    statuses: tuple[ServiceStatus, ...]
    started: tuple[str, ...] = ()
    notices: tuple[str, ...] = ()
    context: StackContext | None = field(default=None, compare=False)


class Runner(Protocol):
    """Native processes or Docker containers: the rest of devenv cannot tell which."""

    name: str

    def up(self, *, timeout: float) -> StartReport:
        """Start whatever is not running and wait until everything is ready."""

    def down(self, *, only: Sequence[str] | None = None) -> list[str]:
        """Stop everything (or only the named services), keep the data; return what stopped."""

    def status(self) -> list[ServiceStatus]:
        """Say what runs where."""

    def context(self) -> StackContext:
        """Connection details of the stack as last started (ports, secrets)."""

    def read_log(self, service: str, *, lines: int) -> str:
        """The last lines of a service's log."""

    def follow_logs(self, service: str) -> Iterator[str]:
        """Yield log lines as they are written (until interrupted)."""

    def destroy(self) -> list[str]:
        """Stop everything and delete all local data; return what was removed."""
