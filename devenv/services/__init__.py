"""The services of a stack, one module each, behind one small interface."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from devenv.probes import Probe
from devenv.settings import Settings
from devenv.state import Secrets

HOST = "127.0.0.1"


@dataclass(frozen=True)
class StackContext:
    """What every service builder needs: settings, secrets and the chosen host ports."""

    settings: Settings
    secrets: Secrets
    ports: Mapping[str, int]

    def port(self, key: str) -> int:
        """The host port chosen for `key` (e.g. 'postgres', 's3', 's3.master')."""
        return self.ports[key]


@dataclass(frozen=True)
class NativeLayout:
    """Where a native service keeps its data and finds its programs."""

    data_dir: Path
    bin_dir: Path | None = None


@dataclass(frozen=True)
class NativeCommand:
    """How to run a service as a local process."""

    argv: tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=dict)
    unprivileged: bool = False  # the program refuses to run as root
    stop_signal: int = 15
    # Unix sockets the program makes outside devenv's directories and removes only when it
    # exits cleanly; devenv deletes the ones nothing listens on once the process is gone.
    leftovers: tuple[str, ...] = ()


class Service(Protocol):
    """The interface every service module implements."""

    @property
    def name(self) -> str:
        """The service's name in commands, status and compose."""

    @property
    def runs_natively(self) -> bool:
        """False when the service exists only in the Docker runtime."""

    def port_keys(self, settings: Settings, *, native: bool) -> dict[str, int]:
        """Preferred host ports by key in one runtime; 0 means 'any free port' (internal)."""

    def compose_fragment(self, ctx: StackContext) -> dict[str, Any]:
        """The service's part of the compose stack, as data."""

    def native_command(self, ctx: StackContext, layout: NativeLayout) -> NativeCommand | None:
        """The local process that runs this service, or None if it has none."""

    def probe(self, ctx: StackContext) -> Probe:
        """How to tell the service is ready, from the host."""

    def environment(self, ctx: StackContext) -> dict[str, str]:
        """The connection variables this service contributes to .env.local."""

    def url(self, ctx: StackContext) -> str:
        """Where a developer reaches the service (secrets left out)."""
