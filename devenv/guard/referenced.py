"""Files named by variables (keys, certificates, credential JSON); the Supabase CLI token."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from devenv.guard.benign import is_placeholder
from devenv.guard.documents import detect_document
from devenv.guard.envfiles import Variable, read_small_text
from devenv.guard.model import Hit, Scanned, file_source, finding
from devenv.guard.paths import display, expand

# Variables whose file the SDKs read credentials from.
_CREDENTIAL_FILES = frozenset(
    {
        "GOOGLE_APPLICATION_CREDENTIALS",
        "CLOUDSDK_AUTH_ACCESS_TOKEN_FILE",
        "AZURE_CLIENT_CERTIFICATE_PATH",
        "ARM_CLIENT_CERTIFICATE_PATH",
        "PGSSLKEY",
    }
)
# Read by their own modules, or reported by name already (a token file is a login by itself).
_ELSEWHERE = frozenset(
    {
        "AWS_SHARED_CREDENTIALS_FILE",
        "AWS_CONFIG_FILE",
        "CLOUDSDK_CONFIG",
        "AZURE_CONFIG_DIR",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
        "AZURE_FEDERATED_TOKEN_FILE",
        "ARM_OIDC_TOKEN_FILE_PATH",
    }
)
_WORDS = re.compile(r"[A-Z0-9]+")
_SECRET_WORDS = frozenset(
    {"KEY", "KEYFILE", "CERT", "CERTIFICATE", "CREDENTIAL", "CREDENTIALS", "TOKEN", "SECRET"}
)
_SECRET_WORDS |= {"PEM", "PRIVATE", "IDENTITY", "SSL", "TLS", "P12", "PFX"}
_FILE_SUFFIXES = (".json", ".pem", ".key", ".p12", ".pfx", ".crt", ".cer", ".p8")


def names_a_file(name: str, value: str) -> bool:
    """Tell whether a variable points at a credential file worth reading."""
    upper = name.upper()
    text = value.strip()
    if upper in _ELSEWHERE or not text or "\n" in text or "://" in text or is_placeholder(text):
        return False
    if upper in _CREDENTIAL_FILES:
        return True
    if not set(_WORDS.findall(upper)) & _SECRET_WORDS:
        return False
    return "/" in text or "\\" in text or text.lower().endswith(_FILE_SUFFIXES)


def scan_referenced(variables: Iterable[Variable], home: Path, project_dir: Path) -> Scanned:
    """Read each file a variable names (once), and report the credentials inside it."""
    result = Scanned()
    seen: set[Path] = set()
    for variable in variables:
        if not names_a_file(variable.name, variable.value):
            continue
        path = expand(variable.value, home=home, base=project_dir)
        if path in seen:
            continue
        seen.add(path)
        text = read_small_text(path)
        if text is None:
            continue
        shown = display(path, home)
        result.checked.append(f"{shown} (named by {variable.name})")
        fix = f"Unset {variable.name}, or move {shown} off this machine."
        for hit in detect_document(text):
            result.findings.append(finding(hit, source=file_source(path, text, hit), fix=fix))
    return result


def scan_supabase_cli(home: Path) -> Scanned:
    """Check the Supabase CLI's access token in ~/.supabase/access-token."""
    result = Scanned()
    path = home / ".supabase" / "access-token"
    text = read_small_text(path)
    if text is None:
        return result
    result.checked.append(display(path, home))
    token = text.strip()
    if token and not is_placeholder(token):
        hit = Hit("supabase", "access token", token)
        fix = f"Run `supabase logout`, or delete {display(path, home)}."
        result.findings.append(finding(hit, source=str(path), fix=fix))
    return result
