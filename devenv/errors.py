"""The one error hierarchy: every expected failure carries a message, a hint and an exit code."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


class DevenvError(Exception):
    """Root of every error devenv raises on purpose."""

    exit_code = 1

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class ConfigError(DevenvError):
    """The configuration (file, environment or flags) is invalid."""

    exit_code = 4

    @classmethod
    def at(cls, file: Path | str, line: int | None, key: str, problem: str) -> ConfigError:
        """Name the file, the line and the key that is wrong."""
        where = f"{file}:{line}" if line else str(file)
        return cls(
            f"{where}: {key}: {problem}", hint=f"Fix `{key}` in {file}, then run the command again."
        )


class CredentialsFound(DevenvError):
    """Real cloud credentials are present; devenv refuses to run."""

    exit_code = 3


class ToolMissing(DevenvError):
    """A program devenv needs is not installed."""

    exit_code = 5


class ServiceNotReady(DevenvError):
    """A service did not become ready before its deadline, or died."""

    exit_code = 6


class PortInUse(DevenvError):
    """A port devenv needs is taken and no other could be found."""

    exit_code = 7


class Busy(DevenvError):
    """Another devenv command holds this project's lock."""

    exit_code = 8


class SeedError(DevenvError):
    """Seeding failed, or a seed definition is invalid."""

    exit_code = 9


class NothingToSeed(SeedError):
    """The seeded schemas hold no tables yet."""


class TablesInUse(SeedError):
    """Other database sessions hold tables the seed must empty; nothing was changed."""

    def __init__(self, holders: Sequence[tuple[int, str]], waited: float) -> None:
        listed = "; ".join(f"pid {pid} ({what})" for pid, what in holders)
        end = "."
        if holders:
            end = f"; to end one now: `devenv sql 'select pg_terminate_backend({holders[0][0]})'`."
        super().__init__(
            f"other database sessions kept the seeded tables locked for {waited:.0f} s: "
            + (listed or "they have ended since"),
            hint="Nothing was changed. Finish their open transactions (commit, roll back or "
            "close them), then run `devenv seed` again" + end,
        )
        self.pids = [pid for pid, _ in holders]


class MigrationError(DevenvError):
    """A migration failed or an applied migration was edited."""

    exit_code = 10


class EngineError(DevenvError):
    """The container engine is missing, unreachable or answered with an error."""

    exit_code = 11


class UnsafeTarget(DevenvError):
    """A destructive action was aimed at something that is not the local stack."""

    exit_code = 12


class CommandFailed(DevenvError):
    """A subprocess exited non-zero or timed out."""

    exit_code = 13

    @classmethod
    def of(cls, argv: Sequence[str], detail: str, stderr_tail: str = "") -> CommandFailed:
        """Describe a failed command with the tail of what it printed."""
        shown = " ".join(argv)
        tail = f"\n{stderr_tail.rstrip()}" if stderr_tail.strip() else ""
        return cls(
            f"`{shown}` {detail}.{tail}", hint="Run `devenv doctor` to check the tools devenv uses."
        )


class Interrupted(DevenvError):
    """The user pressed Ctrl-C; whatever was started has been stopped."""

    exit_code = 130


EXIT_CODES: dict[str, int] = {
    cls.__name__: cls.exit_code
    for cls in (
        DevenvError,
        CredentialsFound,
        ConfigError,
        ToolMissing,
        ServiceNotReady,
        PortInUse,
        Busy,
        SeedError,
        MigrationError,
        EngineError,
        UnsafeTarget,
        CommandFailed,
        Interrupted,
    )
}
