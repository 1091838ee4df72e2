"""Test infrastructure: a private Docker engine and stand-in images (no registry)."""
