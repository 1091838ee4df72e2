"""JSON Web Tokens: read the claims (no signature check) and judge the issuer."""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from devenv.guard.addresses import parse_url
from devenv.guard.local import is_local_host
from devenv.guard.model import Hit

_PART = r"[A-Za-z0-9_\-]"
JWT = re.compile(rf"(?<!{_PART})eyJ{_PART}{{4,}}\.eyJ{_PART}{{4,}}\.{_PART}*")
_SUPABASE_ROLES = {"anon": "anon JWT", "service_role": "service_role JWT"}
# Issuer hosts of cloud identity providers whose tokens grant access on their own.
_CLOUD_ISSUERS: tuple[tuple[str, str, str], ...] = (
    ("sts.windows.net", "azure", "Entra ID token"),
    ("login.microsoftonline.com", "azure", "Entra ID token"),
    ("accounts.google.com", "gcp", "Google identity token"),
    ("token.actions.githubusercontent.com", "github", "Actions OIDC token"),
    (".amazonaws.com", "aws", "AWS-issued identity token"),
)


def claims(token: str) -> dict[str, Any] | None:
    """Decode the payload of a JWT (no signature check); None if it is no JWT."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        data = json.loads(base64.urlsafe_b64decode(payload))
    except (binascii.Error, ValueError):
        return None
    return data if isinstance(data, dict) else None


def is_local_issuer(issuer: str) -> bool:
    """Recognise issuers of local stacks: `supabase-demo`, `devenv…`, a URL on a local host."""
    if issuer == "supabase-demo" or issuer.startswith("devenv"):
        return True
    parsed = parse_url(issuer)
    return parsed is not None and all(is_local_host(h) for h in parsed.hosts)


def classify(token: str) -> Hit | None:
    """Report a JWT issued by a cloud service; None for local and unknown issuers."""
    payload = claims(token)
    if payload is None:
        return None
    issuer = payload.get("iss")
    if not isinstance(issuer, str) or is_local_issuer(issuer):
        return None
    if issuer == "supabase":
        ref = payload.get("ref")
        if not isinstance(ref, str) or not ref:
            return None  # self-hosted: no cloud project behind it
        role = payload.get("role")
        kind = _SUPABASE_ROLES.get(role, "project JWT") if isinstance(role, str) else "project JWT"
        return Hit("supabase", kind, token)
    parsed = parse_url(issuer)
    host = parsed.hosts[0].lower() if parsed is not None and parsed.hosts else ""
    if host.endswith((".supabase.co", ".supabase.in")):
        return Hit("supabase", "user session JWT", token)
    for suffix, provider, kind in _CLOUD_ISSUERS:
        if host == suffix or (suffix.startswith(".") and host.endswith(suffix)):
            return Hit(provider, kind, token)
    return None


def find_jwts(text: str) -> list[Hit]:
    """Hits for every cloud-issued JWT in a text, with their offsets."""
    hits = []
    for match in JWT.finditer(text):
        hit = classify(match.group(0))
        if hit is not None:
            hits.append(Hit(hit.provider, hit.kind, hit.identity, match.start()))
    return hits
