"""An index that finds the earlier instruction with the highest ROUGE-L fast (the score: `data_assets.text.rouge`).

Self-Instruct keeps a generated instruction only if its ROUGE-L F against every instruction seen
so far stays at or below 0.7. Scoring every pair is quadratic in LCS computations; the index
prunes with a bound that can never be wrong: LCS(a, b) is at most the size of the multiset
intersection of their tokens, and with equal weights F = 2·LCS / (|a| + |b|). Candidates come
from an inverted index of tokens, are ranked by that bound, and the exact LCS runs only while the
bound can still beat the best score found, so the maximum it returns is exact.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from data_assets.text.rouge import Reference
from data_assets.text.rouge import tokens as rouge_tokens


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
        query = Reference(tokens)
        best_score, best_position = floor, -1
        for position in order:
            if bounds[position] <= best_score:
                break
            self.exact_computations += 1
            score = query.rouge_l_f(self._tokens[position])
            if score > best_score:
                best_score, best_position = score, int(position)
        if best_position < 0:
            return None
        return Match(self._keys[best_position], best_score)

    def best_brute_force(self, text: str) -> Match | None:
        """Every pair scored exactly: the reference the index must agree with (tests, benchmark)."""
        query = Reference(rouge_tokens(text))
        best: Match | None = None
        for key, other in zip(self._keys, self._tokens):
            score = query.rouge_l_f(other)
            if score > 0 and (best is None or score > best.score):
                best = Match(key, score)
        return best
