"""All detectors over one text, overlaps settled."""

from __future__ import annotations

from data_assets.compliance.findings import Finding, resolve_overlaps
from data_assets.compliance.names import people
from data_assets.compliance.places import locations
from data_assets.compliance.public_figures import public_figures
from data_assets.compliance.secrets import secrets
from data_assets.compliance.structured import detect_structured


def detect(text: str) -> list[Finding]:
    """Every finding in `text`, non-overlapping, in text order, with offsets into `text`."""
    if not text:
        return []
    found = secrets(text)
    found.extend(detect_structured(text))
    found.extend(locations(text))
    # Public figures are taken out of the people before overlaps are settled: "George
    # Washington" is a president to flag, not a PERSON to redact nor the state of Washington.
    persons, figures = public_figures(text, people(text))
    found.extend(persons)
    if figures:
        found = [f for f in found if f.entity_type != "LOCATION" or not any(g.start <= f.start and f.end <= g.end for g in figures)]
        found.extend(figures)
    addresses = [(f.start, f.end) for f in found if f.entity_type == "STREET_ADDRESS"]
    if addresses:
        # A city or a street named after someone inside an address block is part of the address.
        # So is a run of digits there that only the weakest phone rule took for a number.
        found = [
            f for f in found
            if not (f.entity_type in _INSIDE_ADDRESS or (f.entity_type == "PHONE" and f.score < 0.7))
            or not any(s <= f.start and f.end <= e for s, e in addresses)
        ]
    return resolve_overlaps(found)


_INSIDE_ADDRESS = frozenset({"PERSON", "PUBLIC_FIGURE", "LOCATION"})
