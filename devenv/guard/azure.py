"""The Azure CLI's directory: token caches and stored service principals."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from devenv.guard.envfiles import read_small_text
from devenv.guard.model import Hit, Scanned, finding
from devenv.guard.paths import configured_dir, display

_LOGOUT = "Run `az logout` (and `az account clear`) to remove the CLI's stored credentials."
_TOKEN_CACHES = ("msal_token_cache.json", "msal_token_cache.bin", "accessTokens.json")
_PRINCIPALS = ("service_principal_entries.json", "service_principal_entries.bin")
_ACCOUNT_FIELDS = ("home_account_id", "userId", "username", "_clientId")


def scan_azure(environ: Mapping[str, str], home: Path, project_dir: Path) -> Scanned:
    """Credentials under ~/.azure (or AZURE_CONFIG_DIR)."""
    directory = configured_dir(
        environ, "AZURE_CONFIG_DIR", home / ".azure", home=home, base=project_dir
    )
    result = Scanned()
    for name in (*_TOKEN_CACHES, *_PRINCIPALS):
        path = directory / name
        text = read_small_text(path)
        if text is None:
            continue
        result.checked.append(display(path, home))
        hits = _principals(text) if name in _PRINCIPALS else _token_cache(text, name)
        result.findings.extend(finding(hit, source=str(path), fix=_LOGOUT) for hit in hits)
    return result


def _load(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _token_cache(text: str, name: str) -> list[Hit]:
    """One hit per cache that holds tokens; identified by its accounts, stable across refreshes."""
    data = _load(text)
    if data is None:
        # MSAL encrypts the .bin cache on some systems: any content means a login.
        return [Hit("azure", "encrypted CLI token cache", name)] if text.strip() else []
    if isinstance(data, dict):
        entries = [
            e
            for section in ("RefreshToken", "AccessToken")
            for e in (data.get(section) or {}).values()
        ]
    else:
        entries = data if isinstance(data, list) else []
    entries = [e for e in entries if isinstance(e, dict)]
    if not entries:
        return []
    accounts = sorted({str(e.get(f)) for e in entries for f in _ACCOUNT_FIELDS if e.get(f)})
    return [Hit("azure", "CLI token cache", f"{name}|{','.join(accounts)}")]


def _principals(text: str) -> list[Hit]:
    """Report each stored service principal that has a secret or a certificate."""
    data = _load(text)
    if data is None:
        return [Hit("azure", "encrypted service principal store", "")] if text.strip() else []
    hits = []
    for entry in data if isinstance(data, list) else []:
        if not isinstance(entry, dict):
            continue
        client = entry.get("client_id") or entry.get("servicePrincipalId") or ""
        tenant = entry.get("tenant") or entry.get("servicePrincipalTenant") or ""
        if entry.get("client_secret") or entry.get("accessToken"):
            hits.append(Hit("azure", "service principal secret", f"{client}|{tenant}"))
        elif entry.get("certificate") or entry.get("client_certificate"):
            hits.append(Hit("azure", "service principal certificate", f"{client}|{tenant}"))
    return hits
