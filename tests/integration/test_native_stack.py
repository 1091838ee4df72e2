"""`devenv up` on the embedded default, end to end, against real PostgreSQL and SeaweedFS."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from botocore.exceptions import ClientError

from devenv.lock import project_lock
from devenv.state import load_state
from tests.helpers import devenv, devenv_process, env_local, project_directory, psql, s3_from

pytestmark = pytest.mark.integration


def up_example(capsys: pytest.CaptureFixture[str], project: Path, *extra: str) -> str:
    """init --example, then up; return what up printed."""
    assert devenv(capsys, "init", "--example", "-C", str(project)).code == 0
    result = devenv(capsys, "up", "-C", str(project), *extra)
    assert result.code == 0, result.err
    return result.out


def test_up_gives_a_seeded_stack_that_real_clients_use(
    capsys: pytest.CaptureFixture[str], project: Path
) -> None:
    out = up_example(capsys, project)
    assert "postgres" in out
    assert "s3" in out
    assert "running" in out
    env = env_local(project)
    assert env["DEVENV_ENVIRONMENT"] == "local"
    assert env["S3_BUCKET_NAME"] == "local-documents"
    for key in ("DATABASE_URL", "S3_ENDPOINT_URL"):
        assert "@127.0.0.1:" in env[key] or "//127.0.0.1:" in env[key]
    assert int(psql(env["DATABASE_URL"], "select count(*) from patients")) > 0
    assert int(psql(env["DATABASE_URL"], "select count(*) from devenv.schema_migrations")) == 3

    s3 = s3_from(env)
    s3.put_object(
        Bucket=env["S3_BUCKET_NAME"],
        Key="notes/hello.txt",
        Body=b"hello",
        Metadata={"kind": "test"},
    )
    got = s3.get_object(Bucket=env["S3_BUCKET_NAME"], Key="notes/hello.txt")
    assert got["Body"].read() == b"hello"
    assert got["Metadata"] == {"kind": "test"}
    with pytest.raises(ClientError):
        s3_from(env, secret="devenv-" + "0" * 40).list_objects_v2(Bucket=env["S3_BUCKET_NAME"])

    status = devenv(capsys, "status", "--json", "-C", str(project))
    services = {s["name"]: s for s in json.loads(status.out)["services"]}
    assert {s["state"] for s in services.values()} == {"running"}
    assert (
        env["DATABASE_URL"].split("@")[1].startswith(f"127.0.0.1:{services['postgres']['port']}/")
    )
    assert env["DATABASE_URL"].split(":")[2].split("@")[0] not in status.out  # password never shown


def test_second_up_is_a_fast_no_op_with_the_same_table(
    capsys: pytest.CaptureFixture[str], project: Path
) -> None:
    first = up_example(capsys, project)
    pids = {n: r.pid for n, r in load_state(project / ".devenv").processes.items()}
    started = time.monotonic()
    second = devenv(capsys, "up", "-C", str(project))
    assert second.code == 0
    assert time.monotonic() - started < 2.0
    assert "Everything was already running" in second.out
    assert {n: r.pid for n, r in load_state(project / ".devenv").processes.items()} == pids
    table = [line for line in first.splitlines() if line.startswith(("postgres", "s3"))]
    assert table
    assert all(line in second.out for line in table)


def _listening(pids: set[int]) -> list[str]:
    """Addresses of TCP sockets in LISTEN state owned by the given processes."""
    inodes: dict[str, int] = {}
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes[target[8:-1]] = pid
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for row in Path(table).read_text().splitlines()[1:]:
            cols = row.split()
            if cols[3] == "0A" and cols[9] in inodes:  # 0A = LISTEN
                found.append(cols[1])
    return found


def test_nothing_listens_beyond_loopback(capsys: pytest.CaptureFixture[str], project: Path) -> None:
    up_example(capsys, project)
    pids = {r.pid for r in load_state(project / ".devenv").processes.values()}
    addresses = _listening(pids)
    assert len(addresses) >= 8  # postgres + weed's S3, master, volume, filer, admin, gRPC...
    loopback = "0100007F"  # 127.0.0.1 in /proc/net/tcp byte order
    assert all(a.split(":")[0] == loopback for a in addresses), addresses


def test_two_example_projects_run_side_by_side(
    capsys: pytest.CaptureFixture[str], project: Path
) -> None:
    up_example(capsys, project)
    with project_directory() as other:
        out = devenv(capsys, "init", "--example", "-C", str(other))
        second = devenv(capsys, "up", "-C", str(other))
        assert second.code == 0, second.err
        assert "is taken by another program; using" in second.err
        a, b = env_local(project), env_local(other)
        assert a["DATABASE_URL"] != b["DATABASE_URL"]
        assert a["S3_ENDPOINT_URL"] != b["S3_ENDPOINT_URL"]
        assert a["AWS_SECRET_ACCESS_KEY"] != b["AWS_SECRET_ACCESS_KEY"]
        for env in (a, b):
            assert int(psql(env["DATABASE_URL"], "select count(*) from clinics")) > 0
            s3_from(env).head_bucket(Bucket=env["S3_BUCKET_NAME"])
        del out


def test_data_and_objects_survive_down_and_up(
    capsys: pytest.CaptureFixture[str], project: Path
) -> None:
    up_example(capsys, project)
    env = env_local(project)
    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
        conn.execute(
            "insert into clinics (name, slug, city) values ('Kept', 'kept-clinic', 'Oslo')"
        )
    s3_from(env).put_object(Bucket=env["S3_BUCKET_NAME"], Key="kept.txt", Body=b"kept")
    down = devenv(capsys, "down", "-C", str(project))
    assert down.code == 0
    assert "The data is kept" in down.out
    status = json.loads(devenv(capsys, "status", "--json", "-C", str(project)).out)
    assert {s["state"] for s in status["services"]} == {"stopped"}
    again = devenv(capsys, "up", "-C", str(project))
    assert again.code == 0, again.err
    assert "Seeded" not in again.out  # an existing database is not seeded again
    env = env_local(project)
    assert (
        psql(env["DATABASE_URL"], "select city from clinics where slug = 'kept-clinic'") == "Oslo"
    )
    assert (
        s3_from(env).get_object(Bucket=env["S3_BUCKET_NAME"], Key="kept.txt")["Body"].read()
        == b"kept"
    )


def test_sigkilled_server_is_reported_and_brought_back(
    capsys: pytest.CaptureFixture[str], project: Path
) -> None:
    up_example(capsys, project)
    env = env_local(project)
    before = psql(env["DATABASE_URL"], "select count(*) from patients")
    record = load_state(project / ".devenv").processes["postgres"]
    os.kill(record.pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while Path(f"/proc/{record.pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    status = json.loads(devenv(capsys, "status", "--json", "-C", str(project)).out)
    states = {s["name"]: s["state"] for s in status["services"]}
    assert states == {"postgres": "crashed", "s3": "running"}
    assert devenv(capsys, "up", "-C", str(project)).code == 0
    assert psql(env["DATABASE_URL"], "select count(*) from patients") == before


def test_a_killed_object_store_leaves_no_sockets_in_tmp(
    capsys: pytest.CaptureFixture[str], project: Path
) -> None:
    up_example(capsys, project)
    record = load_state(project / ".devenv").processes["s3"]
    made = [path for path in record.leftovers if Path(path).exists()]
    assert made, "weed made none of the sockets devenv knows about"
    os.kill(record.pid, signal.SIGKILL)  # no clean exit: weed cannot remove them itself
    deadline = time.monotonic() + 10
    while Path(f"/proc/{record.pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert all(Path(path).exists() for path in made)
    assert devenv(capsys, "down", "-C", str(project)).code == 0
    assert [path for path in record.leftovers if Path(path).exists()] == []


def test_taken_port_moves_to_the_next_free_one(
    capsys: pytest.CaptureFixture[str], project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        monkeypatch.setenv("DEVENV_POSTGRES_PORT", str(taken))
        assert devenv(capsys, "init", "--example", "-C", str(project)).code == 0
        result = devenv(capsys, "up", "-C", str(project))
        assert result.code == 0, result.err
        moved = load_state(project / ".devenv").ports["postgres"]
        assert moved != taken
        assert f"Port {taken} (postgres) is taken by another program; using {moved}." in result.err
        assert f"127.0.0.1:{moved}/" in env_local(project)["DATABASE_URL"]
        assert f":{moved}/" in devenv(capsys, "status", "-C", str(project)).out


def test_failed_start_stops_what_started_and_shows_the_log(
    capsys: pytest.CaptureFixture[str], project: Path
) -> None:
    up_example(capsys, project)
    assert devenv(capsys, "down", "-C", str(project)).code == 0
    data = Path(load_state(project / ".devenv").postgres_data or "")
    (data / "postgresql.auto.conf").write_text("work_mem = 'lots'\n")
    result = devenv(capsys, "up", "-C", str(project))
    assert result.code == 6
    assert "Error: postgres exited before it was ready" in result.err
    assert "work_mem" in result.err  # the log tail names the cause
    assert "Hint: Run `devenv logs postgres` for the whole log." in result.err
    status = json.loads(devenv(capsys, "status", "--json", "-C", str(project)).out)
    assert {s["state"] for s in status["services"]} == {"stopped"}  # s3 was stopped again


def test_ctrl_c_during_up_leaves_nothing_running(project: Path) -> None:
    assert devenv_process("init", "--example", "-C", str(project)).returncode == 0
    child = subprocess.Popen(
        [sys.executable, "-m", "devenv", "up", "-C", str(project)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    state_file = project / ".devenv" / "state.json"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if state_file.exists() and load_state(project / ".devenv").processes:
            break
        time.sleep(0.01)
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=60)
    assert child.returncode == 130, err
    assert "Error: interrupted" in err
    assert load_state(project / ".devenv").processes == {}


def test_second_command_waits_for_the_lock_then_fails_clearly(
    capsys: pytest.CaptureFixture[str], project: Path
) -> None:
    assert devenv(capsys, "init", "-C", str(project)).code == 0
    with project_lock(project / ".devenv", timeout=1):
        result = devenv(capsys, "up", "--wait", "0.5", "-C", str(project))
    assert result.code == 8
    assert "is running on this project; waiting up to 0.5 s" in result.err
    assert "Error: another devenv command (pid" in result.err
    assert "Hint: Wait for it to finish, or raise the wait with `--wait SECONDS`." in result.err
    assert not (project / ".env.local").exists()


def test_edited_migration_is_an_error_naming_the_file(
    capsys: pytest.CaptureFixture[str], project: Path
) -> None:
    up_example(capsys, project)
    first = sorted((project / "migrations").glob("*.sql"))[0]
    first.write_text(first.read_text() + "\n-- edited\n")
    result = devenv(capsys, "up", "-C", str(project))
    assert result.code == 10
    assert f"Error: {first} was edited after it was applied" in result.err


def test_a_migration_using_supabase_schemas_without_supabase_names_the_setting(
    capsys: pytest.CaptureFixture[str], project: Path
) -> None:
    up_example(capsys, project)
    (project / "migrations" / "20990101000000_profiles.sql").write_text(
        "create table profiles (id uuid primary key references auth.users);"
    )
    result = devenv(capsys, "up", "-C", str(project))
    assert result.code == 10
    assert 'failed: schema "auth" does not exist' in result.err
    assert "Hint: Schema auth is Supabase's: set `[supabase] enabled = true` in devenv.toml" in (
        result.err
    )


def test_new_migration_is_applied_by_the_next_up(
    capsys: pytest.CaptureFixture[str], project: Path
) -> None:
    up_example(capsys, project)
    (project / "migrations" / "20990101000000_add_column.sql").write_text(
        "alter table clinics add column fax text;"
    )
    result = devenv(capsys, "up", "-C", str(project))
    assert result.code == 0
    assert "Applied 1 migration(s)." in result.out
    url = env_local(project)["DATABASE_URL"]
    assert (
        psql(url, "select count(*) from information_schema.columns where column_name = 'fax'")
        == "1"
    )


def test_reset_returns_to_freshly_seeded(capsys: pytest.CaptureFixture[str], project: Path) -> None:
    up_example(capsys, project)
    env = env_local(project)
    seeded = psql(env["DATABASE_URL"], "select count(*) from patients")
    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
        conn.execute("delete from payments")
        conn.execute("create table scratch (x int)")
    s3_from(env).put_object(Bucket=env["S3_BUCKET_NAME"], Key="scratch.txt", Body=b"x")
    result = devenv(capsys, "reset", "--yes", "-C", str(project))
    assert result.code == 0, result.err
    assert psql(env["DATABASE_URL"], "select count(*) from patients") == seeded
    assert int(psql(env["DATABASE_URL"], "select count(*) from payments")) > 0
    assert psql(env["DATABASE_URL"], "select to_regclass('scratch') is null") == "t"
    keys = [
        o["Key"]
        for o in s3_from(env).list_objects_v2(Bucket=env["S3_BUCKET_NAME"]).get("Contents", [])
    ]
    assert "scratch.txt" not in keys

    # Another scale and seed number for this reset only: ten times the patients, other names.
    first = psql(env["DATABASE_URL"], "select first_name from patients order by id limit 1")
    result = devenv(
        capsys, "reset", "--yes", "--scale", "medium", "--seed", "7", "-C", str(project)
    )
    assert result.code == 0, result.err
    assert int(psql(env["DATABASE_URL"], "select count(*) from patients")) == 10 * int(seeded)
    assert psql(env["DATABASE_URL"], "select seed || ' ' || scale from devenv_meta.seed_runs") == (
        "7 medium"
    )
    assert psql(env["DATABASE_URL"], "select first_name from patients order by id limit 1") != first


def test_destroy_deletes_all_local_data(capsys: pytest.CaptureFixture[str], project: Path) -> None:
    up_example(capsys, project)
    pids = [r.pid for r in load_state(project / ".devenv").processes.values()]
    result = devenv(capsys, "destroy", "--yes", "-C", str(project))
    assert result.code == 0, result.err
    assert not (project / ".devenv").exists()
    assert not (project / ".env.local").exists()
    assert all(not Path(f"/proc/{pid}").exists() for pid in pids)


def test_logs_show_each_service(capsys: pytest.CaptureFixture[str], project: Path) -> None:
    up_example(capsys, project)
    result = devenv(capsys, "logs", "postgres", "-C", str(project))
    assert result.code == 0
    assert "database system is ready to accept connections" in result.out
    both = devenv(capsys, "logs", "-C", str(project))
    assert "== postgres ==" in both.out
    assert "== s3 ==" in both.out


def test_a_port_taken_after_the_check_is_retried_on_the_next_one(
    capsys: pytest.CaptureFixture[str], project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An outgoing connection can take a port between devenv's check and the server's bind.

    The server really fails to bind here; only the check is made to miss the holder, since the
    race itself cannot be timed from a test.
    """
    import devenv.runners.portplan as portplan

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = holder.getsockname()[1]
        monkeypatch.setenv("DEVENV_POSTGRES_PORT", str(taken))
        real_next_free = portplan.next_free
        calls: list[int] = []

        def misses_the_holder_once(preferred: int, *, avoid: object = ()) -> int:
            calls.append(preferred)
            if preferred == taken and calls.count(taken) == 1:
                return taken
            return real_next_free(preferred, avoid=avoid)  # type: ignore[arg-type]

        monkeypatch.setattr(portplan, "next_free", misses_the_holder_once)
        assert devenv(capsys, "init", "--example", "-C", str(project)).code == 0
        result = devenv(capsys, "up", "-C", str(project))
    assert result.code == 0, result.err
    assert (
        "A port of postgres was taken while it started; trying again on the next free port."
        in result.err
    )
    moved = load_state(project / ".devenv").ports["postgres"]
    assert moved != taken
    assert f"127.0.0.1:{moved}/" in env_local(project)["DATABASE_URL"]
