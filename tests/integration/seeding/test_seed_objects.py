"""Objects in a real SeaweedFS: every storage_key resolves, with synthetic metadata."""

from __future__ import annotations

import io
import os

import psycopg
import pytest

from devenv.errors import SeedError, UnsafeTarget
from devenv.seeding import S3Target, SeedReport, run_seed
from devenv.seeding.s3sink import Upload, prune_objects, put
from tests.helpers import free_port
from tests.integration.seeding.conftest import CLINIC, S3Server

pytestmark = pytest.mark.integration
DEFS = CLINIC / "seeds"


def target(server: S3Server) -> S3Target:
    return S3Target(server.endpoint, server.access_key, server.secret_key, "us-east-1")


def seed_clinic(
    conninfo: str, server: S3Server, scale: str, seed: int, bucket: str | None = None
) -> SeedReport:
    """Seed the clinic example with objects (into `bucket` for its documents, when given)."""
    buckets = {"documents": bucket} if bucket else None
    return run_seed(conninfo, definitions_dir=DEFS, scale=scale, seed=seed, s3=target(server),
                    buckets=buckets)  # fmt: skip


def client(server: S3Server):  # type: ignore[no-untyped-def]
    from minio import Minio

    return Minio(
        server.endpoint, access_key=server.access_key, secret_key=server.secret_key, secure=False
    )


def test_every_key_resolves_to_a_synthetic_object(clinic_db: str, s3_server: S3Server) -> None:
    report = seed_clinic(clinic_db, s3_server, "medium", 1, "local-documents")
    with psycopg.connect(clinic_db) as conn:
        rows = conn.execute(
            "SELECT storage_key, content_type, size_bytes FROM documents"
        ).fetchall()
    assert report.objects == len(rows) == 80
    s3 = client(s3_server)
    for key, content_type, size in rows:
        stat = s3.stat_object("local-documents", key)
        assert stat.size == size
        assert stat.content_type == content_type
        meta = {k.lower(): v for k, v in stat.metadata.items()}
        assert meta["x-amz-meta-devenv-synthetic"] == "true"
        assert meta["x-amz-meta-devenv-seed"] == "1"
    pdf = next(k for k, ct, _ in rows if ct == "application/pdf")
    png = next(k for k, ct, _ in rows if ct == "image/png")
    assert s3.get_object("local-documents", pdf).read().startswith(b"%PDF-1.4")
    assert s3.get_object("local-documents", png).read().startswith(b"\x89PNG\r\n\x1a\n")


def test_uploads_are_idempotent_and_deterministic(clinic_db: str, s3_server: S3Server) -> None:
    for _ in range(2):
        seed_clinic(clinic_db, s3_server, "small", 5, "docs-two")
    with psycopg.connect(clinic_db) as conn:
        keys = sorted(r[0] for r in conn.execute("SELECT storage_key FROM documents"))
    listed = sorted(
        o.object_name for o in client(s3_server).list_objects("docs-two", recursive=True)
    )
    assert listed == keys


def test_inferred_object_column_goes_to_the_first_bucket(db: str, s3_server: S3Server) -> None:
    with psycopg.connect(db) as conn:
        conn.execute(
            "create table attachments (id bigserial primary key, file_path text not null unique, "
            "mime_type text not null)"
        )
    report = run_seed(
        db,
        definitions_dir=None,
        scale="small",
        seed=2,
        s3=target(s3_server),
        buckets={"uploads": "local-uploads", "avatars": "local-avatars"},
    )
    assert report.objects == 100
    with psycopg.connect(db) as conn:
        key = conn.execute("SELECT file_path FROM attachments LIMIT 1").fetchone()[0]  # type: ignore[index]
    assert client(s3_server).stat_object("local-uploads", key).size > 0


def test_remote_s3_endpoint_is_refused(clinic_db: str) -> None:
    remote = S3Target("s3.amazonaws.com", "k", "s", "us-east-1", secure=True)
    with pytest.raises(UnsafeTarget):
        run_seed(clinic_db, definitions_dir=DEFS, scale="small", seed=1, s3=remote)


def test_a_smaller_reseed_removes_the_objects_it_no_longer_uses(
    clinic_db: str, s3_server: S3Server
) -> None:
    s3 = client(s3_server)
    s3.make_bucket("shrinking")
    s3.put_object("shrinking", "user-upload.txt", io.BytesIO(b"mine"), 4)
    for scale in ("medium", "small"):
        report = seed_clinic(clinic_db, s3_server, scale, 3, "shrinking")
    assert "removed 72 objects left by earlier seeds" in report.notes
    with psycopg.connect(clinic_db) as conn:
        keys = sorted(r[0] for r in conn.execute("SELECT storage_key FROM documents"))
    listed = sorted(o.object_name for o in s3.list_objects("shrinking", recursive=True))
    assert listed == sorted([*keys, "user-upload.txt"])


def test_a_failed_upload_fails_the_seed_and_keeps_the_previous_data(
    clinic_db: str, s3_server: S3Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_clinic(clinic_db, s3_server, "small", 1)
    with psycopg.connect(clinic_db) as conn:
        before = conn.execute("SELECT storage_key FROM documents ORDER BY 1").fetchall()

    # The server refusing one object mid-seed cannot be provoked on demand; the upload process
    # is forked from this one, so it inherits this stand-in for a refused PUT.
    def refuse(s3: object, upload: Upload) -> None:
        if upload.key.endswith(".pdf"):
            raise OSError("503 Slow Down")
        put(s3, upload)

    monkeypatch.setattr("devenv.seeding.s3sink.put", refuse)
    with pytest.raises(SeedError, match="503 Slow Down") as failure:
        seed_clinic(clinic_db, s3_server, "medium", 2)
    assert "devenv logs s3" in (failure.value.hint or "")
    with psycopg.connect(clinic_db) as conn:
        assert conn.execute("SELECT storage_key FROM documents ORDER BY 1").fetchall() == before
        assert conn.execute("SELECT seed FROM devenv_meta.seed_runs").fetchall() == [(1,)]


def test_a_reseed_puts_only_objects_that_are_missing_or_changed(
    clinic_db: str, s3_server: S3Server
) -> None:
    def seed(scale: str) -> tuple[int, tuple[str, ...]]:
        report = seed_clinic(clinic_db, s3_server, scale, 3, "docs-reseed")
        return report.objects, report.notes

    assert seed("medium")[0] == 80
    s3 = client(s3_server)
    keys = sorted(o.object_name for o in s3.list_objects("docs-reseed", recursive=True))
    original = s3.get_object("docs-reseed", keys[0]).read()
    s3.put_object("docs-reseed", keys[0], io.BytesIO(b"edited"), 6)  # changed by hand
    s3.remove_object("docs-reseed", keys[1])  # deleted by hand

    objects, notes = seed("medium")  # same seed and scale: the 78 untouched objects stay
    assert objects == 80
    assert any(n.startswith("78 objects were already in place") for n in notes)
    assert s3.get_object("docs-reseed", keys[0]).read() == original
    assert s3.stat_object("docs-reseed", keys[1]).size > 0

    # Another scale: rows 0-7 keep their keys and files, but not their metadata; all are put.
    objects, notes = seed("small")
    assert objects == 8
    assert not any("already in place" in n for n in notes)
    for o in s3.list_objects("docs-reseed", recursive=True):
        meta = {
            k.lower(): v for k, v in s3.stat_object("docs-reseed", o.object_name).metadata.items()
        }
        assert meta["x-amz-meta-devenv-scale"] == "small"


def test_pruning_removes_stale_objects_in_parallel_batches(s3_server: S3Server) -> None:
    s3 = client(s3_server)
    s3.make_bucket("prune-batches")
    stale = {("prune-batches", f"documents/{i:04d}.txt") for i in range(350)}
    for _, key in sorted(stale):
        s3.put_object("prune-batches", key, io.BytesIO(b"old"), 3)
    s3.put_object("prune-batches", "documents/kept.txt", io.BytesIO(b"new"), 3)
    assert prune_objects(s3, stale, threads=4) == stale  # 4 requests of 100 or fewer keys
    left = [o.object_name for o in s3.list_objects("prune-batches", recursive=True)]
    assert left == ["documents/kept.txt"]


def test_an_upload_process_that_dies_fails_the_seed_and_keeps_the_previous_data(
    clinic_db: str, s3_server: S3Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_clinic(clinic_db, s3_server, "small", 1)
    # Inherited by the forked upload process, which then really exits in the middle.
    monkeypatch.setattr("devenv.seeding.s3sink.put", lambda s3, upload: os._exit(3))
    with pytest.raises(SeedError, match="the upload process ended with exit code 3"):
        seed_clinic(clinic_db, s3_server, "small", 2)
    with psycopg.connect(clinic_db) as conn:
        assert conn.execute("SELECT seed FROM devenv_meta.seed_runs").fetchall() == [(1,)]


def test_an_unreachable_object_store_fails_the_seed_and_keeps_the_previous_data(
    clinic_db: str, s3_server: S3Server
) -> None:
    seed_clinic(clinic_db, s3_server, "small", 1)
    nowhere = S3Target(f"127.0.0.1:{free_port()}", "k", "s", "us-east-1")  # nothing listens
    with pytest.raises(
        SeedError, match=r"cannot reach bucket documents on 127\.0\.0\.1"
    ) as failure:
        run_seed(clinic_db, definitions_dir=DEFS, scale="small", seed=2, s3=nowhere)
    assert "devenv status" in (failure.value.hint or "")
    with psycopg.connect(clinic_db) as conn:
        assert conn.execute("SELECT seed FROM devenv_meta.seed_runs").fetchall() == [(1,)]


def test_without_fork_uploads_and_pruning_run_in_threads(
    clinic_db: str, s3_server: S3Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("devenv.seeding.s3sink.can_fork", lambda: False)
    seed_clinic(clinic_db, s3_server, "medium", 1, "docs-threads")
    report = seed_clinic(clinic_db, s3_server, "small", 2, "docs-threads")
    assert report.objects == 8
    assert "removed 80 objects left by earlier seeds" in report.notes
    with psycopg.connect(clinic_db) as conn:
        keys = sorted(r[0] for r in conn.execute("SELECT storage_key FROM documents"))
    s3 = client(s3_server)
    assert sorted(o.object_name for o in s3.list_objects("docs-threads", recursive=True)) == keys


def test_an_upload_process_that_dies_while_pruning_leaves_the_seed_committed(
    clinic_db: str, s3_server: S3Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_clinic(clinic_db, s3_server, "small", 1, "docs-prune-dies")
    # Inherited by the forked upload process: it dies once asked to remove the old objects.
    monkeypatch.setattr(
        "devenv.seeding.s3sink.prune_objects", lambda s3, stale, threads: os._exit(4)
    )
    report = seed_clinic(clinic_db, s3_server, "small", 2, "docs-prune-dies")
    assert not any(n.startswith("removed") for n in report.notes)
    with psycopg.connect(clinic_db) as conn:
        runs = conn.execute("SELECT seed FROM devenv_meta.seed_runs ORDER BY id").fetchall()
        keys = {r[0] for r in conn.execute("SELECT storage_key FROM documents")}
    assert runs == [(1,), (2,)]
    listed = {
        o.object_name for o in client(s3_server).list_objects("docs-prune-dies", recursive=True)
    }
    assert keys < listed  # the new objects are in place; the old ones were left
    assert len(listed) == 16
    with psycopg.connect(clinic_db) as conn:  # and stay on record, to be removed later
        recorded = {r[0] for r in conn.execute("SELECT key FROM devenv_meta.seed_objects")}
    assert recorded == listed

    monkeypatch.undo()
    report = seed_clinic(clinic_db, s3_server, "small", 3, "docs-prune-dies")
    assert "removed 16 objects left by earlier seeds" in report.notes
    with psycopg.connect(clinic_db) as conn:
        keys = {r[0] for r in conn.execute("SELECT storage_key FROM documents")}
        recorded = {r[0] for r in conn.execute("SELECT key FROM devenv_meta.seed_objects")}
    listed = {
        o.object_name for o in client(s3_server).list_objects("docs-prune-dies", recursive=True)
    }
    assert keys == listed == recorded  # nothing left behind from the interrupted prune


class Stop(Exception):
    pass


def test_objects_of_a_seed_that_fails_stay_on_record_and_the_next_seed_removes_them(
    clinic_db: str, s3_server: S3Server
) -> None:
    bucket = "docs-aborted"
    seed_clinic(clinic_db, s3_server, "small", 1, bucket)

    def state() -> tuple[set[str], set[str], set[str]]:
        with psycopg.connect(clinic_db) as conn:
            keys = {r[0] for r in conn.execute("SELECT storage_key FROM documents")}
            recorded = {r[0] for r in conn.execute("SELECT key FROM devenv_meta.seed_objects")}
        listed = {o.object_name for o in client(s3_server).list_objects(bucket, recursive=True)}
        return keys, recorded, listed

    def stop(table: str, done: int, total: int) -> None:
        if table.endswith("payments"):  # after documents: its objects are being put
            raise Stop(table)

    with pytest.raises(Stop):
        run_seed(clinic_db, definitions_dir=DEFS, scale="medium", seed=2, s3=target(s3_server),
                 buckets={"documents": bucket}, progress=stop)  # fmt: skip
    keys, recorded, listed = state()
    assert len(keys) == 8  # the rows rolled back to the first seed's
    assert len(recorded) == 8 + 80  # its objects, and those the failed seed meant to put
    assert keys <= listed <= recorded  # whatever the failed seed put is on record

    seed_clinic(clinic_db, s3_server, "small", 3, bucket)
    keys, recorded, listed = state()
    assert len(keys) == 8
    assert keys == listed == recorded  # nothing is left behind
