"""AWS shared files: keys on disk, profiles that resolve to credentials, and the CLI's caches."""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

from devenv.guard.benign import is_benign
from devenv.guard.envfiles import read_small_text
from devenv.guard.model import Finding, Hit, Scanned, finding
from devenv.guard.names import looks_forty
from devenv.guard.paths import display, expand
from devenv.guard.patterns import AWS_KEY_ID

_SECTION = re.compile(r"\[\s*(?P<name>[^\]]+?)\s*\]")
# Profile settings that make an SDK fetch credentials without a key on disk, in botocore's order.
_RESOLVERS = (
    ("sso_session", "SSO profile"),
    ("sso_start_url", "SSO profile"),
    ("credential_process", "credential_process profile"),
    ("web_identity_token_file", "web identity profile"),
    ("role_arn", "assume-role profile"),
    ("login_session", "console login profile"),
)
_CACHES = (
    ("sso/cache", "accessToken", "cached SSO token", "Run `aws sso logout`, or delete {dir}."),
    ("cli/cache", "Credentials", "cached temporary credentials", "Delete {dir}."),
)


@dataclass(frozen=True)
class Setting:
    """One `key = value` of an INI file, with the file and line it is on."""

    value: str
    line: int
    path: Path


Sections = dict[str, dict[str, Setting]]


def parse_ini(text: str, path: Path) -> Sections:
    """Sections of an AWS INI file; keys lower-cased, later assignments win, comments skipped."""
    sections: Sections = {}
    current: dict[str, Setting] | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        header = _SECTION.fullmatch(line)
        if header is not None:
            current = sections.setdefault(header["name"], {})
            continue
        key, sep, value = line.partition("=")
        if sep and current is not None:
            current[key.strip().lower()] = Setting(value.strip(), number, path)
    return sections


def scan_aws(
    environ: Mapping[str, str], home: Path, project_dir: Path, *, profiles: Collection[str]
) -> Scanned:
    """Keys in every profile of both files; SSO, process, role and web-identity in used profiles."""
    result = Scanned()
    files = []
    locations = (("AWS_SHARED_CREDENTIALS_FILE", "credentials"), ("AWS_CONFIG_FILE", "config"))
    for variable, default in locations:
        raw = environ.get(variable, "").strip()
        path = expand(raw, home=home, base=project_dir) if raw else home / ".aws" / default
        text = read_small_text(path)
        if text is not None:
            result.checked.append(display(path, home))
            files.append((default, parse_ini(text, path)))
    for _, sections in files:
        for name, settings in sections.items():
            result.findings.extend(_key_pairs(name, settings, home))
    credentials = next((s for kind, s in files if kind == "credentials"), {})
    config = next((s for kind, s in files if kind == "config"), {})
    for profile in sorted({"default", *profiles}):
        result.findings.extend(_resolving(profile, config, credentials, home))
    result.extend(_caches(home))
    return result


def _key_pairs(section: str, settings: dict[str, Setting], home: Path) -> list[Finding]:
    key_id = settings.get("aws_access_key_id")
    secret = settings.get("aws_secret_access_key")
    if key_id is not None:
        match = AWS_KEY_ID.search(key_id.value)
        if match is None or is_benign(match.group(0)):
            return []
        temporary = match.group(0).startswith("ASIA") or "aws_session_token" in settings
        kind = "temporary access key pair" if temporary else "access key pair"
        hit, where = Hit("aws", kind, match.group(0)), key_id
    elif secret is not None and looks_forty(secret.value) and not is_benign(secret.value):
        hit, where = Hit("aws", "secret access key", secret.value), secret
    else:
        return []
    shown = display(where.path, home)
    fix = f"Remove the [{section}] keys from {shown} or move them off this machine."
    return [finding(hit, source=f"{where.path}:{where.line}", fix=fix)]


def _profile_settings(profile: str, config: Sections, credentials: Sections) -> dict[str, Setting]:
    """Merge a profile as botocore does: `[profile x]` in config, then `[x]` in credentials.

    A plain `[x]` section in the config file is not a profile.
    """
    names = ["default", "profile default"] if profile == "default" else [f"profile {profile}"]
    merged: dict[str, Setting] = {}
    for section in (n for n in config if " ".join(n.split()) in names):
        merged.update(config[section])
    merged.update(credentials.get(profile, {}))
    return merged


def _resolving(profile: str, config: Sections, credentials: Sections, home: Path) -> list[Finding]:
    settings = _profile_settings(profile, config, credentials)
    chained = any(k in settings for k in ("source_profile", "credential_source"))
    for key, kind in _RESOLVERS:
        setting = settings.get(key)
        if setting is None or is_benign(setting.value) or (key == "role_arn" and not chained):
            continue
        shown = display(setting.path, home)
        if profile == "default":
            fix = f"Remove {key} from the default profile in {shown}; devenv needs no AWS profile."
        else:
            fix = f"Unset AWS_PROFILE, or remove {key} from profile {profile} in {shown}."
        hit = Hit("aws", kind, f"{profile}|{key}|{setting.value}")
        return [finding(hit, source=f"{setting.path}:{setting.line}", fix=fix)]
    return []


def _caches(home: Path) -> Scanned:
    result = Scanned()
    for folder, field, kind, advice in _CACHES:
        directory = home / ".aws" / folder
        files = sorted(directory.glob("*.json")) if directory.is_dir() else []
        if files:
            result.checked.append(f"{display(directory, home)} ({len(files)} files)")
        for path in files:
            if _has_field(read_small_text(path), field):
                hit = Hit("aws", kind, f"{folder}|{path.name}")
                fix = advice.format(dir=display(directory, home))
                result.findings.append(finding(hit, source=str(path), fix=fix))
    return result


def _has_field(text: str | None, field: str) -> bool:
    try:
        data = json.loads(text) if text else None
    except ValueError:
        return False
    return isinstance(data, dict) and bool(data.get(field))
