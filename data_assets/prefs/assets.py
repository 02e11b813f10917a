"""Dagster wiring of the prefs stage (to be built)."""

ASSETS: list = []
CHECKS: list = []
