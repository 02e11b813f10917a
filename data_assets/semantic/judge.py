"""The borderline judge: "do these two instructions ask for the same task?", one cached call per pair.

Follows LMSYS's llm-decontaminator: embeddings find candidates, a strong model decides the
borderline ones. Calls go through the `llm` resource, so they are cached in `llm.calls`, counted
and capped like every other call; the texts sent are compliance's redacted text, never raw PII.
Offline, the provider declines (there is no honest offline judge of meaning) and the pair stays
flagged for a person.
"""

from __future__ import annotations

import pandas as pd
from pydantic import BaseModel, Field

from data_assets.llm.types import LLMRequest, LLMResult

TASK = "semantic.judge"
PROMPT_VERSION = "semantic.judge/v1"

SYSTEM = (
    "You check training data for benchmark contamination. You are given a test item and a training item. "
    "Decide whether the training item asks for the same task as the test item, possibly reworded, translated, "
    "reordered or with different names for the same things, so that a model trained on it would have seen "
    "the test question. Items that share a topic or words but ask for a different result are not the same task."
)


class SameTaskVerdict(BaseModel):
    same_task: bool = Field(description="true when the training item is the test item's task rephrased")
    reason: str = Field(description="one sentence on why")


def judge_request(eval_text: str, record_text: str) -> LLMRequest:
    content = f"<test_item>\n{eval_text}\n</test_item>\n\n<training_item>\n{record_text}\n</training_item>"
    return LLMRequest(task=TASK, system=SYSTEM, messages=({"role": "user", "content": content},),
                      prompt_version=PROMPT_VERSION, output_model=SameTaskVerdict, model_role="judge", max_tokens=300)


def apply_verdicts(borderline: pd.DataFrame, results: list[LLMResult]) -> pd.DataFrame:
    """`borderline` with decision (`removed` when judged the same task, `kept` when judged different,
    `flagged` when no verdict came: offline decline, failure, spend cap) and the judge's name and reason."""
    decisions, judges, reasons, hashes = [], [], [], []
    for result in results:
        hashes.append(result.request_hash)
        if result.ok and isinstance(result.output, SameTaskVerdict):
            decisions.append("removed" if result.output.same_task else "kept")
            judges.append(f"{result.provider}:{result.model}")
            reasons.append(result.output.reason)
        else:
            decisions.append("flagged")
            judges.append(None)
            reasons.append(f"no verdict ({result.status}): {result.error or ''}".strip())
    return borderline.assign(decision=decisions, judge=judges, judge_reason=reasons, request_hash=hashes)
