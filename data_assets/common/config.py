"""The base of every asset's `Config`: each field's docstring is its Launchpad description, and
bounds are pydantic constraints, so a bad value fails before the stage starts, naming the field.

    class DedupConfig(StageConfig):
        threshold: float = Field(0.7, gt=0, le=1)
        \"\"\"True word-shingle Jaccard at or above which two records are near-duplicates.\"\"\"

Dagster builds the config object when the step starts; a value out of bounds raises pydantic's
`ValidationError` there (`1 validation error for DedupConfig / threshold / Input should be ...`),
before anything is read or written. Rules that need words beyond a bound (a list of known names,
one field against another) are validators that raise `ValueError` with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable

import dagster as dg
from pydantic import ConfigDict


class StageConfig(dg.Config):
    model_config = ConfigDict(use_attribute_docstrings=True)


def known_names(field: str, values: Iterable[str], known: Iterable[str]) -> None:
    """Raise a ValueError naming `field` and the choices if any of `values` is not in `known`."""
    known = list(known)
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ValueError(f"{field}: unknown {unknown}; choose from {', '.join(known)}")
