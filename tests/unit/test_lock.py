from __future__ import annotations

import time
from pathlib import Path

import pytest

from devenv.errors import Busy
from devenv.lock import project_lock


def test_second_holder_waits_then_fails_with_clear_error(tmp_path: Path) -> None:
    messages: list[str] = []
    with project_lock(tmp_path, timeout=1):
        started = time.monotonic()
        with (
            pytest.raises(Busy) as info,
            project_lock(tmp_path, timeout=0.3, on_wait=messages.append),
        ):
            pass
        assert time.monotonic() - started < 2
    assert "another devenv command (pid" in str(info.value)
    assert "--wait" in info.value.hint
    assert len(messages) == 1
    assert "waiting up to 0.3 s" in messages[0]


def test_lock_is_released_after_the_block(tmp_path: Path) -> None:
    with project_lock(tmp_path, timeout=1):
        pass
    with project_lock(tmp_path, timeout=0.1):
        pass
