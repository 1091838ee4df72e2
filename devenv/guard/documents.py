"""Detect credentials in a piece of text: a variable's value or the content of a file."""

from __future__ import annotations

import json
from typing import Any

from devenv.guard.benign import is_placeholder
from devenv.guard.jwts import find_jwts
from devenv.guard.model import Hit, unique_hits
from devenv.guard.patterns import find_private_keys, find_tokens
from devenv.guard.urls import find_connection_strings, find_supabase_hosts, find_urls

# Google credential files, by their "type" field, and the field that makes each one usable.
_GOOGLE_TYPES = {
    "service_account": ("private_key", "service-account key"),
    "authorized_user": ("refresh_token", "authorized-user credentials"),
    "external_account": ("credential_source", "external-account credentials"),
    "external_account_authorized_user": ("refresh_token", "external-account user credentials"),
    "impersonated_service_account": (
        "source_credentials",
        "impersonated service-account credentials",
    ),
    "gdch_service_account": ("private_key", "GDCH service-account key"),
}


def detect_text(text: str) -> list[Hit]:
    """Every credential shape in free text: tokens, JWTs, keys, URLs and connection strings."""
    hits = find_private_keys(text) + find_tokens(text) + find_jwts(text)
    hits += find_connection_strings(text)
    url_hits, covered = find_urls(text)
    hits += url_hits
    hits += find_supabase_hosts(text, covered=covered)
    return unique_hits(hits)


def detect_document(text: str) -> list[Hit]:
    """Like detect_text, but a JSON credential file (Google, Azure SDK auth) counts as one."""
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        hit = classify_json(data)
        if hit is not None:
            return [hit]
    return detect_text(text)


def classify_json(data: Any) -> Hit | None:
    """Recognise a Google credential file or an Azure SDK auth file (None for other JSON)."""
    if not isinstance(data, dict):
        return None
    kind = data.get("type")
    if isinstance(kind, str) and kind in _GOOGLE_TYPES:
        needed, label = _GOOGLE_TYPES[kind]
        if _usable(data.get(needed)):
            return Hit("gcp", label, _google_identity(data))
        return None
    secret = data.get("clientSecret")
    if isinstance(secret, str) and not is_placeholder(secret):
        return Hit("azure", "service principal credentials (JSON)", secret)
    return None


def _usable(value: Any) -> bool:
    if isinstance(value, str):
        return not is_placeholder(value)
    return bool(value)


def _google_identity(data: dict[str, Any]) -> str:
    """Stable across key rotations of other accounts: who the file is for, and which key."""
    parts = ("type", "client_email", "private_key_id", "client_id", "audience", "refresh_token")
    return "|".join(str(data.get(part, "")) for part in parts)
