"""The credential guard: devenv refuses to run wherever real cloud credentials are present.

`scan(environ, home, project_dir)` looks at the process environment, the project's env files,
the cloud CLIs' files under `home` and the files variables name. Findings say where and what,
with a redacted fingerprint; they never carry a value. `ensure_clean` turns findings into
`CredentialsFound`; `[guard] allow = ["<fingerprint>"]` acknowledges one.
"""

from __future__ import annotations

from devenv.guard.envscan import scan_env_text
from devenv.guard.local import is_local_host, require_local
from devenv.guard.model import Finding, GuardReport
from devenv.guard.report import ensure_clean
from devenv.guard.scanner import scan

__all__ = [
    "Finding",
    "GuardReport",
    "ensure_clean",
    "is_local_host",
    "require_local",
    "scan",
    "scan_env_text",
]
