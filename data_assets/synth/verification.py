"""How a synthetic pair was verified, in words that say how much the check is worth.

The offline provider writes its tasks with the computed families of `families.py`, and the
recomputation that verifies a pair runs the same families: an offline pair that "passes" shows
that the code agrees with itself, not that anything independent checked it. That is a
self-consistency check and is named so everywhere (metadata, exports, the dataset card),
never counted as verification. A pair Claude wrote and the families recomputed is independently
checked (the generator did not run our code); a pair a judge model accepted says which model.

Labels (`verification` in sft.jsonl, the synth stage's metadata):
- `recomputed`: the answer was computed again by the task family's code and matches.
- `self_consistency:offline`: written and recomputed by the same offline code (not independent).
- `judge:<model>`: a judge model read the pair and found it correct.
- `none`: not verified (verification switched off, or a record that was never generated).
- `unverified:<how>`: the check ran and did not pass (only exported when asked for).
"""

from __future__ import annotations

from data_assets.llm.pricing import OFFLINE_PROVIDER

SELF_CONSISTENCY = "self_consistency:offline"
RECOMPUTED = "recomputed"
NONE = "none"


def verification_label(provider: str | None, verified_by: str | None, verified: bool, judge_model: str | None = None) -> str:
    """The `verification` label of a synthetic pair (see the module docstring)."""
    if verified_by == "computation":
        how = SELF_CONSISTENCY if provider == OFFLINE_PROVIDER else RECOMPUTED
    elif verified_by == "judge":
        how = f"judge:{judge_model or 'unknown'}"
    else:
        return NONE
    return how if verified else f"unverified:{how}"


def is_self_consistency(label: str) -> bool:
    return SELF_CONSISTENCY in label
