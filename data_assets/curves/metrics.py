"""How a generated SFT response is scored against the eval item's reference response.

Two metrics, both in [0, 1], higher is better:

- `rouge_l_f`: ROUGE-L F of the whole response. Kept for comparison with earlier runs, but a
  poor measure of what training data taught: on Alpaca, echoing the instruction and input back
  scores 0.21, more than a retrieval model trained on 4,600 examples (0.13), because references
  reuse the prompt's words ("Rewrite the sentence ..." -> the sentence, rewritten).
- `novel_rouge_l_f` (the default): ROUGE-L F over the *novel* tokens only, the tokens of the
  response that do not occur anywhere in the instruction or input, on both sides. Echoing the
  prompt scores exactly 0 by construction, and so does any trick that copies from it; what is
  left is the content a model had to bring itself, which is what its training data supplies.
  Chosen over an answer-relevance metric because that needs a judge model (none can be loaded
  here) and over token-F1 because ROUGE-L keeps order, like the metric it replaces. When the
  reference has no novel token at all (sorting or selecting words from the input, a label the
  instruction names), the answer must reproduce the reference's token sequence exactly: 1 or 0.
  That is 24 of the 518 records (4.6%) of the Alpaca tuning split.

A metric is an object with `name`, `score(answers, evaluation)` (one score per eval item) and
`similarity(answer, reference, prompt)` (the same score for one pair, which the consensus
responder uses to compare candidate answers with each other).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import pandas as pd

from data_assets.text.rouge import Reference, tokens

# Caches are dropped when they reach this many entries: memory stays bounded on a long run and
# the hit rate within one curve (the same eval items, overlapping subsets) stays high.
CACHE_LIMIT = 200_000


def prompt_text(frame: pd.DataFrame) -> list[str]:
    """Instruction and input as one text, the way the responders and the echo baseline see them."""
    return [f"{i}\n{x}" if x else i for i, x in zip(frame["instruction"], frame["input"])]


class ResponseMetric(Protocol):
    name: str

    def score(self, answers: Sequence[str], evaluation: pd.DataFrame) -> np.ndarray:
        """One score in [0, 1] per row of `evaluation` (columns instruction, input, response)."""
        ...

    def similarity(self, answer: str, reference: str, prompt: str) -> float:
        """The score of `answer` against `reference` for a request whose prompt is `prompt`."""
        ...


class _Cache(dict):
    def remember(self, key, value):
        if len(self) >= CACHE_LIMIT:
            self.clear()
        self[key] = value
        return value


class RougeL:
    """ROUGE-L F of the whole response (see the module docstring), optionally without the prompt's tokens."""

    def __init__(self, exclude_prompt_tokens: bool = False) -> None:
        self.exclude_prompt_tokens = exclude_prompt_tokens
        self.name = "novel_rouge_l_f" if exclude_prompt_tokens else "rouge_l_f"
        self._tokens = _Cache()
        self._prompt_tokens = _Cache()
        self._kept = _Cache()
        self._references = _Cache()
        self._scores = _Cache()

    def _tokens_of(self, text: str) -> list[str]:
        found = self._tokens.get(text)
        return found if found is not None else self._tokens.remember(text, tokens(text))

    def _kept_tokens(self, text: str, prompt: str) -> list[str]:
        if not self.exclude_prompt_tokens:
            return self._tokens_of(text)
        key = (prompt, text)
        found = self._kept.get(key)
        if found is None:
            seen = self._prompt_tokens.get(prompt)
            if seen is None:
                seen = self._prompt_tokens.remember(prompt, frozenset(self._tokens_of(prompt)))
            found = self._kept.remember(key, [t for t in self._tokens_of(text) if t not in seen])
        return found

    def _reference(self, reference: str, prompt: str) -> Reference:
        key = (prompt, reference)
        found = self._references.get(key)
        return found if found is not None else self._references.remember(key, Reference(self._kept_tokens(reference, prompt)))

    def similarity(self, answer: str, reference: str, prompt: str) -> float:
        prepared = self._reference(reference, prompt)
        if self.exclude_prompt_tokens and prepared.length == 0:
            # The reference only rearranges or selects the prompt's words: exact match or nothing.
            return float(bool(self._tokens_of(reference)) and self._tokens_of(answer) == self._tokens_of(reference))
        return prepared.rouge_l_f(self._kept_tokens(answer, prompt))

    def score(self, answers: Sequence[str], evaluation: pd.DataFrame) -> np.ndarray:
        if len(answers) != len(evaluation):
            raise ValueError(f"{self.name}: {len(answers)} answers for {len(evaluation)} eval items")
        out = np.empty(len(evaluation))
        # The same (item, answer) pair recurs across sizes and seeds: score it once.
        for k, (answer, reference, prompt) in enumerate(zip(answers, evaluation["response"], prompt_text(evaluation))):
            key = (prompt, reference, answer)
            value = self._scores.get(key)
            out[k] = value if value is not None else self._scores.remember(key, self.similarity(answer, reference, prompt))
        return out


RESPONSE_METRICS = {"rouge_l_f": lambda: RougeL(False), "novel_rouge_l_f": lambda: RougeL(True)}


def response_metric(name: str) -> ResponseMetric:
    if name not in RESPONSE_METRICS:
        raise KeyError(f"unknown response metric {name!r}; known: {sorted(RESPONSE_METRICS)}")
    return RESPONSE_METRICS[name]()
