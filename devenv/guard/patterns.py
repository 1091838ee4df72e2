"""Token shapes that are credentials wherever they appear, whatever the variable is called."""

from __future__ import annotations

import re
from dataclasses import dataclass

from devenv.guard.benign import is_benign
from devenv.guard.model import Hit

_B = r"(?<![A-Za-z0-9])"  # token start: not glued to a longer word
_E = r"(?![A-Za-z0-9])"
_AZ = r"[A-Za-z0-9_~.\-]"


@dataclass(frozen=True)
class TokenShape:
    """A regular expression for one kind of token of one provider."""

    regex: re.Pattern[str]
    provider: str
    kind: str


def _shape(pattern: str, provider: str, kind: str) -> TokenShape:
    return TokenShape(re.compile(pattern), provider, kind)


AWS_KEY_ID = re.compile(_B + r"(?:AKIA|ASIA)[A-Z0-9]{16}" + _E)

SHAPES: tuple[TokenShape, ...] = (
    _shape(_B + r"AKIA[A-Z0-9]{16}" + _E, "aws", "access key id"),
    _shape(_B + r"ASIA[A-Z0-9]{16}" + _E, "aws", "temporary access key id"),
    _shape(_B + r"ghp_[A-Za-z0-9]{36,255}" + _E, "github", "personal access token"),
    _shape(_B + r"gho_[A-Za-z0-9]{36,255}" + _E, "github", "OAuth access token"),
    _shape(_B + r"ghu_[A-Za-z0-9]{36,255}" + _E, "github", "user-to-server token"),
    _shape(_B + r"ghs_[A-Za-z0-9]{36,255}" + _E, "github", "app installation token"),
    _shape(_B + r"ghr_[A-Za-z0-9]{36,255}" + _E, "github", "refresh token"),
    _shape(_B + r"github_pat_[A-Za-z0-9_]{22,255}" + _E, "github", "fine-grained access token"),
    _shape(_B + r"sk_live_[A-Za-z0-9]{10,255}" + _E, "stripe", "live secret key"),
    _shape(_B + r"rk_live_[A-Za-z0-9]{10,255}" + _E, "stripe", "live restricted key"),
    _shape(_B + r"AIza[0-9A-Za-z_\-]{35}(?![A-Za-z0-9_\-])", "gcp", "API key"),
    _shape(_B + r"ya29\.[0-9A-Za-z_\-]{20,}", "gcp", "OAuth access token"),
    _shape(_B + r"1//0[0-9A-Za-z_\-]{30,}", "gcp", "OAuth refresh token"),
    _shape(
        rf"(?<!{_AZ}){_AZ}{{3}}[0-9]Q~{_AZ}{{31,34}}(?!{_AZ})",
        "azure",
        "client secret",
    ),
    _shape(_B + r"sbp_[A-Za-z0-9]{20,}" + _E, "supabase", "access token"),
    _shape(_B + r"sb_secret_[A-Za-z0-9_\-]{16,}", "supabase", "secret API key"),
    _shape(_B + r"sb_publishable_[A-Za-z0-9_\-]{16,}", "supabase", "publishable API key"),
)

_PEM = re.compile(
    r"-----BEGIN (?P<label>[A-Z0-9 ]*?)\s*PRIVATE KEY(?: BLOCK)?-----"
    r"(?P<body>.*?)(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|\Z)",
    re.DOTALL,
)
_PEM_KINDS = {
    "": "private key",
    "ENCRYPTED": "encrypted private key",
    "OPENSSH": "OpenSSH private key",
    "RSA": "RSA private key",
    "EC": "EC private key",
    "DSA": "DSA private key",
    "PGP": "PGP private key",
}
_BASE64_BODY = re.compile(r"[A-Za-z0-9+/=]")


def find_tokens(text: str) -> list[Hit]:
    """Every provider token in a text that is not a placeholder or a known local default."""
    hits = []
    for shape in SHAPES:
        for match in shape.regex.finditer(text):
            token = match.group(0)
            if not is_benign(token):
                hits.append(Hit(shape.provider, shape.kind, token, match.start()))
    return hits


def find_private_keys(text: str) -> list[Hit]:
    """Every PEM, OpenSSH or PGP private key block (encrypted ones too); public keys are ignored."""
    hits = []
    for match in _PEM.finditer(text):
        body = match["body"].replace("\\n", "\n").replace("\\r", "")
        data = "".join(_BASE64_BODY.findall(body.split("\n\n")[-1] if ":" in body else body))
        if len(data) < 32 or is_benign(body):
            continue  # "-----BEGIN PRIVATE KEY-----\n...\n-----END" is a placeholder
        label = match["label"].strip()
        kind = _PEM_KINDS.get(label, f"{label.lower()} private key".strip())
        if "ENCRYPTED" in body:  # traditional OpenSSL headers: Proc-Type: 4,ENCRYPTED
            kind = "encrypted private key"
        hits.append(Hit("private-key", kind, data, match.start()))
    return hits
