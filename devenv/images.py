"""Container images: pinned in compose/images.toml, overridable per project for registry mirrors."""

from __future__ import annotations

import tomllib
from functools import cache
from typing import Any

from devenv.errors import ConfigError
from devenv.resources import resource_dir
from devenv.settings import Settings


@cache
def _pins() -> dict[str, Any]:
    """The shipped pin file."""
    path = resource_dir("compose") / "images.toml"
    return tomllib.loads(path.read_text(encoding="utf-8"))


def image(settings: Settings, name: str) -> str:
    """The image for a service: `[docker.images]` in devenv.toml wins over the pinned default."""
    check_overrides(settings)
    override = settings.docker.images.get(name)
    if override:
        return override
    if name == "postgres":
        versions: dict[str, str] = _pins()["postgres"]
        pinned = versions.get(str(settings.postgres.version))
        if pinned is None:
            raise ConfigError(
                f"no pinned postgres image for version {settings.postgres.version}",
                hint=f"Use one of {', '.join(versions)} or set [docker.images] postgres = '...'.",
            )
        return pinned
    images: dict[str, str] = _pins()["images"]
    if name not in images:
        raise ConfigError(f"no image is pinned for {name!r}", hint="Set it in [docker.images].")
    return images[name]


def known_images() -> tuple[str, ...]:
    """Every name `[docker.images]` accepts."""
    return ("postgres", *_pins()["images"])


def check_overrides(settings: Settings) -> None:
    """A misspelt `[docker.images]` key would be ignored silently: refuse it instead."""
    known = known_images()
    for name in settings.docker.images:
        if name not in known:
            raise ConfigError(
                f"[docker.images] {name!r} is not an image devenv uses",
                hint=f"Use one of {', '.join(known)} in devenv.toml, then run the command again.",
            )
