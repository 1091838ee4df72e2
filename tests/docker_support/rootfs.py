"""Debian root filesystems for the stand-in images, built once and cached.

`debootstrap --variant=minbase` runs once into the cache dir (the "base"
recipe); a derived recipe starts from a copy of its parent and runs its
script from images/rootfs/ in a chroot. A stamp file holds the hash of the
recipe chain, so editing a recipe script rebuilds that rootfs and its children.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.docker_support.engine import EngineError

IMAGES_DIR = Path(__file__).resolve().parent / "images"


class StandinBuildError(EngineError):
    """A step of building a stand-in image failed."""


@dataclass(frozen=True)
class RootfsRecipe:
    """A Debian rootfs: debootstrapped (no parent) or a parent's copy plus a script."""

    name: str
    parent: str | None
    script: str
    include: tuple[str, ...] = ()


RECIPES = {
    "base": RootfsRecipe("base", None, "base.sh", include=("curl", "nginx-light")),
    "postgresql-15": RootfsRecipe("postgresql-15", "base", "postgresql-15.sh"),
}


def run_command(argv: list[str], *, timeout: float, env: dict[str, str] | None = None) -> None:
    """Run a command; on failure raise with the command and its output's tail."""
    try:
        proc = subprocess.run(
            argv, capture_output=True, text=True, errors="replace", timeout=timeout, env=env
        )
    except subprocess.TimeoutExpired as exc:
        raise StandinBuildError(f"{argv[0]} timed out after {timeout:.0f} s: {argv}") from exc
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-30:])
        raise StandinBuildError(
            f"{' '.join(argv)} exited with {proc.returncode}:\n{tail}",
            "see the output above; debootstrap needs the Debian mirror (DEVENV_DEBIAN_MIRROR)",
        )


def content_hash(*parts: str | bytes) -> str:
    """sha256 over the parts, each one terminated so that boundaries count."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()


def recipe_hash(name: str, suite: str) -> str:
    """Hash of a rootfs recipe and all its parents' recipes."""
    recipe = RECIPES[name]
    script = (IMAGES_DIR / "rootfs" / recipe.script).read_bytes()
    parent = recipe_hash(recipe.parent, suite) if recipe.parent else suite
    return content_hash(name, parent, ",".join(recipe.include), script)


def _unmount_below(path: Path) -> None:
    """Unmount anything a failed debootstrap left mounted inside path."""
    prefix = str(path.resolve())
    mounts = [line.split()[1] for line in Path("/proc/mounts").read_text().splitlines()]
    for mount in sorted((m for m in mounts if m.startswith(prefix + "/")), reverse=True):
        subprocess.run(["umount", "-l", mount], check=False, timeout=30)


def _remove_tree(path: Path) -> None:
    if path.exists():
        _unmount_below(path)
        shutil.rmtree(path)


@dataclass(frozen=True)
class RootfsOptions:
    """Where rootfs trees are cached and how they are fetched."""

    cache_dir: Path
    mirror: str
    suite: str
    timeout: float


def ensure_rootfs(name: str, options: RootfsOptions, steps: dict[str, float]) -> Path:
    """The rootfs directory for a recipe, built once and kept in the cache dir.

    Records the seconds each build took in steps["rootfs NAME"].
    """
    recipe = RECIPES[name]
    root = options.cache_dir / "rootfs"
    target, stamp = root / name, root / f"{name}.hash"
    wanted = recipe_hash(name, options.suite)
    if target.is_dir() and stamp.is_file() and stamp.read_text() == wanted:
        return target
    parent = ensure_rootfs(recipe.parent, options, steps) if recipe.parent else None
    started = time.monotonic()
    work = root / f"{name}.tmp"
    _remove_tree(work)
    _remove_tree(target)
    root.mkdir(parents=True, exist_ok=True)
    timeout = options.timeout
    try:
        if parent is None:
            if shutil.which("debootstrap") is None:
                raise StandinBuildError(
                    "debootstrap is not on PATH.", "run tests/docker_support/install.sh"
                )
            include = [f"--include={','.join(recipe.include)}"] if recipe.include else []
            argv = ["debootstrap", "--variant=minbase", *include, options.suite, str(work)]
            run_command([*argv, options.mirror], timeout=timeout)
        else:
            run_command(["cp", "-a", str(parent), str(work)], timeout=timeout)
        shutil.copy(IMAGES_DIR / "rootfs" / recipe.script, work / "tmp" / "recipe.sh")
        run_command(["chroot", str(work), "/bin/sh", "-eu", "/tmp/recipe.sh"], timeout=timeout)
        (work / "tmp" / "recipe.sh").unlink()
    except BaseException:
        _remove_tree(work)
        raise
    work.rename(target)
    stamp.write_text(wanted)
    steps[f"rootfs {name}"] = time.monotonic() - started
    return target
