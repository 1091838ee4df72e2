"""Choose host ports for a stack: configured ones when free, else the next free, and say so."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from devenv.ports import GRPC_OFFSET, free_pair, is_free, next_free
from devenv.services import Service
from devenv.settings import Settings


def choose_ports(
    services: Iterable[Service],
    settings: Settings,
    previous: Mapping[str, int],
    running: set[str],
    *,
    native: bool,
) -> tuple[dict[str, int], list[str]]:
    """Keep the ports of running services; pick free ones for the rest. Returns (ports, notices)."""
    ports: dict[str, int] = {}
    notices: list[str] = []
    taken: set[int] = set()
    for service in services:
        keys = service.port_keys(settings, native=native)
        if service.name in running and all(k in previous for k in keys):
            ports.update({k: previous[k] for k in keys})
            taken.update(previous[k] for k in keys)
            continue
        for key, preferred in keys.items():
            port = _pick(key, preferred, previous, taken)
            if preferred and port != preferred:
                notices.append(
                    f"Port {preferred} ({key}) is taken by another program; using {port}."
                )
            ports[key] = port
            taken.update({port, port + GRPC_OFFSET})
    return ports, notices


def _pick(key: str, preferred: int, previous: Mapping[str, int], taken: set[int]) -> int:
    """The preferred port, or the next free one; internal ports stay stable between runs."""
    if preferred:
        return next_free(preferred, avoid=taken)
    old = previous.get(key)
    if old and old not in taken and is_free(old) and is_free(old + GRPC_OFFSET):
        return old
    return free_pair(avoid=taken)
