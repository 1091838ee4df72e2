"""Take URLs and host strings apart, tolerating what people really write in env files."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote

# userinfo may hold an unencoded password with `/` or `:`; it ends at the first `@`.
_AUTHORITY = re.compile(
    r"(?:(?P<user>[^@/?#:\s]*)(?::(?P<password>[^@\s]*))?@)?(?P<hosts>[^/?#;\s]*)(?P<rest>.*)",
    re.DOTALL,
)
_PARAM = re.compile(r"(?:^|[?&;])\s*(?P<name>[A-Za-z_ ]+)=(?P<value>[^&;#\s]*)")
_PASSWORD_PARAMS = frozenset({"password", "pwd", "pass"})
_USER_PARAMS = frozenset({"user", "username", "uid", "user id"})


@dataclass(frozen=True)
class ParsedUrl:
    """The parts of a URL the guard cares about; the password is kept for fingerprints only."""

    scheme: str
    user: str
    password: str | None = field(repr=False)
    hosts: tuple[str, ...]
    params: dict[str, str] = field(repr=False)

    @property
    def base_scheme(self) -> str:
        """The scheme without a `jdbc:` prefix or a `+driver` suffix (`postgresql+psycopg`)."""
        return self.scheme.removeprefix("jdbc:").split("+")[0]


def parse_url(url: str) -> ParsedUrl | None:
    """Split `scheme://user:password@host1:port,host2/path?query` (None if it is no URL)."""
    scheme, sep, remainder = url.partition("://")
    if not sep or not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.:\-]*", scheme):
        return None
    match = _AUTHORITY.match(remainder)
    assert match is not None  # every group is optional, so the pattern always matches
    params = query_params(match["rest"])
    password = match["password"]
    if password is None:
        password = next((v for k, v in params.items() if k in _PASSWORD_PARAMS), None)
    user = match["user"] or next((v for k, v in params.items() if k in _USER_PARAMS), "")
    hosts = split_hosts(match["hosts"].rsplit("@", 1)[-1])
    if not hosts and "host" in params:
        hosts = (params["host"],)
    return ParsedUrl(
        scheme=scheme.lower(),
        user=unquote(user),
        password=None if password is None else unquote(password),
        hosts=hosts,
        params=params,
    )


def query_params(rest: str) -> dict[str, str]:
    """`?a=1&b=2` and JDBC's `;a=1;b=2` parameters, names lower-cased, values decoded."""
    return {m["name"].strip().lower(): unquote(m["value"]) for m in _PARAM.finditer(rest)}


def split_hosts(hosts: str) -> tuple[str, ...]:
    """`h1:5432,h2,[::1]:6432` -> ("h1", "h2", "::1"); percent-encoding undone."""
    return tuple(host_of(part) for part in hosts.split(",") if part.strip())


def host_of(address: str) -> str:
    """Return the host in `host`, `host:port`, `[v6]:port`, `user@host` or a URL."""
    text = address.strip()
    if "://" in text:
        parsed = parse_url(text)
        return parsed.hosts[0] if parsed and parsed.hosts else ""
    if not text.startswith("/"):  # a socket directory is a path, not host/path
        text = unquote(text.rsplit("@", 1)[-1]).split("/", 1)[0]
    if text.startswith("["):
        return text[1:].split("]", 1)[0]
    if text.count(":") == 1:
        return text.split(":", 1)[0]
    return text
