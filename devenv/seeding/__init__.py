"""Schema-aware, deterministic, COPY-speed synthetic data for a local stack.

`run_seed` reads the migrated schema from pg_catalog, plans one generator per column (project
definitions in `seeds/*.toml` first, then constraints, then name and type inference), and replaces
the old seed data in one transaction with binary COPY, uploading any referenced files to S3.
"""

from __future__ import annotations

from devenv.seeding.engine import run_seed
from devenv.seeding.report import ProgressCallback, SeedReport, TableReport
from devenv.seeding.s3sink import S3Target
from devenv.seeding.scales import MULTIPLIERS, scale_names

__all__ = [
    "MULTIPLIERS",
    "ProgressCallback",
    "S3Target",
    "SeedReport",
    "TableReport",
    "run_seed",
    "scale_names",
]
