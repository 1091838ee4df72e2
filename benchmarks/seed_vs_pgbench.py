"""devenv seed --scale large (clinic example) vs `pgbench -i` loading as many rows, one server.

Starts a throwaway PostgreSQL 15 (as the `postgres` OS user), then alternates, `--runs` times:
  - devenv's seed in a fresh Python process (so its peak RSS is the seeding process tree's own), and
  - `pgbench -i -s N`, with N chosen so pgbench_accounts gets as many rows as devenv loaded.
Prints each one's rows/s (best run), their ratio, devenv's time and peak RSS, and the targets.
The server is stopped by pid at the end, whatever happens.

Then it times `devenv seed --scale large` end to end through the CLI, objects included, on a
fresh copy of the example with its own native stack (`devenv up`, then `devenv destroy`): the
first large seed, seeds with a new seed number (each replaces a large seed, so as many objects
are uploaded as removed), and the same seed again (its objects already in place). For each it
prints the CPU seconds devenv, SeaweedFS and PostgreSQL used, and the least wall time that
much CPU needs on this machine's cores.

    .venv/bin/python benchmarks/seed_vs_pgbench.py [--runs 3] [--stock] [--scale large]

The server runs with the options devenv's native runtime gives PostgreSQL (SERVER_OPTIONS:
synchronous_commit=off, wal_level=minimal, ...); `--stock` runs it with PostgreSQL's defaults.
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

import psycopg
from up_down import bench_env, devenv, devenv_output, example_project

from devenv.services.postgres import CLUSTER_OPTIONS, SERVER_OPTIONS

ROOT = Path(__file__).resolve().parents[1]
PG_BIN = Path(os.environ.get("DEVENV_PG_BIN", "/usr/lib/postgresql/15/bin"))
CLINIC = ROOT / "templates" / "clinic"
DEVENV_OPTIONS = [arg for key, value in SERVER_OPTIONS for arg in ("-c", f"{key}={value}")]

CHILD = textwrap.dedent("""
    import json, resource, sys, time
    from pathlib import Path
    started = time.perf_counter()
    from devenv.seeding import run_seed
    workers = int(sys.argv[4]) if sys.argv[4] != "auto" else None
    report = run_seed(sys.argv[1], definitions_dir=Path(sys.argv[2]), scale=sys.argv[3], seed=1,
                      workers=workers)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"rows": report.rows, "seconds": report.seconds, "workers": report.workers,
                      "process_seconds": time.perf_counter() - started,
                      "rss_self_mb": own, "rss_child_mb": child, "phases": report.phases,
                      "tables": {t.name: t.rows for t in report.tables}}))
""")

# The same seed with every chunk made beforehand: what remains is planning plus the server's work
# (COPY, index builds, commit) in one transaction, the part that no generator speed can remove.
FLOOR = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    import psycopg
    from devenv.seeding import definitions, engine, run_seed, stream
    conninfo, defs, scale = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
    with psycopg.connect(conninfo) as conn:
        plan = engine._plan(conn, definitions.load(defs), seed=1, scale=scale)
    made = {t: stream.chunk_bytes(plan.tables[t[0]], t[1], t[2]) for t in stream.tasks(plan)}

    class Made(stream.ChunkStream):
        def __init__(self, plan, workers):
            self.todo = stream.tasks(plan)
        def __next__(self):
            task = next(self.todo)
            return task, made[task]
        def close(self):
            pass

    engine.ChunkStream = Made
    report = run_seed(conninfo, definitions_dir=defs, scale=scale, seed=1, workers=1)
    print(json.dumps({"rows": report.rows, "seconds": report.seconds}))
""")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """A throwaway PostgreSQL, started as the `postgres` OS user and stopped by pid."""

    def __init__(self, *, stock: bool) -> None:
        user = pwd.getpwnam("postgres")
        self.root = Path(tempfile.mkdtemp(dir="/tmp", prefix="devenv-bench-"))
        os.chown(self.root, user.pw_uid, user.pw_gid)
        self.port = free_port()
        data = self.root / "data"
        subprocess.run(
            [
                str(PG_BIN / "initdb"),
                "--no-sync",
                "-U",
                "postgres",
                "--auth=trust",
                *CLUSTER_OPTIONS,
                "-D",
                str(data),
            ],
            user="postgres",
            check=True,
            capture_output=True,
            timeout=120,
        )
        argv = [str(PG_BIN / "postgres"), "-D", str(data), "-p", str(self.port)]
        argv += ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="]
        argv += ["-c", "autovacuum=off", *([] if stock else DEVENV_OPTIONS)]
        self.log = open(self.root / "server.log", "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            argv, user="postgres", stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                psycopg.connect(self.conninfo("postgres"), connect_timeout=2).close()
                break
            except psycopg.OperationalError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    self.stop()
                    raise
                time.sleep(0.1)

    def version(self) -> str:
        """The server's version, as it reports it (e.g. 15.14)."""
        with psycopg.connect(self.conninfo("postgres")) as conn:
            row = conn.execute("SHOW server_version").fetchone()
        return str(row[0]).split()[0] if row else "?"

    def conninfo(self, dbname: str) -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={dbname}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.log.close()
        shutil.rmtree(self.root, ignore_errors=True)


def prepare(server: Server) -> None:
    with psycopg.connect(server.conninfo("postgres"), autocommit=True) as conn:
        conn.execute("CREATE DATABASE clinic")
        conn.execute("CREATE DATABASE bench")
    with psycopg.connect(server.conninfo("clinic")) as conn:
        for path in sorted((CLINIC / "migrations").glob("*.sql")):
            conn.execute(path.read_text())


def run_devenv(server: Server, scale: str, workers: str, *, script: str = CHILD) -> dict[str, Any]:
    began = time.perf_counter()
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            script,
            server.conninfo("clinic"),
            str(CLINIC / "seeds"),
            scale,
            workers,
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    result["wall_seconds"] = time.perf_counter() - began
    return result


def run_pgbench(server: Server, scale: int) -> float:
    argv = [str(PG_BIN / "pgbench"), "-i", "-q", "-s", str(scale), "-h", "127.0.0.1"]
    argv += ["-p", str(server.port), "-U", "postgres", "bench"]
    began = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True, timeout=600)
    return time.perf_counter() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scale", default="large")
    parser.add_argument("--stock", action="store_true", help="PostgreSQL's default settings")
    parser.add_argument("--workers", default="auto", help="devenv worker processes (default: auto)")
    args = parser.parse_args()
    server = Server(stock=args.stock)
    try:
        prepare(server)
        version = server.version()
        smaller = [run_devenv(server, scale, args.workers) for scale in ("small", "medium")]
        seeds, benches, floors = [], [], []
        for _ in range(args.runs):
            seeds.append(run_devenv(server, args.scale, args.workers))
            rows = int(seeds[-1]["rows"])
            pgbench_scale = max(1, round(rows / 100_000))
            benches.append(run_pgbench(server, pgbench_scale))
            floors.append(run_devenv(server, args.scale, args.workers, script=FLOOR))
    finally:
        server.stop()
    cases = through_the_cli(args.runs, args.scale)
    for name, result in zip(("small", "medium"), smaller, strict=True):
        rss = float(result["rss_self_mb"]) + float(result["rss_child_mb"])
        print(f"devenv seed --scale {name}: {int(result['rows']):,} rows in"
              f" {float(result['seconds']):.2f} s, peak RSS {rss:.0f} MB")  # fmt: skip
    report(seeds, benches, floors, pgbench_scale, stock=args.stock, version=version)
    cli_report(cases, args.scale)
    return 0


def through_the_cli(runs: int, scale: str) -> dict[str, list[dict[str, Any]]]:
    """`devenv seed` end to end, as a developer runs it, on a fresh example project's own stack.

    Three cases, each with its wall time (Python start and exit included):
      - "first": the first seed at `scale` after `devenv up` (whose small seed it replaces);
      - "new": `runs` seeds, each with a new seed number, so every object is uploaded and the
        previous seed's (as many) are removed;
      - "again": the last seed repeated, so its objects are already in place.
    """
    env = bench_env("native")
    with example_project(env) as project:

        def seed(number: int) -> dict[str, Any]:
            before = cpu_seconds(project)
            took, out = devenv_output("seed", "-C", str(project), "--scale", scale,
                                      "--seed", str(number), "--json", env=env)  # fmt: skip
            result: dict[str, Any] = json.loads(out)
            result["wall_seconds"] = took
            after = cpu_seconds(project)
            result["cpu"] = {name: after[name] - before[name] for name in after}
            return result

        devenv("up", "-C", str(project), env=env)
        first = seed(1000)
        new = [seed(1001 + run) for run in range(runs)]
        return {"first": [first], "new": new, "again": [seed(1000 + runs)]}


def cpu_seconds(project: Path) -> dict[str, float]:
    """CPU seconds used so far by devenv's commands (this script's children) and by the
    project's SeaweedFS and PostgreSQL (each with its ended children, such as backends)."""
    own = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = {"devenv": own.ru_utime + own.ru_stime}
    state = json.loads((project / ".devenv" / "state.json").read_text())
    tick = os.sysconf("SC_CLK_TCK")
    for service, label in (("s3", "SeaweedFS"), ("postgres", "PostgreSQL")):
        pid = state["processes"][service]["pid"]
        family = [str(pid), *subprocess.run(["pgrep", "-P", str(pid)], capture_output=True,
                                            text=True, check=False).stdout.split()]  # fmt: skip
        total = 0
        for member in family:
            try:
                fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # ended meanwhile: counted in its parent's children
                continue
            total += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
        used[label] = total / tick
    return used


def noted(result: dict[str, Any], pattern: str) -> int:
    """The number a seed's notes give for `pattern` (e.g. objects removed), 0 when absent."""
    found = (re.search(pattern, note) for note in result["notes"])
    return sum(int(m.group(1)) for m in found if m)


def cli_report(cases: dict[str, list[dict[str, Any]]], scale: str) -> None:
    def per_million(result: dict[str, Any]) -> float:
        return float(result["wall_seconds"]) * 1_000_000 / int(result["rows"])

    labels = {
        "first": f"first {scale} seed after `devenv up`",
        "new": f"new seed number, replacing a {scale} seed",
        "again": "the same seed again",
    }
    lines = [f"end to end, `devenv seed --scale {scale} --seed N` on the example's own stack:"]
    for case, results in cases.items():
        best = min(results, key=lambda r: float(r["wall_seconds"]))
        kept = noted(best, r"(\d+) objects were already in place")
        gone = noted(best, r"removed (\d+) objects")
        runs = ", ".join(f"{float(r['wall_seconds']):.2f}s" for r in results)
        lines += [
            f"  {labels[case]}, best of {len(results)}: {float(best['wall_seconds']):.2f} s ="
            f" {per_million(best):.2f} s per 1M rows (target < 5 s:"
            f" {verdict(per_million(best) < 5)}); runs: {runs}",
            f"    {int(best['rows']):,} rows; objects: {int(best['objects']) - kept:,} uploaded,"
            f" {kept:,} already in place, {gone:,} of the previous seed removed",
            f"    CPU: {cpu_line(best['cpu'])}",
        ]
    print("\n".join(lines))


def cpu_line(cpu: dict[str, float]) -> str:
    """Each process's CPU seconds, their sum, and the least wall time the machine's cores allow."""
    total, cores = sum(cpu.values()), os.cpu_count() or 1
    parts = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in cpu.items())
    least = total / cores
    return f"{parts}; {total:.2f} CPU-s on {cores} cores: at least {least:.2f} s of wall time"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def report(
    seeds: list[dict[str, Any]],
    benches: list[float],
    floors: list[dict[str, Any]],
    scale: int,
    *,
    stock: bool,
    version: str,
) -> None:
    best = min(seeds, key=lambda r: float(r["seconds"]))
    rows, seconds = int(best["rows"]), float(best["seconds"])
    bench_rows = 100_000 * scale + 11 * scale
    bench_seconds = min(benches)
    ours, theirs = rows / seconds, bench_rows / bench_seconds
    floor_seconds = min(float(r["seconds"]) for r in floors)
    rss = max(float(r["rss_self_mb"]) + float(r["rss_child_mb"]) for r in seeds)
    one_million = seconds * 1_000_000 / rows
    settings = "default settings" if stock else "devenv's native settings"
    seed_runs = ", ".join(f"{float(r['seconds']):.2f}s" for r in seeds)
    bench_runs = ", ".join(f"{b:.2f}s" for b in benches)
    phases = ", ".join(f"{name} {secs:.2f}s" for name, secs in best["phases"])
    lines = [
        f"server: PostgreSQL {version} ({PG_BIN}), {settings}, the same server for both",
        f"devenv seed --scale large (clinic), best of {len(seeds)}: {rows:,} rows"
        f" in {seconds:.2f} s = {ours:,.0f} rows/s",
        f"  process incl. Python start and imports: {float(best['wall_seconds']):.2f} s;"
        f" workers {best['workers']}; runs: {seed_runs}",
        f"  phases: {phases}",
        f"pgbench -i -s {scale}, best of {len(benches)}: {bench_rows:,} rows"
        f" in {bench_seconds:.2f} s = {theirs:,.0f} rows/s; runs: {bench_runs}",
        f"ratio devenv/pgbench: {ours / theirs:.2f}"
        f" (target >= 0.33: {verdict(ours / theirs >= 1 / 3)})",
        f"  floor, the same load with every chunk made beforehand (plan, COPY, keys, commit),"
        f" best of {len(floors)}: {floor_seconds:.2f} s = {rows / floor_seconds:,.0f} rows/s;"
        f" the most any generator could reach is ratio {rows / floor_seconds / theirs:.2f}",
        f"time for 1M rows: {one_million:.2f} s (target < 5 s: {verdict(one_million < 5)})",
        f"peak RSS, seeding process tree (RUSAGE_SELF + RUSAGE_CHILDREN maxrss): {rss:.0f} MB"
        f" (target <= 300 MB: {verdict(rss <= 300)})",
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
