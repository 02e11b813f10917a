"""Offline rejected candidates: a documented degradation of the existing response.

Where no model can write a second response (the offline provider declines `prefs.respond`), the
other side of a pair is the existing response made worse in one known way. Corrupting a good
answer is an established way to get rejected samples for preference data; each way below models a
real failure of a weak model, and the pair records which one was applied:

- `truncated`: the answer stops part-way (35-60% of its words) in the middle of a sentence, as a
  reply cut off by a token limit does.
- `steps_dropped`: about half of the steps (lines of a list, else sentences) after the first are
  removed, keeping original numbering, as an answer that skips steps does.
- `instruction_ignored`: the steps that address the instruction (those sharing the most content
  words with it) are removed and the generic rest is kept, as an answer that drifts off the
  request does.

The way is picked deterministically from the record id among the ways that apply to that
response, so re-runs make the same pairs; a response too short for any of them gets none.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from data_assets.prefs.text import content_terms, split_steps, stable_fraction

METHODS = ("truncated", "steps_dropped", "instruction_ignored")
MIN_WORDS_TO_TRUNCATE = 8


@dataclass(frozen=True)
class Degradation:
    method: str
    text: str
    detail: str


def degrade(record_id: str, instruction: str, response: str) -> Degradation | None:
    """The degraded response for one record, or None when no way applies to it."""
    options = [d for d in (_truncate(record_id, response), _drop_steps(record_id, response),
                           _ignore_instruction(instruction, response)) if d is not None and d.text.strip() != response.strip()]
    if not options:
        return None
    return options[int(stable_fraction("degrade", record_id) * len(options))]


def _truncate(record_id: str, response: str) -> Degradation | None:
    ends = [m.end() for m in re.finditer(r"\S+", response)]
    if len(ends) < MIN_WORDS_TO_TRUNCATE:
        return None
    share = 0.35 + 0.25 * stable_fraction("truncate", record_id)
    keep = max(3, int(len(ends) * share))
    # Cut at a word's end, keeping the text before it verbatim; trailing punctuation would make
    # the cut read like a finished sentence.
    text = response[: ends[keep - 1]].rstrip(".!?;:,")
    return Degradation("truncated", text, f"kept {keep} of {len(ends)} words")


def _drop_steps(record_id: str, response: str) -> Degradation | None:
    steps, joiner = split_steps(response)
    if len(steps) < 3:
        return None
    later = list(range(1, len(steps)))
    count = max(1, len(later) // 2)
    # A deterministic rotation of the later steps picks which go, so different records lose different parts.
    start = int(stable_fraction("drop", record_id) * len(later))
    dropped = {later[(start + i) % len(later)] for i in range(count)}
    kept = [s for i, s in enumerate(steps) if i not in dropped]
    return Degradation("steps_dropped", joiner.join(kept), f"dropped {len(dropped)} of {len(steps)} steps")


def _ignore_instruction(instruction: str, response: str) -> Degradation | None:
    terms = content_terms(instruction)
    steps, joiner = split_steps(response)
    if len(steps) < 2 or not terms:
        return None
    overlap = [(len(content_terms(s) & terms), i) for i, s in enumerate(steps)]
    relevant = sorted((o for o in overlap if o[0] > 0), key=lambda o: (-o[0], o[1]))
    if not relevant:
        return None
    # Remove at least one step, and never all of them: what is left must still be a reply.
    count = min(len(relevant), max(1, math.ceil(len(steps) / 2)), len(steps) - 1)
    dropped = {i for _, i in relevant[:count]}
    kept = [s for i, s in enumerate(steps) if i not in dropped]
    return Degradation("instruction_ignored", joiner.join(kept),
                       f"removed {len(dropped)} of {len(steps)} steps that address the instruction")
