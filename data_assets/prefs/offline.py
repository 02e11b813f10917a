"""What the offline provider answers for the prefs stage.

- `prefs.judge`: the heuristic judge of `data_assets.prefs.heuristic` (documented there): it scores
  each response on its own, so it is position-consistent by construction.
- `prefs.respond`: declined. Writing an open-ended answer is something a program cannot do
  honestly; the stage falls back to a documented degradation of the existing response
  (`data_assets.prefs.degrade`) and says so in its metadata and in `prefs.responses.origin`.
"""

from __future__ import annotations

from data_assets.llm.offline import offline_handler
from data_assets.llm.types import Declined, LLMRequest
from data_assets.prefs import heuristic
from data_assets.prefs.rubric import PairwiseJudgment


@offline_handler("prefs.judge")
def judge(request: LLMRequest) -> PairwiseJudgment:
    context = request.context
    return heuristic.judge(context["prompt"], context["response_a"], context["response_b"], context.get("reference") or None)


@offline_handler("prefs.respond")
def respond(request: LLMRequest) -> Declined:
    return Declined("the offline provider cannot write an open-ended answer; the stage degrades the existing response instead")
