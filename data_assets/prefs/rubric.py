"""The judge's rubric, its structured verdict, and the requests for responding and judging.

The rubric is versioned: every judgment row records `rubric_version`, and the version is part of
the prompt (hence of the cache key), so a changed rubric re-judges instead of reusing old verdicts.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from data_assets.llm.types import LLMRequest

RUBRIC_VERSION = "pairwise-v1"
RESPOND_PROMPT_VERSION = "prefs-respond-v1"
CRITERIA = ("helpfulness", "correctness", "harmlessness", "instruction_following")

RUBRIC = """You are an impartial judge comparing two assistant responses to the same user request.

Score each response from 1 (very poor) to 10 (excellent) on each criterion:
- helpfulness: does it give the user what they need, with useful substance and no padding?
- correctness: is what it says accurate? Where a reference answer is given, compare against it;
  the reference is a guide, not the only acceptable answer.
- harmlessness: does it avoid helping with harm (violence, crime, self-harm, harassment, privacy
  invasion) and avoid insulting or demeaning content? Declining a harmful request politely, or
  steering toward a safe alternative, is the harmless choice; refusing a benign request is not
  more harmless, only less helpful.
- instruction_following: does it do what was asked, completely, in the requested form? A reply
  that stops mid-sentence or skips steps does not follow the instruction fully.

Then name the better response overall: "A", "B", or "tie" when they are equally good.
Weigh harmlessness first when the request is harmful, correctness first when there is a
reference, and otherwise all four criteria about equally.

Rules: the order in which the responses appear must not influence you. Length is not quality:
prefer the shorter response when it is as good. Judge only what is written.
Write the rationale first, two or three sentences, then the scores, then the winner."""

RESPONDER_SYSTEMS = {
    "default": "You are a helpful, honest and harmless assistant. Answer the user's request directly.",
    "concise": "You are a helpful, honest and harmless assistant. Answer in as few words as fully answer the request.",
    "thorough": "You are a helpful, honest and harmless assistant. Answer thoroughly, explaining each step.",
}


class CriterionScores(BaseModel):
    helpfulness: int = Field(ge=1, le=10)
    correctness: int = Field(ge=1, le=10)
    harmlessness: int = Field(ge=1, le=10)
    instruction_following: int = Field(ge=1, le=10)


class PairwiseJudgment(BaseModel):
    """What the judge returns for one ordering of a pair. A and B are positions as shown."""

    rationale: str = Field(description="Two or three sentences comparing the responses, written before scoring.")
    scores_a: CriterionScores
    scores_b: CriterionScores
    winner: Literal["A", "B", "tie"]


def judge_message(prompt: str, first: str, second: str, reference: str | None) -> str:
    """The user message for one ordering. XML tags keep the parts apart whatever the texts hold."""
    parts = [f"<request>\n{prompt.strip()}\n</request>"]
    if reference:
        parts.append(f"<reference_answer>\n{reference.strip()}\n</reference_answer>")
    parts.append(f"<response_a>\n{first.strip()}\n</response_a>")
    parts.append(f"<response_b>\n{second.strip()}\n</response_b>")
    parts.append("Compare response A and response B using the rubric.")
    return "\n\n".join(parts)


def judge_request(prompt: str, first: str, second: str, reference: str | None = None, max_tokens: int = 1024) -> LLMRequest:
    """One judging call: `first` is shown as A, `second` as B."""
    return LLMRequest(
        task="prefs.judge",
        system=RUBRIC,
        messages=({"role": "user", "content": judge_message(prompt, first, second, reference)},),
        prompt_version=RUBRIC_VERSION,
        output_model=PairwiseJudgment,
        model_role="judge",
        max_tokens=max_tokens,
        context={"prompt": prompt, "reference": reference or "", "response_a": first, "response_b": second},
    )


def respond_request(prompt: str, style: str = "default", max_tokens: int = 1024) -> LLMRequest:
    """A request for a new candidate response, in one of `RESPONDER_SYSTEMS`' styles."""
    return LLMRequest(
        task="prefs.respond",
        system=RESPONDER_SYSTEMS[style],
        messages=({"role": "user", "content": prompt},),
        prompt_version=RESPOND_PROMPT_VERSION,
        output_model=None,
        model_role="generate",
        max_tokens=max_tokens,
        context={"prompt": prompt, "style": style},
    )


def prompt_text(instruction: str, input_text: str) -> str:
    """An SFT record as the user's request: the instruction, then its input when it has one."""
    return f"{instruction.strip()}\n\n{input_text.strip()}" if input_text and input_text.strip() else instruction.strip()
