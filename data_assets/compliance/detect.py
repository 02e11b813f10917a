"""All detectors over one text, overlaps settled."""

from __future__ import annotations

from data_assets.compliance.findings import Finding, resolve_overlaps
from data_assets.compliance.names import people
from data_assets.compliance.places import locations
from data_assets.compliance.secrets import secrets
from data_assets.compliance.structured import detect_structured


def detect(text: str) -> list[Finding]:
    """Every finding in `text`, non-overlapping, in text order, with offsets into `text`."""
    if not text:
        return []
    found = secrets(text)
    found.extend(detect_structured(text))
    found.extend(locations(text))
    found.extend(people(text))
    return resolve_overlaps(found)
