"""Dagster wiring of the synth stage (to be built)."""

ASSETS: list = []
CHECKS: list = []
