"""Dagster wiring of the augment stage (to be built)."""

ASSETS: list = []
CHECKS: list = []
