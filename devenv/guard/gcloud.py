"""The Google Cloud SDK's config directory: ADC files, stored logins, cached tokens."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from contextlib import closing
from pathlib import Path

from devenv.guard.documents import detect_document
from devenv.guard.envfiles import read_small_text
from devenv.guard.model import Hit, Scanned, file_source, finding
from devenv.guard.paths import configured_dir, display

_REVOKE = "Run `gcloud auth revoke --all` to remove the stored logins."
# Fixed queries per database file; the table names are gcloud's own.
_STORES = (
    ("credentials.db", "SELECT account_id FROM credentials", "stored gcloud login"),
    ("access_tokens.db", "SELECT account_id FROM access_tokens", "cached gcloud access token"),
)


def scan_gcloud(environ: Mapping[str, str], home: Path, project_dir: Path) -> Scanned:
    """Credentials under ~/.config/gcloud (or CLOUDSDK_CONFIG)."""
    default = home / ".config" / "gcloud"
    directory = configured_dir(environ, "CLOUDSDK_CONFIG", default, home=home, base=project_dir)
    result = Scanned()
    adc = directory / "application_default_credentials.json"
    fix = f"Run `gcloud auth application-default revoke`, or delete {display(adc, home)}."
    result.extend(_document(adc, home, fix=fix))
    for name, query, kind in _STORES:
        result.extend(_store(directory / name, query, kind, home))
    legacy = directory / "legacy_credentials"
    for path in sorted(legacy.glob("*/adc.json")) + sorted(legacy.glob("*/.boto")):
        result.extend(_document(path, home, fix=_REVOKE))
    return result


def _document(path: Path, home: Path, *, fix: str) -> Scanned:
    result = Scanned()
    text = read_small_text(path)
    if text is None:
        return result
    result.checked.append(display(path, home))
    hits = detect_document(text)
    if path.name == ".boto" and "refresh_token" in text and not hits:
        hits = [Hit("gcp", "legacy gcloud credentials", str(path.parent.name))]
    result.findings.extend(
        finding(hit, source=file_source(path, text, hit), fix=fix) for hit in hits
    )
    return result


def _store(path: Path, query: str, kind: str, home: Path) -> Scanned:
    result = Scanned()
    if not path.is_file():
        return result
    result.checked.append(display(path, home))
    accounts = _accounts(path, query)
    if accounts is None:  # present but unreadable: fail closed
        if path.stat().st_size > 0:
            hit = Hit("gcp", "unreadable gcloud credential store", path.name)
            result.findings.append(finding(hit, source=str(path), fix=_REVOKE))
        return result
    for account in accounts:
        hit = Hit("gcp", kind, account)
        result.findings.append(finding(hit, source=str(path), fix=_REVOKE))
    return result


def _accounts(path: Path, query: str) -> list[str] | None:
    """List the accounts in a gcloud SQLite file, opened read-only (None if unreadable)."""
    try:
        uri = path.resolve().as_uri() + "?mode=ro&immutable=1"
        with closing(sqlite3.connect(uri, uri=True, timeout=1)) as connection:
            rows = connection.execute(query).fetchall()
    except (sqlite3.Error, ValueError, OSError):
        return None
    return sorted({str(row[0]) for row in rows})
