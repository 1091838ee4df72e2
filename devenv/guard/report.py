"""Assemble the report (allow list applied) and turn an unclean one into CredentialsFound."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable

from devenv.errors import CredentialsFound
from devenv.guard.model import Finding, GuardReport


def build_report(
    findings: Iterable[Finding], checked: Iterable[str], *, allow: Collection[str] = ()
) -> GuardReport:
    """Drop duplicate findings and move those whose fingerprint is allow-listed aside."""
    allowed = {entry.strip().lower() for entry in allow}
    unique = list(dict.fromkeys(findings))
    return GuardReport(
        findings=tuple(f for f in unique if f.fingerprint not in allowed),
        acknowledged=tuple(f for f in unique if f.fingerprint in allowed),
        checked=tuple(dict.fromkeys(checked)),
    )


def describe(finding: Finding) -> str:
    """`<source>: <provider> <kind> [<fingerprint>]`, the one-line form used in messages."""
    return f"{finding.source}: {finding.provider} {finding.kind} [{finding.fingerprint}]"


def ensure_clean(report: GuardReport) -> None:
    """Raise CredentialsFound listing every unacknowledged finding; return if there is none."""
    if report.clean:
        return
    count = len(report.findings)
    noun = "credential" if count == 1 else "credentials"
    lines = [f"devenv refuses to run: found {count} real cloud {noun}."]
    lines += [f"  - {describe(f)}" for f in report.findings]
    fixes = list(dict.fromkeys(f.fix for f in report.findings))
    prints = json.dumps(list(dict.fromkeys(f.fingerprint for f in report.findings)))
    hint = "\n".join(
        [
            *fixes,
            "If one of these is not a real credential, acknowledge it in devenv.toml:",
            f"[guard] allow = {prints}",
            "Then run `devenv check` to see the report again.",
        ]
    )
    raise CredentialsFound("\n".join(lines), hint=hint)
