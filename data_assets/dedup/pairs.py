"""Where dedup's global step runs: candidate pairs from LSH bands and their verification by true Jaccard.

`PairSearch` does it here with numpy; `data_assets.scale.pairs.RayPairSearch` does the same
steps across a Ray cluster (bands shuffled by key, verification in parallel) and returns the same
arrays, so `deduplicate` and `EvalIndex` decide identically whichever one they are given.
"""

from __future__ import annotations

import numpy as np

from data_assets.dedup.minhash import lsh_candidates, lsh_cross_candidates, verified_jaccard
from data_assets.dedup.text import Features


class PairSearch:
    """In-process: the numpy functions of `dedup.minhash`."""

    def candidates(self, sigs: np.ndarray, bands: int, rows: int, eligible: np.ndarray) -> np.ndarray:
        return lsh_candidates(sigs, bands, rows, eligible=eligible)

    def cross_candidates(self, query_sigs: np.ndarray, index_sigs: np.ndarray, bands: int, rows: int,
                         query_eligible: np.ndarray, index_eligible: np.ndarray) -> np.ndarray:
        return lsh_cross_candidates(query_sigs, index_sigs, bands, rows, query_eligible, index_eligible)

    def jaccard(self, features: Features, pairs: np.ndarray) -> np.ndarray:
        return verified_jaccard(features, pairs)


IN_PROCESS = PairSearch()
