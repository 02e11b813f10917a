"""What a detector reports, and how overlapping reports are settled."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Finding:
    """A typed span `[start, end)` of one text field. Offsets index the verbatim text, so
    `text[start:end]` is exactly what was found; the value itself is never stored here."""

    start: int
    end: int
    entity_type: str
    detector: str
    score: float

    @property
    def length(self) -> int:
        return self.end - self.start


def overlaps_any(finding: Finding, others: Iterable[Finding]) -> bool:
    """Whether `finding` shares a character with one of `others`."""
    return any(o.start < finding.end and finding.start < o.end for o in others)


def without_overlaps(findings: Iterable[Finding], others: Iterable[Finding]) -> list[Finding]:
    """`findings` less those that share a character with one of `others`: where a detector that
    knows better (a table's column, a cue in another script) takes a span over."""
    others = list(others)
    return [f for f in findings if not overlaps_any(f, others)]


def resolve_overlaps(findings: Iterable[Finding]) -> list[Finding]:
    """Keep a set of non-overlapping findings, in text order.

    Higher score wins, then the longer span, then the earlier one, then the type name: the
    same input always gives the same answer. A validated card number (high score) beats the
    phone pattern that also matches its digits; a whole e-mail beats the domain inside it.
    """
    ranked = sorted(findings, key=lambda f: (-f.score, -f.length, f.start, f.entity_type, f.detector))
    starts: list[int] = []  # kept spans, sorted by start; they never overlap each other
    ends: list[int] = []
    kept: list[Finding] = []
    for finding in ranked:
        if finding.length <= 0:
            continue
        i = bisect.bisect_left(starts, finding.end)
        # The kept span starting just before our end is the only one that can overlap us.
        if i and ends[i - 1] > finding.start:
            continue
        starts.insert(i, finding.start)
        ends.insert(i, finding.end)
        kept.append(finding)
    return sorted(kept, key=lambda f: (f.start, f.end))
