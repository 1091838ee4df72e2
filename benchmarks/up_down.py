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
from pathlib import Path


def devenv(*args: str, env: dict[str, str]) -> float:
    """Run one devenv command and return its wall time; fail loudly on error."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "devenv", *args], env=env, capture_output=True, text=True)
    took = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"devenv {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return took


def measure(runs: int, runtime: str) -> dict[str, list[float]]:
    """Cold up, then (down, warm up) pairs, in fresh projects."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DEVENV_"))}
    env["DEVENV_RUNTIME"] = runtime
    times: dict[str, list[float]] = {"up cold": [], "up warm": [], "down": [], "up no-op": []}
    for _ in range(runs):
        project = Path(tempfile.mkdtemp(prefix="devenv-bench-", dir="/tmp"))
        project.chmod(0o755)
        try:
            devenv("init", "--example", "-C", str(project), env=env)
            times["up cold"].append(devenv("up", "-C", str(project), env=env))
            times["up no-op"].append(devenv("up", "-C", str(project), env=env))
            times["down"].append(devenv("down", "-C", str(project), env=env))
            times["up warm"].append(devenv("up", "-C", str(project), env=env))
            devenv("destroy", "--yes", "-C", str(project), env=env)
        finally:
            shutil.rmtree(project, ignore_errors=True)
    return times


def main() -> None:
    """Print medians next to the targets."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--runtime", default="native", choices=["native", "docker"])
    args = parser.parse_args()
    times = measure(args.runs, args.runtime)
    targets = {"up cold": 8.0, "up warm": 2.0}
    print(f"runtime {args.runtime}, {args.runs} runs, medians:")
    for name, values in times.items():
        median = statistics.median(values)
        target = targets.get(name)
        verdict = "" if target is None else f"  target <= {target:.0f} s: {'met' if median <= target else 'MISSED'}"
        print(f"  {name:9s} {median:6.2f} s  (min {min(values):.2f}, max {max(values):.2f}){verdict}")


if __name__ == "__main__":
    main()
