"""Readiness as data: TCP, HTTP and SQL probes, and one deadline-bound wait for any of them."""

from __future__ import annotations

import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from devenv.errors import ServiceNotReady


class Probe(Protocol):
    """Something that can tell whether a service is ready."""

    def check(self) -> None:
        """Return if ready; raise any exception describing why not."""

    def describe(self) -> str:
        """What is probed, e.g. 'connections on 127.0.0.1:54322'."""


@dataclass(frozen=True)
class TcpProbe:
    """Ready when a TCP connection is accepted."""

    host: str
    port: int

    def check(self) -> None:
        """Open and close a connection."""
        with socket.create_connection((self.host, self.port), timeout=1.0):
            pass

    def describe(self) -> str:
        """Name the address."""
        return f"TCP connections on {self.host}:{self.port}"


@dataclass(frozen=True)
class HttpProbe:
    """Ready when an HTTP GET answers below status `below` (and with `contains` in its body)."""

    url: str
    below: int = 500
    contains: str = ""

    def check(self) -> None:
        """Send one GET; an HTTP error status counts as an answer if below the threshold."""
        try:
            with urllib.request.urlopen(self.url, timeout=2.0) as response:  # noqa: S310
                status, body = int(response.status), response.read(64 * 1024)
        except urllib.error.HTTPError as exc:
            status, body = exc.code, b""
        if status >= self.below:
            raise ConnectionError(f"HTTP {status} from {self.url}")
        if self.contains and self.contains.encode() not in body:
            raise ConnectionError(f"{self.url} does not show {self.contains!r} yet")

    def describe(self) -> str:
        """Name the URL."""
        return f"HTTP answers from {self.url}"


@dataclass(frozen=True)
class SqlProbe:
    """Ready when PostgreSQL accepts a connection and answers `select 1`."""

    conninfo: str
    display: str

    def check(self) -> None:
        """Connect and run one query."""
        import psycopg

        with psycopg.connect(self.conninfo, connect_timeout=2) as conn:
            conn.execute("select 1")

    def describe(self) -> str:
        """Name the address, never the password."""
        return f"PostgreSQL connections on {self.display}"


@dataclass(frozen=True)
class AllOf:
    """Ready when every probe is."""

    probes: tuple[Probe, ...]

    def check(self) -> None:
        """Check each probe in order."""
        for probe in self.probes:
            probe.check()

    def describe(self) -> str:
        """Name them all."""
        return " and ".join(p.describe() for p in self.probes)


def wait_until_ready(
    probe: Probe,
    *,
    service: str,
    timeout: float,
    log_tail: Callable[[], str] | None = None,
    alive: Callable[[], bool] | None = None,
    interval: float = 0.05,
) -> float:
    """Poll `probe` until it succeeds or the deadline passes; return the seconds it took.

    `alive` lets a native runner fail fast when the server process has already died.
    """
    started = time.monotonic()
    deadline = started + timeout
    last_error = "no attempt made"
    while True:
        try:
            probe.check()
            return time.monotonic() - started
        except Exception as exc:
            last_error = f"{type(exc).__name__}: {exc}".strip()
        if alive is not None and not alive():
            raise _not_ready(service, "exited before it was ready", last_error, log_tail)
        if time.monotonic() >= deadline:
            detail = f"did not accept {probe.describe()} within {timeout:g} s"
            raise _not_ready(service, detail, last_error, log_tail)
        time.sleep(min(interval, max(0.0, deadline - time.monotonic())))
        interval = min(interval * 1.2, 0.1)  # probes are cheap; readiness is noticed within 0.1 s


def _not_ready(
    service: str, detail: str, last_error: str, log_tail: Callable[[], str] | None
) -> ServiceNotReady:
    """Build the error with the last probe error and the tail of the service's log."""
    message = f"{service} {detail}. Last error: {last_error}"
    tail = log_tail() if log_tail else ""
    if tail:
        message += f"\nLast lines of the {service} log:\n{tail}"
    return ServiceNotReady(message, hint=f"Run `devenv logs {service}` for the whole log.")
