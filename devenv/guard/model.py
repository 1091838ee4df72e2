"""What the guard reports: findings that name a source but never show a value."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Finding:
    """One real credential: where it is, what it is, a redacted fingerprint and how to fix it."""

    source: str
    provider: str
    kind: str
    fingerprint: str
    fix: str


@dataclass(frozen=True)
class GuardReport:
    """Every finding of one scan, the acknowledged ones apart, and what was looked at."""

    findings: tuple[Finding, ...]
    acknowledged: tuple[Finding, ...]
    checked: tuple[str, ...]

    @property
    def clean(self) -> bool:
        """True when nothing unacknowledged was found."""
        return not self.findings


@dataclass(frozen=True)
class Hit:
    """What a detector recognised: provider, kind and the identity the fingerprint is made of.

    `offset` is the position in the scanned text (None when the whole document is the credential).
    """

    provider: str
    kind: str
    identity: str = field(repr=False)
    offset: int | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        """What makes two hits the same credential."""
        return (self.provider, self.kind, self.identity)


@dataclass
class Scanned:
    """The findings of one part of the scan and the sources it looked at."""

    findings: list[Finding] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    def extend(self, other: Scanned) -> None:
        """Add another part's findings and sources to this one."""
        self.findings.extend(other.findings)
        self.checked.extend(other.checked)


def fingerprint(provider: str, kind: str, identity: str) -> str:
    """Name a credential stably and value-free: provider + 10 hex digits of a sha256."""
    digest = hashlib.sha256(f"{provider}|{kind}|{identity}".encode()).hexdigest()
    return f"{provider}:{digest[:10]}"


def finding(hit: Hit, *, source: str, fix: str) -> Finding:
    """Turn a detector's hit into a finding for one source."""
    return Finding(
        source=source,
        provider=hit.provider,
        kind=hit.kind,
        fingerprint=fingerprint(hit.provider, hit.kind, hit.identity),
        fix=fix,
    )


def unique_hits(hits: list[Hit]) -> list[Hit]:
    """Drop hits that name a credential already seen, keeping the first."""
    seen: set[tuple[str, str, str]] = set()
    kept = []
    for hit in hits:
        if hit.key not in seen:
            seen.add(hit.key)
            kept.append(hit)
    return kept


def line_of(text: str, offset: int | None) -> int | None:
    """Return the 1-based line of an offset in a text (None stays None)."""
    if offset is None:
        return None
    return text.count("\n", 0, offset) + 1


def file_source(path: object, text: str, hit: Hit) -> str:
    """Name where a hit is in a file: `path:line`, or just the path for a whole-file credential."""
    line = line_of(text, hit.offset)
    return str(path) if line is None else f"{path}:{line}"
