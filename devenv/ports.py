"""Find free ports on 127.0.0.1."""

from __future__ import annotations

import random
import socket
from collections.abc import Collection

from devenv.errors import PortInUse

LOOPBACK = "127.0.0.1"
GRPC_OFFSET = 10000  # SeaweedFS puts each gRPC listener at its HTTP port + 10000


def is_free(port: int, host: str = LOOPBACK) -> bool:
    """True if nothing listens on host:port and we may bind it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As the servers themselves do: connections lingering in TIME_WAIT do not block a bind.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
            sock.listen(1)
        except OSError:
            return False
    return True


def next_free(preferred: int, *, avoid: Collection[int] = (), span: int = 100) -> int:
    """The preferred port if free, else the next free one above it."""
    for port in range(preferred, min(preferred + span, 65536)):
        if port not in avoid and is_free(port):
            return port
    raise PortInUse(
        f"no free port in {preferred}-{preferred + span - 1} on {LOOPBACK}",
        hint="Stop what holds these ports, or set another port in devenv.toml.",
    )


def _ephemeral_start() -> int:
    """The lowest port the kernel hands to outgoing connections (they must not take ours)."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range", encoding="ascii") as handle:
            return int(handle.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_pair(*, avoid: Collection[int] = (), rng: random.Random | None = None) -> int:
    """A free port whose gRPC companion (port + 10000) is free too, both below ephemeral ports."""
    pick = rng or random.Random()  # noqa: S311 - not security related
    top = max(_ephemeral_start() - GRPC_OFFSET - 1, 11000)
    for _ in range(200):
        port = pick.randint(10000, top)
        if port in avoid or port + GRPC_OFFSET in avoid:
            continue
        if is_free(port) and is_free(port + GRPC_OFFSET):
            return port
    raise PortInUse(
        "could not find free internal ports for the object store",
        hint="Too many ports are in use on this machine; stop other servers and retry.",
    )
