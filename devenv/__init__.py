"""devenv: one command for a complete, isolated local stack on synthetic data only."""

__version__ = "0.1.0"
