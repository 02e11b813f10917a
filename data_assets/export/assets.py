"""Dagster wiring of the export stage (to be built)."""

ASSETS: list = []
CHECKS: list = []
