"""The rules human data passes, applied to generated text: near-duplicates and the PII re-scan.

The PII re-scan is the compliance stage's own `scan_and_redact`. Near-duplicates use the dedup
stage's definition (normalized words: NFKC, case folding, non-alphanumerics as spaces; word
5-gram shingles; Jaccard of the shingle sets at or above a threshold), computed exactly: the
texts compared here are a few thousand curated records against a few hundred new ones, so an
inverted index of shingles in front of the exact Jaccard is enough and has no LSH misses.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable

import pandas as pd

from data_assets.compliance import scan_and_redact

SHINGLE_WORDS = 5
_SEPARATORS = re.compile(r"[\W_]+")


def normalized_words(text: str) -> list[str]:
    normalized = _SEPARATORS.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()
    return normalized.split(" ") if normalized else []


def shingle_set(text: str, size: int = SHINGLE_WORDS) -> frozenset[str]:
    tokens = normalized_words(text)
    if len(tokens) <= size:
        return frozenset([" ".join(tokens)]) if tokens else frozenset()
    return frozenset(" ".join(tokens[i:i + size]) for i in range(len(tokens) - size + 1))


class NearDuplicates:
    """Texts added so far, queried for those whose shingle Jaccard with a new text is >= threshold."""

    def __init__(self, threshold: float, size: int = SHINGLE_WORDS) -> None:
        self.threshold = threshold
        self.size = size
        self._sets: dict[str, frozenset[str]] = {}
        self._postings: dict[str, list[str]] = defaultdict(list)

    def add(self, key: str, text: str) -> None:
        shingles = shingle_set(text, self.size)
        self._sets[key] = shingles
        for shingle in shingles:
            self._postings[shingle].append(key)

    def query(self, text: str) -> list[str]:
        """Keys of the near-duplicates of `text`, most similar first."""
        shingles = shingle_set(text, self.size)
        if not shingles:
            return []
        shared: dict[str, int] = defaultdict(int)
        for shingle in shingles:
            for key in self._postings.get(shingle, ()):
                shared[key] += 1
        hits = []
        for key, overlap in shared.items():
            similarity = overlap / (len(shingles) + len(self._sets[key]) - overlap)
            if similarity >= self.threshold:
                hits.append((similarity, key))
        return [key for _, key in sorted(hits, key=lambda item: (-item[0], item[1]))]


def record_text(instruction: str, input_text: str, response: str) -> str:
    return "\n".join([instruction, input_text, response])


def near_duplicate_index(records: Iterable[tuple[str, str]], threshold: float) -> NearDuplicates:
    index = NearDuplicates(threshold)
    for key, text in records:
        index.add(key, text)
    return index


def curated_near_duplicates(curated: pd.DataFrame, threshold: float) -> Callable[[str], str | None]:
    """`text -> id of a curated record it nearly duplicates, or None`."""
    index = near_duplicate_index(
        ((rid, record_text(i, x, r)) for rid, i, x, r in zip(curated["record_id"], curated["instruction"], curated["input"], curated["response"])),
        threshold,
    )

    def query(text: str) -> str | None:
        hits = index.query(text)
        return hits[0] if hits else None

    return query


def rescan(fields: dict[str, str]):
    """The compliance scan with its default policy: `.status` pass | redacted | dropped, `.fields`, `.reasons`."""
    return scan_and_redact(fields)
