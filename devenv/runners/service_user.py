"""PostgreSQL refuses to run as root: when devenv is root, servers run as an unprivileged user."""

from __future__ import annotations

import hashlib
import os
import pwd
import stat
from pathlib import Path

from devenv.errors import ToolMissing
from devenv.procs import RunAs, run

SERVICE_USER = "devenv"
ROOT_DATA_HOME = Path("/var/lib/devenv")


def service_user() -> RunAs | None:
    """None when not root; else the `devenv` system user, created on first use."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(SERVICE_USER)
    except KeyError:
        run(
            [
                "useradd",
                "--system",
                "--no-create-home",
                "--home-dir",
                "/nonexistent",
                "--shell",
                "/usr/sbin/nologin",
                SERVICE_USER,
            ],
            timeout=30,
        )
        entry = pwd.getpwnam(SERVICE_USER)
    return RunAs(SERVICE_USER, entry.pw_uid, entry.pw_gid)


def reachable(path: Path, user: RunAs) -> bool:
    """True if `user` may traverse every directory above `path` (judged by 'other' bits)."""
    for parent in reversed(path.resolve().parents):
        info = parent.stat()
        if info.st_uid == user.uid:
            continue
        if not info.st_mode & stat.S_IXOTH:
            return False
    return True


def postgres_data_dir(preferred: Path, project_dir: Path, user: RunAs | None) -> Path:
    """The project's data dir, or a root-owned home for it when the project is unreachable."""
    if user is None or reachable(preferred.parent, user):
        return preferred
    digest = hashlib.sha256(str(project_dir.resolve()).encode()).hexdigest()[:12]
    return ROOT_DATA_HOME / f"{project_dir.name}-{digest}" / "postgres"


def check_executable(bin_dir: Path, user: RunAs | None) -> None:
    """Make sure the unprivileged user can run the binaries (a root-only venv would not do)."""
    if user is None or reachable(bin_dir / "postgres", user):
        return
    raise ToolMissing(
        f"the PostgreSQL binaries in {bin_dir} are not reachable by the unprivileged user "
        f"'{SERVICE_USER}' that runs PostgreSQL when devenv runs as root",
        hint="Install devenv into a virtualenv outside /root, or install PostgreSQL system-wide.",
    )


def hand_over(path: Path, user: RunAs | None) -> None:
    """Give a directory tree to the service user."""
    if user is None:
        return
    os.chown(path, user.uid, user.gid)
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            os.chown(os.path.join(root, name), user.uid, user.gid, follow_symlinks=False)
