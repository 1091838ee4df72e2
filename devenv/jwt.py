"""HS256 JSON Web Tokens: the anon and service_role keys, signed with the project's own secret."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

ISSUER = "devenv"
# Fixed times keep a project's keys stable from one `devenv env` to the next.
ISSUED_AT = 1_735_689_600  # 2025-01-01
EXPIRES_AT = ISSUED_AT + 20 * 365 * 24 * 3600


def _b64(data: bytes) -> str:
    """URL-safe base64 without padding, as JWTs use."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def sign(claims: dict[str, Any], secret: str) -> str:
    """Encode and sign claims with HS256."""
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = _b64(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
    signing_input = f"{header}.{payload}".encode("ascii")
    signature = hmac.new(secret.encode(), signing_input, hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def verify(token: str, secret: str) -> dict[str, Any]:
    """Check the signature and return the claims; ValueError if it does not match."""
    header, payload, signature = token.split(".")
    expected = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(_b64(expected), signature):
        raise ValueError("bad signature")
    claims: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return claims


def api_key(role: str, secret: str) -> str:
    """An anon or service_role key with the claims Supabase's services expect."""
    return sign({"iss": ISSUER, "role": role, "iat": ISSUED_AT, "exp": EXPIRES_AT}, secret)
