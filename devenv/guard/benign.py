"""Values that look like credentials but are not: placeholders, examples, local defaults."""

from __future__ import annotations

import hashlib
import re

# Substrings that mark a value as a template to fill in, not a credential.
_PLACEHOLDER_PARTS = (
    "your-",
    "your_",
    "yourkey",
    "yoursecret",
    "yourtoken",
    "yourpassword",
    "changeme",
    "change-me",
    "change_me",
    "replace_me",
    "replace-me",
    "replaceme",
    "placeholder",
    "example",
    "dummy",
    "redacted",
    "fixme",
    "todo",
    "insert-",
    "insert_",
    "xxxx",
    "****",
    "...",
    "\u2026",
)
# Whole values that are obviously not secrets.
_PLACEHOLDER_WORDS = frozenset(
    {
        "test",
        "testing",
        "fake",
        "none",
        "null",
        "nil",
        "undefined",
        "secret",
        "password",
        "passwd",
        "pass",
        "token",
        "key",
        "sample",
        "foo",
        "bar",
        "foobar",
        "tbd",
        "n/a",
        "true",
        "false",
    }
)
# `${VAR}`, `{{ template }}` and shell command substitution (`$(cmd)`, backticks) anywhere;
# a bare `$VAR` or `%VAR%` only as the whole value, since real passwords contain `$`.
_REFERENCE = re.compile(r"\$\{[^}]*\}|\{\{.*\}\}|\$\(|`[^`]*`")
_WHOLE_REFERENCE = re.compile(r"\$[A-Za-z_][A-Za-z0-9_]*|%[A-Za-z_][A-Za-z0-9_]*%")
# devenv's own local S3 keys (see devenv.state.Secrets): no cloud key contains a `-`.
_DEVENV_KEY = re.compile(r"devenv-(?:[0-9a-f]{16}|[0-9a-f]{40})")
# Public defaults of local tools: MinIO, LocalStack, AWS's documentation keys.
_KNOWN_LOCAL = frozenset(
    {
        "minioadmin",
        "AKIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    }
)
# sha256 of keys that ship publicly with local emulators; stored hashed so no scanner trips on them:
# the Azurite storage key, the Cosmos DB emulator key, and the Supabase CLI's local
# publishable and secret keys.
_KNOWN_LOCAL_SHA256 = frozenset(
    {
        "0011cc25eb4320717494d2703e8cba85743e71b500283c21c8b88147992f9059",
        "aa6547439583c3a275d4542a0df6c1ad6a863971be9f2a2220f027cc02aef615",
        "9705102db0d5f99ee08daa19a73e510d9877a2a9add9369da247cbbe6c2a0140",
        "c85debb55f2f204d868cc1552c42faa143b4c675f61363ab040dd50b5b5304cd",
    }
)


def is_placeholder(value: str) -> bool:
    """Tell empty values, references (`${VAR}`, `$VAR`), `<your key>`, XXXX, changeme apart."""
    text = value.strip().strip("\"'").strip()
    if not text:
        return True
    if _REFERENCE.search(text) or _WHOLE_REFERENCE.fullmatch(text):
        return True
    if text.startswith("<") and text.endswith(">"):
        return True
    lowered = text.lower()
    if lowered in _PLACEHOLDER_WORDS or any(part in lowered for part in _PLACEHOLDER_PARTS):
        return True
    return len(set(lowered) - set("-_ .:/")) <= 2  # "0000", "aaaa-aaaa", "----"


def is_known_local(value: str) -> bool:
    """Recognise devenv's own keys and the published defaults of MinIO, LocalStack, emulators."""
    text = value.strip()
    if text in _KNOWN_LOCAL or _DEVENV_KEY.fullmatch(text):
        return True
    return hashlib.sha256(text.encode()).hexdigest() in _KNOWN_LOCAL_SHA256


def is_benign(value: str) -> bool:
    """Tell whether a value cannot be a credential: a placeholder or a known local default."""
    return is_placeholder(value) or is_known_local(value)
