"""Offline answers for the semantic layer's model tasks: none. Deciding whether two texts ask the
same task is judgment of meaning, which no program here can do honestly, so the request is
declined with that reason and the pair stays flagged, not removed."""

from __future__ import annotations

from data_assets.llm.offline import offline_handler
from data_assets.llm.types import Declined, LLMRequest


@offline_handler("semantic.judge")
def judge(request: LLMRequest) -> Declined:
    return Declined("offline provider cannot judge whether two instructions ask the same task; "
                    "the borderline pair is flagged for review, not removed")
