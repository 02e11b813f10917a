"""ROUGE-L between instructions, and an index that finds the most similar earlier instruction fast.

Self-Instruct keeps a generated instruction only if its ROUGE-L F against every instruction seen
so far stays at or below 0.7. Scoring every pair is quadratic in LCS computations; the index
prunes with a bound that can never be wrong: LCS(a, b) is at most the size of the multiset
intersection of their tokens, and with equal weights F = 2·LCS / (|a| + |b|). Candidates come
from an inverted index of tokens, are ranked by that bound, and the exact LCS runs only while the
bound can still beat the best score found, so the maximum it returns is exact.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def rouge_tokens(text: str) -> list[str]:
    """Lowercased alphanumeric tokens, the tokenization of the `rouge_score` package Self-Instruct used
    (without stemming, so a word and its inflection count as different tokens)."""
    return [t for t in _NON_ALNUM.split(text.lower()) if t]


def lcs_length(a: list[str], b: list[str]) -> int:
    """Length of the longest common subsequence, in O(|a|·|b|) time and O(min) memory."""
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return 0
    previous = [0] * (len(b) + 1)
    for token in a:
        current = [0]
        for j, other in enumerate(b, start=1):
            if token == other:
                current.append(previous[j - 1] + 1)
            else:
                current.append(max(previous[j], current[j - 1]))
        previous = current
    return previous[-1]


def rouge_l_f(a: list[str], b: list[str]) -> float:
    """ROUGE-L F-measure (β = 1) of two token lists."""
    if not a or not b:
        return 0.0
    return 2.0 * lcs_length(a, b) / (len(a) + len(b))


@dataclass(frozen=True)
class Match:
    key: str
    score: float


class _Postings:
    """Ids and token counts of the instructions holding one token, in growable numpy arrays."""

    __slots__ = ("ids", "counts", "size")

    def __init__(self) -> None:
        self.ids = np.empty(4, dtype=np.int64)
        self.counts = np.empty(4, dtype=np.int64)
        self.size = 0

    def append(self, position: int, count: int) -> None:
        if self.size == len(self.ids):
            self.ids = np.resize(self.ids, 2 * self.size)
            self.counts = np.resize(self.counts, 2 * self.size)
        self.ids[self.size] = position
        self.counts[self.size] = count
        self.size += 1


class RougeIndex:
    """Instructions added so far, queried for the one with the highest ROUGE-L F to a new text."""

    def __init__(self) -> None:
        self._tokens: list[list[str]] = []
        self._keys: list[str] = []
        self._lengths = np.empty(64, dtype=np.int64)
        self._postings: dict[str, _Postings] = {}
        self.exact_computations = 0

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, key: str, text: str) -> None:
        tokens = rouge_tokens(text)
        position = len(self._keys)
        self._keys.append(key)
        self._tokens.append(tokens)
        if position == len(self._lengths):
            self._lengths = np.resize(self._lengths, 2 * position)
        self._lengths[position] = len(tokens)
        for token, count in Counter(tokens).items():
            self._postings.setdefault(token, _Postings()).append(position, count)

    def best(self, text: str, floor: float = 0.0) -> Match | None:
        """The indexed instruction with the highest ROUGE-L F to `text`, if any scores above `floor`."""
        tokens = rouge_tokens(text)
        n = len(self._keys)
        if not tokens or n == 0:
            return None
        overlap = np.zeros(n, dtype=np.int64)
        for token, count in Counter(tokens).items():
            postings = self._postings.get(token)
            if postings is not None:
                ids = postings.ids[:postings.size]
                overlap[ids] += np.minimum(postings.counts[:postings.size], count)
        bounds = 2.0 * overlap / (len(tokens) + self._lengths[:n])
        candidates = np.flatnonzero(bounds > floor)
        # Highest bound first, ties by insertion order, so the reported match is stable.
        order = candidates[np.lexsort((candidates, -bounds[candidates]))]
        best_score, best_position = floor, -1
        for position in order:
            if bounds[position] <= best_score:
                break
            self.exact_computations += 1
            score = rouge_l_f(tokens, self._tokens[position])
            if score > best_score:
                best_score, best_position = score, int(position)
        if best_position < 0:
            return None
        return Match(self._keys[best_position], best_score)

    def best_brute_force(self, text: str) -> Match | None:
        """Every pair scored exactly: the reference the index must agree with (tests, benchmark)."""
        tokens = rouge_tokens(text)
        best: Match | None = None
        for key, other in zip(self._keys, self._tokens):
            score = rouge_l_f(tokens, other)
            if score > 0 and (best is None or score > best.score):
                best = Match(key, score)
        return best
