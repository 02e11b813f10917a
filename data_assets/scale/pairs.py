"""Dedup's global step across a Ray cluster, the way large MinHash pipelines shuffle it.

1. Map: each task takes a slice of the signatures, computes one 64-bit key per band (band keys as
   columns, `minhash.band_keys`, the same keys the in-process `lsh_candidates` sorts), and sends
   each (band, key, row) to the reduce partition its key hashes to.
2. Reduce: each task sorts its partition by (band, key) and emits every pair inside a run of equal
   keys: the candidates. For decontamination, rows are tagged train-side or eval-side and only
   cross pairs are emitted.
3. Verify: the candidates go in chunks to tasks that compute their true Jaccard
   (`minhash.verified_jaccard`) against the features, put once in the object store.

The pairs are then made unique and sorted exactly as `lsh_candidates` does, so `deduplicate` gets
the same arrays and clusters the (small) verified pair set the same way.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numpy as np

from data_assets.dedup.minhash import band_keys, pairs_within_groups, sorted_unique, verified_jaccard
from data_assets.dedup.pairs import PairSearch
from data_assets.dedup.text import Features, fmix64

if TYPE_CHECKING:
    from data_assets.scale.session import RaySession

_EMPTY = np.zeros((0, 2), dtype=np.int64)


def band_partitions(rows: np.ndarray, tag: np.ndarray, sigs: np.ndarray, bands: int, rows_per_band: int,
                    partitions: int) -> list[np.ndarray]:
    """Map step: (band, key, row, tag) records of these signature rows, split by key into `partitions`."""
    keys = np.stack([band_keys(sigs[:, b * rows_per_band: (b + 1) * rows_per_band]) for b in range(bands)], axis=1)
    band = np.repeat(np.arange(bands, dtype=np.uint64)[None, :], len(rows), axis=0).ravel()
    flat_keys = keys.ravel()
    records = np.empty(len(flat_keys), dtype=[("band", "<u8"), ("key", "<u8"), ("row", "<i8"), ("tag", "<i1")])
    records["band"], records["key"] = band, flat_keys
    records["row"] = np.repeat(rows, bands)
    records["tag"] = np.repeat(tag, bands)
    target = (fmix64(flat_keys ^ band) % np.uint64(partitions)).astype(np.int64)
    order = np.argsort(target, kind="stable")
    bounds = np.searchsorted(target[order], np.arange(partitions + 1))
    return [records[order[bounds[p]: bounds[p + 1]]] for p in range(partitions)]


def bucket_pairs(*parts: np.ndarray, cross: bool = False) -> np.ndarray:
    """Reduce step: pairs of rows sharing a (band, key); with `cross`, only (tag 0 row, tag 1 row) pairs."""
    records = np.concatenate(parts) if parts else np.zeros(0)
    if len(records) < 2:
        return _EMPTY
    order = np.lexsort((records["tag"], records["row"], records["key"], records["band"]))
    band, key = records["band"][order], records["key"][order]
    change = np.flatnonzero((band[1:] != band[:-1]) | (key[1:] != key[:-1])) + 1
    bounds = np.concatenate([[0], change, [len(order)]])
    sizes = np.diff(bounds)
    if sizes.max() < 2:
        return _EMPTY
    local = pairs_within_groups(np.arange(len(order)), np.repeat(bounds[1:], sizes))
    rows = records["row"][order][local]
    if not cross:
        return np.sort(rows, axis=1)
    tags = records["tag"][order][local]
    mixed = tags[:, 0] != tags[:, 1]
    rows, tags = rows[mixed], tags[mixed]
    # Query (tag 0) first.
    return np.where(tags[:, :1] == 0, rows, rows[:, ::-1])


def _unique_pairs(found: list[np.ndarray], width: int) -> np.ndarray:
    pairs = np.concatenate([f for f in found if len(f)]) if any(len(f) for f in found) else _EMPTY
    if not len(pairs):
        return _EMPTY
    codes = sorted_unique(pairs[:, 0].astype(np.int64) * np.int64(width) + pairs[:, 1].astype(np.int64))
    return np.stack([codes // width, codes % width], axis=1)


class RayPairSearch(PairSearch):
    """`PairSearch` on the session's cluster; returns what the in-process one returns."""

    def __init__(self, session: RaySession, rows_per_task: int = 20_000, pairs_per_task: int = 50_000) -> None:
        self.session = session
        self.rows_per_task = rows_per_task
        self.pairs_per_task = pairs_per_task
        self._features: tuple[Features, object] | None = None

    def _shuffle(self, sigs: np.ndarray, rows: np.ndarray, tags: np.ndarray, bands: int, rows_per_band: int, cross: bool) -> list[np.ndarray]:
        ray = self.session.ray
        started = time.perf_counter()
        slices = max(1, -(-len(rows) // self.rows_per_task))
        partitions = max(1, min(self.session.workers * 2, slices * 4))
        mapper = ray.remote(band_partitions).options(num_returns=partitions) if partitions > 1 else ray.remote(band_partitions)
        parts = []
        for chunk in np.array_split(np.arange(len(rows)), slices):
            out = mapper.remote(rows[chunk], tags[chunk], sigs[rows[chunk]], bands, rows_per_band, partitions)
            parts.append(out if partitions > 1 else [out])
        reducer = ray.remote(bucket_pairs)
        found = ray.get([reducer.remote(*[p[j] for p in parts], cross=cross) for j in range(partitions)])
        self.session.count("lsh_shuffle", slices + partitions, time.perf_counter() - started)
        return found

    def candidates(self, sigs: np.ndarray, bands: int, rows: int, eligible: np.ndarray) -> np.ndarray:
        eligible = np.asarray(eligible)
        index = np.flatnonzero(eligible) if eligible.dtype == bool else eligible.astype(np.int64)
        if len(index) < 2:
            return _EMPTY
        found = self._shuffle(sigs, index, np.zeros(len(index), dtype=np.int8), bands, rows, cross=False)
        return _unique_pairs(found, len(sigs))

    def cross_candidates(self, query_sigs: np.ndarray, index_sigs: np.ndarray, bands: int, rows: int,
                         query_eligible: np.ndarray, index_eligible: np.ndarray) -> np.ndarray:
        query_rows = np.flatnonzero(np.asarray(query_eligible, dtype=bool))
        index_rows = np.flatnonzero(np.asarray(index_eligible, dtype=bool))
        if len(query_rows) == 0 or len(index_rows) == 0:
            return _EMPTY
        # One row space: query rows first, then index rows shifted past them.
        both = np.concatenate([query_sigs, index_sigs])
        rows_all = np.concatenate([query_rows, index_rows + len(query_sigs)])
        tags = np.concatenate([np.zeros(len(query_rows), dtype=np.int8), np.ones(len(index_rows), dtype=np.int8)])
        found = self._shuffle(both, rows_all, tags, bands, rows, cross=True)
        found = [np.stack([f[:, 0], f[:, 1] - len(query_sigs)], axis=1) if len(f) else f for f in found]
        return _unique_pairs(found, len(index_sigs))

    def jaccard(self, features: Features, pairs: np.ndarray) -> np.ndarray:
        pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        if len(pairs) == 0:
            return np.zeros(0)
        ray = self.session.ray
        started = time.perf_counter()
        if self._features is None or self._features[0] is not features:
            # Kept with its ref, so the same object is put once however many times it is verified against.
            self._features = (features, ray.put(features))
        verify = ray.remote(verified_jaccard)
        chunks = np.array_split(pairs, max(1, -(-len(pairs) // self.pairs_per_task)))
        result = np.concatenate(ray.get([verify.remote(self._features[1], chunk) for chunk in chunks]))
        self.session.count("verify", len(chunks), time.perf_counter() - started)
        return result
