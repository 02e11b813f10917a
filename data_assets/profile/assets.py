"""Dagster wiring of the profiles (to be built)."""

ASSETS: list = []
CHECKS: list = []
