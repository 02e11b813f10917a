"""ROUGE-L F between a generated and a reference response, fast enough to score thousands of pairs.

Tokens are lower-cased runs of letters and digits (the `rouge-score` tokenizer without stemming).
The longest common subsequence uses the bit-parallel algorithm of Hyyrö (2004) on Python integers:
one pass over the candidate with a few big-integer operations per token, instead of the
quadratic table, which is what makes scoring every eval item at every subset size affordable.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_TOKEN = re.compile(r"[a-z0-9]+")


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


class Reference:
    """A reference text prepared once: its tokens and, per token, the bitmask of its positions."""

    __slots__ = ("length", "masks", "all_ones")

    def __init__(self, text_tokens: Sequence[str]) -> None:
        self.length = len(text_tokens)
        self.all_ones = (1 << self.length) - 1
        masks: dict[str, int] = {}
        for position, token in enumerate(text_tokens):
            masks[token] = masks.get(token, 0) | (1 << position)
        self.masks = masks

    def lcs(self, candidate: Sequence[str]) -> int:
        masks, ones = self.masks, self.all_ones
        row = ones
        for token in candidate:
            matches = masks.get(token)
            if matches:
                shared = row & matches
                row = ((row + shared) | (row - shared)) & ones
        return self.length - row.bit_count()

    def rouge_l_f(self, candidate: Sequence[str]) -> float:
        if not self.length or not candidate:
            return 0.0
        common = self.lcs(candidate)
        if common == 0:
            return 0.0
        precision = common / len(candidate)
        recall = common / self.length
        return 2 * precision * recall / (precision + recall)


def rouge_l_f(candidate: str, reference: str) -> float:
    return Reference(tokens(reference)).rouge_l_f(tokens(candidate))
