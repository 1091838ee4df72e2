"""The built wheel carries compose/, seeds/ and templates/, and works outside the repository."""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]


def test_wheel_installs_into_a_fresh_venv_and_runs_outside_the_repo(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(dist),
            str(REPO),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = dist.glob("devenv-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for folder in ("compose", "seeds", "templates"):
        shipped = {n for n in names if n.startswith(f"devenv/_data/{folder}/")}
        expected = {
            f"devenv/_data/{folder}/{p.relative_to(REPO / folder).as_posix()}"
            for p in (REPO / folder).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
        }
        assert expected, folder
        assert expected <= shipped, folder

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    outside = tmp_path / "somewhere" / "my-app"
    outside.mkdir(parents=True)
    help_text = subprocess.run(
        [str(env_dir / "bin" / "devenv"), "--help"],
        cwd=outside,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert "init" in help_text
    assert "up" in help_text
    init = subprocess.run(
        [str(python), "-m", "devenv", "init", "--example"],
        cwd=outside,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert init.returncode == 0, init.stderr
    assert (outside / "migrations" / "20250101000000_clinics_and_staff.sql").is_file()
    assert 'name = "my-app"' in (outside / "devenv.toml").read_text()
    where = subprocess.run(
        [str(python), "-c", "import devenv.resources as r; print(r.resource_dir('templates'))"],
        cwd=outside,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.strip()
    assert where.startswith(str(env_dir)), where
