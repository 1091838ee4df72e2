"""Fake credentials for the guard tests, built at runtime so no file holds a realistic secret.

Every builder is deterministic (seeded), so fingerprints in tests are stable too.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import string
from typing import Any

ALNUM = string.ascii_letters + string.digits
UPPER_DIGITS = "ABCDEFGHIJKLMNOPRSTUVWYZ234567"  # no X/Q: never a placeholder run
BASE64 = ALNUM + "+/"
HEX = "0123456789abcdef"


def rand(chars: str, length: int, seed: str) -> str:
    """A deterministic random string: the same seed gives the same string."""
    rng = random.Random(seed)
    return "".join(rng.choice(chars) for _ in range(length))


def aws_key_id(prefix: str = "AKIA", seed: str = "id") -> str:
    return prefix + rand(UPPER_DIGITS, 16, seed)


def aws_secret(seed: str = "secret") -> str:
    """40 characters of base64 with at least one digit, one slash and both cases."""
    return rand(BASE64, 36, seed) + "a7/Z"


def session_token(seed: str = "session") -> str:
    return "IQoJb3JpZ2lu" + rand(BASE64, 300, seed)


def github(prefix: str, seed: str = "gh") -> str:
    return prefix + rand(ALNUM, 36, seed)


def github_pat(seed: str = "pat") -> str:
    return "github_pat_" + rand(ALNUM, 22, seed) + "_" + rand(ALNUM, 59, seed + "2")


def stripe(prefix: str, seed: str = "stripe") -> str:
    return prefix + rand(ALNUM, 24, seed)


def google_api_key(seed: str = "aiza") -> str:
    return "AI" + "za" + rand(ALNUM + "_-", 35, seed)


def google_access_token(seed: str = "ya29") -> str:
    return "ya" + "29." + rand(ALNUM + "_-", 120, seed)


def google_refresh_token(seed: str = "refresh") -> str:
    return "1//0" + rand(ALNUM + "_-", 60, seed)


def azure_secret(seed: str = "azure") -> str:
    """The shape of an Entra ID client secret: 3 chars, a digit, `Q~`, 34 chars."""
    return rand(ALNUM, 3, seed) + "8Q~" + rand(ALNUM + "_-.", 34, seed + "2")


def base64_key(seed: str = "b64", size: int = 64) -> str:
    rng = random.Random(seed)
    return base64.b64encode(bytes(rng.randrange(256) for _ in range(size))).decode()


def hex_string(length: int, seed: str = "hex") -> str:
    return rand(HEX, length, seed)


def password(seed: str = "pw") -> str:
    return rand(ALNUM, 14, seed) + "9k"


def supabase_ref(seed: str = "ref") -> str:
    return rand(string.ascii_lowercase, 20, seed)


def jwt(payload: dict[str, Any], *, key: bytes = b"k" * 32) -> str:
    """An HS256 JWT, signed with hmac (no PyJWT needed)."""

    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = part(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = part(json.dumps(payload).encode())
    signature = hmac.new(key, f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{part(signature)}"


def pem_body(seed: str = "pem", lines: int = 8) -> str:
    return "\n".join(rand(BASE64, 64, f"{seed}{n}") for n in range(lines))


def pem(label: str, body: str) -> str:
    """A PEM block: `pem("RSA PRIVATE KEY", body)`."""
    dashes = "-" * 5
    return f"{dashes}BEGIN {label}{dashes}\n{body}\n{dashes}END {label}{dashes}"


def supabase_cli_local_keys() -> tuple[str, str]:
    """The publishable and secret keys `supabase start` prints: identical on every machine."""
    publishable = "sb_" + "publishable_" + "ACJWlzQHlZjBrEguHvfOxg" + "_3BJgxAaH"
    secret = "sb_" + "secret_" + "N7UND0UgjKTVK-Uodkm0Hg" + "_xSvEMPvz"
    return publishable, secret


def azurite_key() -> str:
    """The published Azurite account key (public, the same everywhere)."""
    return (
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/"
        + "K1SZFPTOtr/KBHBeksoGMGw=="
    )


def cosmos_emulator_key() -> str:
    """The published Cosmos DB emulator key (public, the same everywhere)."""
    return (
        "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/"
        + "Jw=="
    )


def dotenv_line(name: str, value: str) -> str:
    """`NAME=value`, double-quoted (escaping `\\` and `"`) when dotenv would misread it bare."""
    if value and all(c in ALNUM + "_-./:@%+=,~" for c in value):
        return f"{name}={value}"
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'{name}="{escaped}"'


def substrings(secret: str, size: int = 4) -> set[str]:
    """Every substring of `size` characters of a secret."""
    return {secret[i : i + size] for i in range(len(secret) - size + 1)}
