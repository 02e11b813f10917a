"""Dagster wiring of the dedup stage (to be built)."""

ASSETS: list = []
CHECKS: list = []
