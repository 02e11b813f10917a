"""ROUGE-L F between two texts, the one implementation the pipeline uses.

Tokens are lower-cased runs of letters and digits: the `rouge-score` tokenizer without stemming
(Self-Instruct's novelty filter used that package). The longest common subsequence uses the
bit-parallel algorithm of Hyyrö (2004) on Python integers: one pass over the candidate with a few
big-integer operations per token instead of the quadratic table, which is what makes scoring every
curves eval item at every subset size, and every synth candidate against its nearest
instructions, affordable. F uses β = 1, so F = 2·LCS / (|a| + |b|).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_TOKEN = re.compile(r"[a-z0-9]+")


def tokens(text: str) -> list[str]:
    """Lowercased alphanumeric tokens (a word and its inflection stay different tokens)."""
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
        return 2.0 * self.lcs(candidate) / (len(candidate) + self.length)


def rouge_l_f_tokens(candidate: Sequence[str], reference: Sequence[str]) -> float:
    """ROUGE-L F of two token lists (symmetric)."""
    return Reference(reference).rouge_l_f(candidate)


def rouge_l_f(candidate: str, reference: str) -> float:
    """ROUGE-L F of two texts."""
    return Reference(tokens(reference)).rouge_l_f(tokens(candidate))
