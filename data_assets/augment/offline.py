"""Offline answers to the augment tasks: none. Paraphrasing, changing register or length, and
translating all need a language model; a program that pretended would produce text no one should
train on. Each request is declined with the reason, recorded in `llm.calls`, and the asset reports
the method as skipped. The rule-based method (noise) never goes through the LLM layer."""

from __future__ import annotations

from data_assets.llm.offline import offline_handler
from data_assets.llm.types import Declined, LLMRequest

_WHY = {
    "augment.paraphrase": "paraphrasing needs a language model; the offline provider does not invent rewrites",
    "augment.style": "changing register or length needs a language model; the offline provider does not invent rewrites",
    "augment.translate": "translation needs a language model; the offline provider does not invent translations",
}


def _decline(request: LLMRequest) -> Declined:
    return Declined(_WHY[request.task])


for _task in _WHY:
    offline_handler(_task)(_decline)
