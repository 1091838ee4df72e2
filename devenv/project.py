"""`devenv init`: write a starter project or the bundled "clinic" example."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from devenv.config_file import CONFIG_NAME
from devenv.errors import ConfigError
from devenv.resources import resource_dir
from devenv.settings import sanitize_name
from devenv.state import write_atomic

EXAMPLE = "clinic"
SUPABASE_OVERLAY = "clinic-supabase"  # laid over the clinic example by `init --example --supabase`
STARTER = "starter"


@dataclass(frozen=True)
class InitResult:
    """The files `init` wrote."""

    project_dir: Path
    template: str
    written: tuple[Path, ...]


def init_project(
    project_dir: Path, *, example: bool = False, supabase: bool = False, force: bool = False
) -> InitResult:
    """Copy a template into the project; refuse to overwrite anything without force."""
    layers = [EXAMPLE, SUPABASE_OVERLAY] if supabase else [EXAMPLE if example else STARTER]
    sources: dict[Path, Path] = {}  # target -> source; a later layer replaces an earlier file
    for layer in layers:
        root = resource_dir("templates") / layer
        for path in sorted(root.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                sources[project_dir / path.relative_to(root)] = path
    targets = [(src, dst) for dst, src in sources.items()]
    template = layers[0] + (" (Supabase flavour)" if supabase else "")
    existing = [t for _, t in targets if t.exists()]
    if existing and not force:
        shown = ", ".join(str(t.relative_to(project_dir)) for t in existing[:5])
        raise ConfigError(
            f"{project_dir} already has {shown}{' …' if len(existing) > 5 else ''}",
            hint="Nothing was written. Run `devenv init --force` to overwrite these files.",
        )
    name = sanitize_name(project_dir.resolve().name)
    written = []
    for src, dst in targets:
        dst.parent.mkdir(parents=True, exist_ok=True)
        text = src.read_text(encoding="utf-8")
        if src.name == CONFIG_NAME:
            text = text.replace("{name}", name).replace("{database}", name.replace("-", "_"))
        write_atomic(dst, text)
        written.append(dst)
    return InitResult(project_dir, template, tuple(written))
