"""The scan: every source, in a fixed order, as a pure function of (environ, home, project)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path

from devenv.guard.aws import scan_aws
from devenv.guard.azure import scan_azure
from devenv.guard.envfiles import Variable, parse_env_text, project_env_files, read_small_text
from devenv.guard.envscan import scan_variables
from devenv.guard.gcloud import scan_gcloud
from devenv.guard.model import GuardReport, Scanned
from devenv.guard.referenced import scan_referenced, scan_supabase_cli
from devenv.guard.report import build_report

_PROFILE_VARIABLES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE")


def scan(
    environ: Mapping[str, str], home: Path, project_dir: Path, *, allow: Collection[str] = ()
) -> GuardReport:
    """Pure function of (environment, home directory, project directory).

    It never reads os.environ or the real HOME itself.
    """
    result = Scanned()
    process = [Variable(name, value) for name, value in environ.items()]
    result.findings += scan_variables(process, file=None)
    result.checked.append(f"process environment ({len(process)} variables)")
    every = list(process)
    for path in project_env_files(project_dir):
        text = read_small_text(path)
        if text is None:
            result.checked.append(f"{path.name} (unreadable or too large, not checked)")
            continue
        variables = parse_env_text(text)
        every += variables
        result.findings += scan_variables(variables, file=path.name)
        result.checked.append(path.name)
    profiles = {v.value.strip() for v in every if v.name in _PROFILE_VARIABLES and v.value.strip()}
    result.extend(scan_aws(environ, home, project_dir, profiles=profiles))
    result.extend(scan_gcloud(environ, home, project_dir))
    result.extend(scan_azure(environ, home, project_dir))
    result.extend(scan_supabase_cli(home))
    result.extend(scan_referenced(every, home, project_dir))
    return build_report(result.findings, result.checked, allow=allow)
