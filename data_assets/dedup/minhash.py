"""MinHash signatures, LSH banding and exact Jaccard verification, in bulk.

The scheme is datasketch 2.x's `affine32` MinHash: a shingle's 32-bit hash (`text.shingle_hash`) is
pre-mixed with the 32-bit MurmurHash3 finalizer, then permuted by `a*h + b mod 2**32` with the `a, b`
that `datasketch.MinHash(num_perm, seed, scheme="affine32")` draws; the signature is the minimum per
permutation. `signatures()` computes that with numpy for many records at once, and the tests hold
it equal to `datasketch.MinHash(..., hashfunc=text.datasketch_hashfunc).update_batch(shingles)`.

Banding follows `datasketch.MinHashLSH(num_perm, params=(bands, rows))`: band `i` is signature
columns `i*rows .. (i+1)*rows-1`, and two records are candidates when any band matches.
`lsh_candidates()` does the same grouping with sorted numpy keys instead of one dict per band (the
tests check it returns the pairs MinHashLSH returns); `NearDuplicateIndex` uses MinHashLSH itself.

Why not `MinHashLSH(threshold=0.7)`: it picks bands that catch only about 44% of pairs at exactly
0.7. We choose rows so that a pair AT the threshold becomes a candidate with probability >= 0.999
(for 0.7 and 128 permutations: 32 bands of 4 rows, 1 - (1 - 0.7**4)**32 = 0.99985), accept the
extra candidates below the threshold, and let the true Jaccard of the shingle sets decide. So
precision never rests on LSH, and recall loses at most ~0.015% of pairs at the threshold (less above it).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property

import numpy as np
import scipy.sparse as sp
from datasketch import LeanMinHash, MinHash, MinHashLSH

from data_assets.dedup.text import SHINGLE_WORDS, Features, featurize, fmix64, gather_ranges, splitmix64

_EMPTY = np.uint32(0xFFFFFFFF)
_BAND_SEED = 0x42414E44   # "BAND": band keys are never stored, so this seed can change freely


@cache
def _band_multipliers(rows: int) -> np.ndarray:
    """One odd multiplier per signature column of a band, derived for any number of rows per band."""
    return np.array([value | 1 for value in splitmix64(_BAND_SEED, rows)], dtype=np.uint64)


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """`np.unique` by sorting: numpy 2.4's default hash-based unique is ~50x slower on large uint64 arrays."""
    values = np.sort(values)
    if len(values) < 2:
        return values
    keep = np.empty(len(values), dtype=bool)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


def candidate_probability(similarity: float, bands: int, rows: int) -> float:
    """Chance that LSH with `bands` x `rows` makes a pair of this Jaccard similarity a candidate."""
    return 1.0 - (1.0 - similarity ** rows) ** bands


def choose_banding(threshold: float, num_perm: int, min_recall: float = 0.999) -> tuple[int, int]:
    """The most rows per band (fewest false candidates) that still catch a pair at `threshold`
    with probability `min_recall`, using as many bands as `num_perm` allows."""
    best = (num_perm, 1)
    for rows in range(1, num_perm + 1):
        bands = num_perm // rows
        if bands < 2:
            break
        if candidate_probability(threshold, bands, rows) >= min_recall:
            best = (bands, rows)
    return best


@dataclass(frozen=True)
class MinHashScheme:
    """Everything that makes two signatures comparable; `name` is stored beside every signature.

    Bands and rows are not part of it: they only decide which stored signatures become candidates.
    """

    num_perm: int = 128
    seed: int = 1
    shingle_words: int = SHINGLE_WORDS
    permutation: str = "affine32"
    hashfunc: str = "shingle_hash-v2"   # v2: word-slot multipliers derived (v1 listed eight)

    @property
    def name(self) -> str:
        return (f"datasketch-{self.permutation}/seed={self.seed}/num_perm={self.num_perm}"
                f"/words={self.shingle_words}/hashfunc={self.hashfunc}")

    @cached_property
    def permutations(self) -> np.ndarray:
        return MinHash(num_perm=self.num_perm, seed=self.seed, scheme=self.permutation).permutations

    def minhash(self, signature: np.ndarray) -> LeanMinHash:
        return LeanMinHash(seed=self.seed, hashvalues=signature, scheme=self.permutation)


DEFAULT_SCHEME = MinHashScheme()


def fmix32(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer: datasketch's pre-mix for the affine32 scheme."""
    values = values ^ (values >> np.uint32(16))
    values = values * np.uint32(0x85EBCA6B)
    values ^= values >> np.uint32(13)
    values *= np.uint32(0xC2B2AE35)
    values ^= values >> np.uint32(16)
    return values


def signatures(features: Features, scheme: MinHashScheme = DEFAULT_SCHEME, block: int = 1 << 16) -> np.ndarray:
    """(records, num_perm) uint32 MinHash signatures; a record without shingles gets datasketch's empty value.

    Work goes one permutation at a time over blocks of about 64k shingles, so each pass stays in
    cache: 14M shingles x 128 permutations take under a second this way, and three times longer
    as one (shingles x permutations) matrix.
    """
    a, b = scheme.permutations
    counts = np.diff(features.shingle_offsets)
    n = len(counts)
    result = np.full((n, scheme.num_perm), _EMPTY, dtype=np.uint32)
    filled = np.flatnonzero(counts > 0)
    if len(filled) == 0:
        return result
    starts = features.shingle_offsets[filled]
    ends = features.shingle_offsets[filled + 1]
    buffer = np.empty(block + int(counts.max()), dtype=np.uint32)
    first = 0
    while first < len(filled):
        last = int(np.searchsorted(starts, starts[first] + block, side="right"))
        last = max(last, first + 1)
        lo, hi = starts[first], ends[last - 1]
        values = fmix32(features.shingle_values[lo:hi])
        out = buffer[: hi - lo]
        segment_starts = starts[first:last] - lo
        block_result = np.empty((scheme.num_perm, last - first), dtype=np.uint32)
        for k in range(scheme.num_perm):
            np.multiply(values, a[k], out=out)
            np.add(out, b[k], out=out)
            block_result[k] = np.minimum.reduceat(out, segment_starts)
        result[filled[first:last]] = block_result.T
        first = last
    return result


def band_keys(signature_band: np.ndarray) -> np.ndarray:
    """One 64-bit key per row of a (records, rows) band; equal bands, equal keys. A rare 64-bit
    collision only adds a candidate, which verification then rejects."""
    total = np.zeros(len(signature_band), dtype=np.uint64)
    multipliers = _band_multipliers(signature_band.shape[1])
    for column in range(signature_band.shape[1]):
        total += signature_band[:, column].astype(np.uint64) * multipliers[column] + np.uint64(column)
    return fmix64(total)


def pairs_within_groups(order: np.ndarray, group_end: np.ndarray) -> np.ndarray:
    """All pairs of members inside each run of equal keys; `group_end[p]` is the end of p's run."""
    chunks = []
    positions = np.arange(len(order), dtype=np.int64)
    step = 1
    while len(positions):
        positions = positions[positions + step < group_end[positions]]
        if len(positions) == 0:
            break
        chunks.append(np.stack([order[positions], order[positions + step]], axis=1))
        step += 1
    return np.concatenate(chunks) if chunks else np.zeros((0, 2), dtype=np.int64)


def lsh_candidates(sigs: np.ndarray, bands: int, rows: int, eligible: np.ndarray | None = None) -> np.ndarray:
    """Candidate pairs (i < j, unique, sorted) of rows whose signatures agree on at least one band.

    `eligible` (bool per row, or the row numbers) picks the rows that take part: records without
    shingles would all collide on their empty signatures, and exact copies need only one row.
    """
    n = len(sigs)
    if eligible is None:
        index = np.arange(n, dtype=np.int64)
    else:
        eligible = np.asarray(eligible)
        index = np.flatnonzero(eligible) if eligible.dtype == bool else eligible.astype(np.int64)
    if len(index) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    found = []
    for band in range(bands):
        keys = band_keys(sigs[index, band * rows: (band + 1) * rows])
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        change = np.flatnonzero(sorted_keys[1:] != sorted_keys[:-1]) + 1
        bounds = np.concatenate([[0], change, [len(keys)]])
        sizes = np.diff(bounds)
        if sizes.max() < 2:
            continue
        pairs = pairs_within_groups(order, np.repeat(bounds[1:], sizes))
        found.append(index[pairs])
    if not found:
        return np.zeros((0, 2), dtype=np.int64)
    pairs = np.concatenate(found)
    pairs.sort(axis=1)
    codes = sorted_unique(pairs[:, 0] * n + pairs[:, 1])
    return np.stack([codes // n, codes % n], axis=1)


def lsh_cross_candidates(query_sigs: np.ndarray, index_sigs: np.ndarray, bands: int, rows: int,
                         query_eligible: np.ndarray, index_eligible: np.ndarray) -> np.ndarray:
    """Pairs (query row, index row), unique and sorted, whose signatures agree on at least one band.

    The same banding as `lsh_candidates`, but only across the two sets: each band's index keys are
    sorted once and every query key is looked up in them, so pairs inside either set are never formed.
    """
    query_rows = np.flatnonzero(np.asarray(query_eligible, dtype=bool))
    index_rows = np.flatnonzero(np.asarray(index_eligible, dtype=bool))
    if len(query_rows) == 0 or len(index_rows) == 0:
        return np.zeros((0, 2), dtype=np.int64)
    found = []
    for band in range(bands):
        columns = slice(band * rows, (band + 1) * rows)
        index_keys = band_keys(index_sigs[index_rows, columns])
        order = np.argsort(index_keys, kind="stable")
        sorted_keys = index_keys[order]
        query_keys = band_keys(query_sigs[query_rows, columns])
        lo = np.searchsorted(sorted_keys, query_keys, side="left")
        hi = np.searchsorted(sorted_keys, query_keys, side="right")
        hit = np.flatnonzero(hi > lo)
        if len(hit) == 0:
            continue
        fan = (hi - lo)[hit]
        found.append(np.stack([np.repeat(query_rows[hit], fan), index_rows[order[gather_ranges(lo[hit], fan)]]], axis=1))
    if not found:
        return np.zeros((0, 2), dtype=np.int64)
    pairs = np.concatenate(found)
    width = np.int64(len(index_sigs))
    codes = sorted_unique(pairs[:, 0] * width + pairs[:, 1])
    return np.stack([codes // width, codes % width], axis=1)


def shingle_sets(features: Features, rows: np.ndarray) -> sp.csr_matrix:
    """Binary (len(rows), 2**32) matrix of the records' distinct shingle hashes, rows in the given order."""
    rows = np.asarray(rows, dtype=np.int64)
    counts = np.diff(features.shingle_offsets)[rows]
    values = features.shingle_values[gather_ranges(features.shingle_offsets[rows], counts)]
    keys = np.repeat(np.arange(len(rows), dtype=np.uint64), counts)
    keys <<= np.uint64(32)
    keys |= values
    del values
    keys = sorted_unique(keys)
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(np.bincount((keys >> np.uint64(32)).astype(np.int64), minlength=len(rows)), out=indptr[1:])
    keys &= np.uint64(0xFFFFFFFF)
    indices = keys.view(np.int64)
    return sp.csr_matrix((np.ones(len(indices), dtype=np.int8), indices, indptr), shape=(len(rows), 1 << 32))


def verified_jaccard(features: Features, pairs: np.ndarray, shingles_per_chunk: int = 1 << 18) -> np.ndarray:
    """True Jaccard similarity of the shingle sets of each pair (i, j) of record positions.

    "True" means exact over the records' 32-bit shingle hashes, not over the shingle strings. Two
    records with m and n distinct shingles share a spurious hash with probability at most
    m*n / 2**32 (about 5e-6 for two 140-word records); each such collision adds one to the
    intersection, so the similarity can only be overstated, by about 1/union per collision.

    Pairs go in chunks of about `shingles_per_chunk` shingles, each chunk with the distinct
    shingles of only its own records, so memory stays bounded (~10 MB) however many candidates
    LSH returns.
    """
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    result = np.empty(len(pairs), dtype=np.float64)
    mean_shingles = max(float(np.diff(features.shingle_offsets).mean()) if len(features) else 1.0, 1.0)
    chunk = max(64, int(shingles_per_chunk / (2 * mean_shingles)))
    for lo in range(0, len(pairs), chunk):
        part = pairs[lo: lo + chunk]
        involved = sorted_unique(part.ravel())
        local = np.searchsorted(involved, part)
        matrix = shingle_sets(features, involved)
        sizes = np.diff(matrix.indptr)
        left, right = local[:, 0], local[:, 1]
        inter = np.asarray(matrix[left].multiply(matrix[right]).sum(axis=1, dtype=np.int64)).ravel()
        union = sizes[left] + sizes[right] - inter
        result[lo: lo + chunk] = np.where(union > 0, inter / np.maximum(union, 1), 0.0)
    return result


@dataclass
class NearDuplicateIndex:
    """Find stored texts whose word-shingle Jaccard similarity to a new text is at least `threshold`.

    For stages that must not add near-duplicates of curated records (augment, synth):

        index = NearDuplicateIndex(threshold=0.7)
        index.add_many({record_id: "\\n".join([instruction, input, response]), ...})
        index.query("a generated text")        # -> [(record_id, 0.83), ...], most similar first
        index.add("new_id", "a generated text")

    Candidates come from `datasketch.MinHashLSH` over signatures of the dedup scheme, and each is
    kept only if the true Jaccard of the shingle sets reaches the threshold, so there are no false
    positives. Texts are normalized like dedup does, so joining fields with newlines gives the
    same shingles as the dedup stage.
    """

    threshold: float = 0.7
    scheme: MinHashScheme = DEFAULT_SCHEME
    _lsh: MinHashLSH = field(init=False, repr=False)
    _sets: dict[Hashable, np.ndarray] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        bands, rows = choose_banding(self.threshold, self.scheme.num_perm)
        self._lsh = MinHashLSH(num_perm=self.scheme.num_perm, params=(bands, rows))

    def __len__(self) -> int:
        return len(self._sets)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._sets

    def _prepare(self, texts: list[str]) -> tuple[Features, np.ndarray]:
        features = featurize([texts], size=self.scheme.shingle_words)
        return features, signatures(features, self.scheme)

    def add(self, key: Hashable, text: str) -> None:
        self.add_many([(key, text)])

    def add_many(self, items: Mapping[Hashable, str] | Iterable[tuple[Hashable, str]]) -> None:
        pairs = list(items.items()) if isinstance(items, Mapping) else list(items)
        keys = [k for k, _ in pairs]
        if len(set(keys)) != len(keys) or any(k in self._sets for k in keys):
            raise ValueError("NearDuplicateIndex keys must be unique")
        features, sigs = self._prepare([t for _, t in pairs])
        with self._lsh.insertion_session() as session:
            for i, key in enumerate(keys):
                values = np.unique(features.shingles_of(i))
                self._sets[key] = values
                if len(values):
                    session.insert(key, self.scheme.minhash(sigs[i]), check_duplication=False)

    def query(self, text: str) -> list[tuple[Hashable, float]]:
        return self.query_many([text])[0]

    def query_many(self, texts: list[str]) -> list[list[tuple[Hashable, float]]]:
        features, sigs = self._prepare(list(texts))
        results = []
        for i in range(len(texts)):
            values = np.unique(features.shingles_of(i))
            if len(values) == 0 or len(self._sets) == 0:
                results.append([])
                continue
            found = []
            for key in self._lsh.query(self.scheme.minhash(sigs[i])):
                stored = self._sets[key]
                inter = len(np.intersect1d(values, stored, assume_unique=True))
                similarity = inter / (len(values) + len(stored) - inter)
                if similarity >= self.threshold:
                    found.append((key, similarity))
            found.sort(key=lambda item: (-item[1], str(item[0])))
            results.append(found)
        return results
