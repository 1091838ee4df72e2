"""Time `devenv up` cold and warm and `down`, Docker runtime next to native, in one run.

Both runtimes run the same bundled example through the real CLI in child processes
(benchmarks/up_down.py does the timing), alternating native and Docker in each round so
that both see the same machine. Images must already be in the engine: pulling is not timed.

Usage:
  DOCKER_HOST=unix:///var/run/docker.sock python benchmarks/docker_vs_native.py [--runs 3]
  python benchmarks/docker_vs_native.py --private-engine   # the test suite's dockerd and
                                                            # stand-in images (root only)
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
from collections.abc import Iterator
from pathlib import Path

from up_down import STEPS, bench_env, measure_once, summary

REPO = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def private_engine() -> Iterator[str]:
    """The test suite's private dockerd with stand-in images; stopped by pid afterwards."""
    sys.path.insert(0, str(REPO))
    from tests.docker_support.conftest_plugin import _build_config, _engine_config
    from tests.docker_support.images import ensure_standin_images
    from tests.docker_support.session import engine_session

    keep = os.environ.get("DEVENV_DOCKER_KEEP") == "1"
    with engine_session(_engine_config(), keep=keep) as engine:
        ensure_standin_images(engine, _build_config())
        yield engine.docker_host


def engine_line(docker_host: str) -> str:
    """Which engine ran the Docker side, and which images."""
    import docker

    client = docker.DockerClient(base_url=docker_host, timeout=10)
    version = client.version()
    tags = sorted(t for image in client.images.list() for t in image.tags if ":" in t)
    client.close()
    shown = ", ".join(t for t in tags if not t.startswith("devenv-standin/"))
    return f"docker: engine {version['Version']} at {docker_host}; images: {shown}"


def run(runs: int, docker_host: str) -> dict[str, dict[str, list[float]]]:
    """Alternate a native and a Docker round `runs` times."""
    times: dict[str, dict[str, list[float]]] = {
        rt: {step: [] for step in STEPS} for rt in ("native", "docker")
    }
    for _ in range(runs):
        for runtime in ("native", "docker"):
            env = bench_env(runtime)
            if runtime == "docker":
                env["DOCKER_HOST"] = docker_host
            for step, took in measure_once(env).items():
                times[runtime][step].append(took)
    return times


def report(times: dict[str, dict[str, list[float]]], runs: int) -> None:
    """One table: each step, native next to Docker, and the ratio of the medians."""
    print(f"devenv, bundled example, {runs} rounds: median (min-max) in seconds")
    print(f"  {'':9s} {'native':>18s} {'docker':>18s}  docker/native")
    for step in STEPS:
        native, docker = times["native"][step], times["docker"][step]
        ratio = statistics.median(docker) / statistics.median(native)
        print(f"  {step:9s} {summary(native):>18s} {summary(docker):>18s}  {ratio:5.1f}x")


def main() -> None:
    """Measure both runtimes in one run and print them side by side."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--private-engine", action="store_true", help="start the test suite's dockerd"
    )
    args = parser.parse_args()
    if args.private_engine:
        with private_engine() as host:
            times, line = run(args.runs, host), engine_line(host)
    else:
        host = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
        times, line = run(args.runs, host), engine_line(host)
    report(times, args.runs)
    print(line)


if __name__ == "__main__":
    main()
