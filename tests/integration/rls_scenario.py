"""The row-level-security scenario both runtimes run: two users, their portal messages, checks.

A policy `using (owner_id = auth.uid())` must let each user see only their own rows, show anon
nothing, and let service_role see everything; an insert for someone else must be refused.
"""

from __future__ import annotations

import uuid

import psycopg
import pytest

from devenv.rls import as_user

ADA, BOB = uuid.UUID(int=0xA), uuid.UUID(int=0xB)
USERS = ((ADA, "ada@example.com", 2), (BOB, "bob@example.com", 3))
MINE = "select subject from portal_messages where subject like '%%@example.com #%%' order by 1"
COUNT = "select count(*) as n from portal_messages where subject like '%@example.com #%'"


def add_users(url: str) -> None:
    """Two users in auth.users, with 2 and 3 portal messages."""
    with psycopg.connect(url, autocommit=True) as conn:
        for user_id, email, count in USERS:
            conn.execute(
                "insert into auth.users (id, email, aud, role) "
                "values (%s, %s, 'authenticated', 'authenticated')",
                (user_id, email),
            )
            for n in range(count):
                conn.execute(
                    "insert into portal_messages (owner_id, subject, body) values (%s, %s, 'hi')",
                    (user_id, f"{email} #{n}"),
                )


def visible(url: str, who: str) -> list[str]:
    """The scenario's portal messages that `who` sees, through devenv.rls.as_user."""
    with psycopg.connect(url) as conn, as_user(conn, who):
        return [row[0] for row in conn.execute(MINE)]


def check_policies(url: str) -> None:
    """Each user sees only their rows, anon nothing, service_role all; no forged owners."""
    assert visible(url, "ada@example.com") == ["ada@example.com #0", "ada@example.com #1"]
    assert visible(url, str(BOB)) == [f"bob@example.com #{n}" for n in range(3)]
    assert visible(url, "anon") == []
    assert len(visible(url, "service_role")) == 5
    with psycopg.connect(url) as conn, as_user(conn, "ada@example.com"):
        row = conn.execute("select auth.uid(), auth.email(), auth.role()").fetchone()
        assert row == (ADA, "ada@example.com", "authenticated")
        conn.execute("insert into portal_messages (subject, body) values ('own', 'x')")
    with (
        pytest.raises(psycopg.errors.InsufficientPrivilege),
        psycopg.connect(url) as conn,
        as_user(conn, "ada@example.com"),
    ):
        conn.execute(
            "insert into portal_messages (owner_id, subject, body) values (%s, 'forged', 'x')",
            (BOB,),
        )
