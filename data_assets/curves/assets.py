"""Dagster wiring of the curves stage (to be built)."""

ASSETS: list = []
CHECKS: list = []
