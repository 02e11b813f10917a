"""Dagster wiring of the compliance stage (to be built)."""

ASSETS: list = []
CHECKS: list = []
