"""The filters a generated task must pass to be kept, each with the reason it records when it fails.

Order matters only for which reason is recorded: the cheap, unambiguous checks come first, the
novelty check (ROUGE-L against every seed and kept instruction) and the near-duplicate check
against the curated set after them, the PII re-scan last because it may rewrite the text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from data_assets.synth.rouge import RougeIndex

# Self-Instruct's list of things a text-only model cannot do, plus the URL and file cases.
UNSUPPORTED = re.compile(
    r"\b(image|images|picture|pictures|photo|photos|photograph|graph|graphs|map|maps|draw|drawing|sketch|plot|"
    r"diagram|flowchart|video|videos|audio|music|sound|listen|recording|file|files|attachment|attached|upload|"
    r"download|spreadsheet|pdf|go to|visit (the|this)|open (the|this) (link|website|page)|browse|website|url|"
    r"https?://|www\.)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class FilterLimits:
    min_instruction_words: int = 3
    max_instruction_words: int = 150
    max_input_words: int = 400
    max_response_words: int = 1000
    rouge_threshold: float = 0.7


@dataclass(frozen=True)
class FilterOutcome:
    """Why the rule filters rejected one generated task (`reason`), or None when it is kept."""

    reason: str | None          # None: kept
    detail: str = ""
    max_rouge_l: float = 0.0


def _normalized(text: str) -> str:
    # Case stays: turning a text into lowercase is a real task whose output differs only in case.
    return re.sub(r"\s+", " ", text).strip()


def check_task(instruction: str, input_text: str, response: str, limits: FilterLimits, rouge: RougeIndex,
               near_duplicate: Callable[[str], str | None]) -> FilterOutcome:
    """Keep or reject one generated task. `near_duplicate(text)` returns the id of a curated record
    the task's text nearly duplicates, or None."""
    if not response.strip():
        return FilterOutcome("empty_output", "the response is empty")
    words = len(instruction.split())
    if words < limits.min_instruction_words:
        return FilterOutcome("too_short", f"instruction has {words} words < {limits.min_instruction_words}")
    if words > limits.max_instruction_words:
        return FilterOutcome("too_long", f"instruction has {words} words > {limits.max_instruction_words}")
    for field, text, cap in (("input", input_text, limits.max_input_words), ("response", response, limits.max_response_words)):
        if len(text.split()) > cap:
            return FilterOutcome("too_long", f"{field} has {len(text.split())} words > {cap}")
    unsupported = UNSUPPORTED.search(instruction)
    if unsupported:
        return FilterOutcome("unsupported_modality", f"instruction mentions {unsupported.group(0)!r}")
    if input_text.strip() and _normalized(input_text) == _normalized(response):
        return FilterOutcome("input_equals_output", "the response repeats the input")
    best = rouge.best(instruction)
    score = best.score if best else 0.0
    if best and score > limits.rouge_threshold:
        return FilterOutcome("not_novel", f"ROUGE-L {score:.3f} with {best.key}", score)
    duplicate_of = near_duplicate("\n".join([instruction, input_text, response]))
    if duplicate_of:
        return FilterOutcome("near_duplicate_of_curated", f"near-duplicate of {duplicate_of}", score)
    return FilterOutcome(None, "", score)
