"""Time `devenv up` cold (init, migrations, small seed), `up` warm (data exists) and `down`.

Runs the real CLI in child processes, like a developer would, and prints medians.
Usage: python benchmarks/up_down.py [--runs 5] [--runtime native|docker]
Targets on a 2-core machine: warm up <= 2 s, cold up <= 8 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def devenv(*args: str, env: dict[str, str]) -> float:
    """Run one devenv command and return its wall time; fail loudly on error."""
    return devenv_output(*args, env=env)[0]


def devenv_output(*args: str, env: dict[str, str]) -> tuple[float, str]:
    """Run one devenv command; return its wall time and standard output. Fail loudly on error."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "devenv", *args], env=env, capture_output=True, text=True
    )
    took = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"devenv {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return took, done.stdout


STEPS = ("up cold", "up warm", "down", "up no-op")
TARGETS = {"up cold": 8.0, "up warm": 2.0}


def bench_env(runtime: str) -> dict[str, str]:
    """This process's environment without cloud or devenv settings, one runtime forced."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DEVENV_"))}
    env["DEVENV_RUNTIME"] = runtime
    return env


def measure(runs: int, runtime: str) -> dict[str, list[float]]:
    """Cold up, no-op up, down and warm up, once per fresh project, `runs` times."""
    times: dict[str, list[float]] = {step: [] for step in STEPS}
    for _ in range(runs):
        for step, took in measure_once(bench_env(runtime)).items():
            times[step].append(took)
    return times


def measure_once(env: dict[str, str]) -> dict[str, float]:
    """One fresh example project: up (cold), up (no-op), down, up (warm), then destroy."""
    took: dict[str, float] = {}
    with example_project(env) as project:
        took["up cold"] = devenv("up", "-C", str(project), env=env)
        took["up no-op"] = devenv("up", "-C", str(project), env=env)
        took["down"] = devenv("down", "-C", str(project), env=env)
        took["up warm"] = devenv("up", "-C", str(project), env=env)
    return took


@contextmanager
def example_project(env: dict[str, str]) -> Iterator[Path]:
    """A fresh copy of the example in a temporary folder; destroyed (stack and files) after."""
    project = Path(tempfile.mkdtemp(prefix="devenv-bench-", dir="/tmp"))
    project.chmod(0o755)
    try:
        devenv("init", "--example", "-C", str(project), env=env)
        try:
            yield project
        finally:
            devenv("destroy", "--yes", "-C", str(project), env=env)
    finally:
        shutil.rmtree(project, ignore_errors=True)


def summary(values: list[float]) -> str:
    """Median with min and max."""
    return f"{statistics.median(values):5.2f} ({min(values):.2f}-{max(values):.2f})"


def main() -> None:
    """Print medians next to the targets."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--runtime", default="native", choices=["native", "docker"])
    args = parser.parse_args()
    times = measure(args.runs, args.runtime)
    print(f"runtime {args.runtime}, {args.runs} runs, median (min-max) in seconds:")
    for name, values in times.items():
        target = TARGETS.get(name)
        met = target is not None and statistics.median(values) <= target
        verdict = (
            "" if target is None else f"  target <= {target:.0f} s: {'met' if met else 'MISSED'}"
        )
        print(f"  {name:9s} {summary(values)}{verdict}")


if __name__ == "__main__":
    main()
