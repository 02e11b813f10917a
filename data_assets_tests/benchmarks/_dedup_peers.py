"""The peers of the dedup benchmark, each at its best, and how one run of any method is measured.

Every method runs in a fresh spawned process (`run_isolated`), so its peak RSS is its own: the
process loads the corpus, warms up on 50 records (imports, one-time tables), resets the kernel's
peak-RSS mark (/proc/self/clear_refs) and then does the whole job while wall time, processor time
(all threads of the process and any children it waits for) and the peak RSS above the loaded-corpus
baseline are recorded.

All peers see the same word 5-gram shingles as the truth and as our stage (`text.shingles`: the
stage's normalization, five words per shingle), so differences in quality come from the methods,
not from what a word is. The peers hash those shingle strings themselves.

- datasketch at its best: `MinHash.bulk` with the vectorized `affine32` scheme, `MinHashLSH`
  at threshold 0.5 (its own band optimizer; well under our 0.7 so candidates at 0.7 are rarely
  missed) filled in an `insertion_session`, every candidate verified by exact Jaccard of the sets.
- rensa (Rust): `RMinHash.from_token_sets` (hashing and permutations in Rust, one call),
  `RMinHashLSH.insert_many` and `query_all`, 32 bands of 4 rows (the banding rule our stage uses,
  `minhash.choose_banding(0.7, 128)`: a pair at 0.7 is a candidate with probability 0.9998),
  candidates verified by exact Jaccard like datasketch's.
- DataTrove: its four-step MinHash pipeline on `LocalPipelineExecutor` (signatures, buckets,
  clusters; the filter step only rewrites the kept documents, which nothing here reads), with its
  default 14 buckets x 8 hashes (half-way point of the S-curve (1/14)**(1/8) = 0.72, next to our
  0.7) and 64-bit hashes. It has no verification step: its duplicates are the clusters of bucket
  matches. Text normalization is switched off and its word tokenizer is replaced by ours, so its
  shingles are ours; it removes all but one record per cluster, as it does.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow.feather as feather
import scipy.sparse as sp

NUM_PERM = 128
WARM_RECORDS = 50


# ---------------------------------------------------------------- measuring one run

def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _reset_peak() -> int:
    """Reset the peak-RSS mark to the current RSS (Linux) and return that RSS in kB."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass
    return _status_kb("VmRSS")


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class Meter:
    """Wall time, processor time and peak RSS (above the RSS at `start`) of the work after `start()`."""

    def start(self) -> None:
        self._base_kb = _reset_peak()
        self._cpu = _cpu_seconds()
        self._wall = time.perf_counter()

    def stop(self) -> dict:
        return {"seconds": time.perf_counter() - self._wall, "cpu_seconds": _cpu_seconds() - self._cpu,
                "peak_mb": (_status_kb("VmHWM") - self._base_kb) / 1024}


def run_isolated(target: Callable, *args) -> dict:
    """`target(*args)` in a fresh spawned process (nothing inherited, so its peak RSS is its own)."""
    with mp.get_context("spawn").Pool(1, maxtasksperchild=1) as pool:
        return pool.apply(target, args)


def load_texts(path: str, limit: int) -> list[str]:
    """The records as one text each, fields joined by newlines (the stage's shingles never cross
    a field because a newline is a word break, so these texts give the same shingles)."""
    table = feather.read_table(path).slice(0, limit)
    return [f"{i}\n{x}\n{r}" for i, x, r in zip(table.column("instruction").to_pylist(), table.column("input").to_pylist(),
                                               table.column("response").to_pylist())]


def components(n: int, pairs: np.ndarray) -> np.ndarray:
    """Connected-component label of each of `n` records under the undirected `pairs`."""
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    graph = sp.coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    return sp.csgraph.connected_components(graph, directed=False)[1]


def all_but_first(labels: np.ndarray) -> np.ndarray:
    """Records to remove when one record (the first) is kept per cluster label."""
    _, first = np.unique(labels, return_index=True)
    keep = np.zeros(len(labels), dtype=bool)
    keep[first] = True
    return np.flatnonzero(~keep)


def _verify(sets: list[set[str]], candidates: np.ndarray, threshold: float) -> np.ndarray:
    """The candidate pairs whose exact Jaccard of shingle sets reaches `threshold`."""
    keep = []
    for a, b in candidates.tolist():
        sa, sb = sets[a], sets[b]
        inter = len(sa & sb)
        union = len(sa) + len(sb) - inter
        if union and inter / union >= threshold:
            keep.append((a, b))
    return np.array(keep, dtype=np.int64).reshape(-1, 2)


def _unique_pairs(pairs: np.ndarray, n: int) -> np.ndarray:
    pairs = np.sort(np.asarray(pairs, dtype=np.int64).reshape(-1, 2), axis=1)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    codes = np.unique(pairs[:, 0] * n + pairs[:, 1])
    return np.stack([codes // n, codes % n], axis=1)


def _shingle_lists(texts: list[str]) -> list[list[str]]:
    from data_assets.dedup.text import shingles

    return [sorted(shingles(text)) for text in texts]


def _outcome(n: int, verified: np.ndarray, meter: dict, **extra) -> dict:
    return {**meter, "pairs": verified, "removed": all_but_first(components(n, verified)), **extra}


# ---------------------------------------------------------------- datasketch

def _datasketch_dedup(texts: list[str], threshold: float, lsh_threshold: float) -> tuple[np.ndarray, tuple[int, int], int]:
    from datasketch import MinHash, MinHashLSH

    shingle_lists = _shingle_lists(texts)
    minhashes = MinHash.bulk(([s.encode("utf-8") for s in shingles] for shingles in shingle_lists),
                             num_perm=NUM_PERM, scheme="affine32")
    lsh = MinHashLSH(threshold=lsh_threshold, num_perm=NUM_PERM)
    with lsh.insertion_session() as session:
        for i, minhash in enumerate(minhashes):
            if shingle_lists[i]:
                session.insert(i, minhash, check_duplication=False)
    found = [(i, j) for i, minhash in enumerate(minhashes) if shingle_lists[i] for j in lsh.query(minhash) if j > i]
    candidates = np.array(found, dtype=np.int64).reshape(-1, 2)
    verified = _verify([set(s) for s in shingle_lists], candidates, threshold)
    return verified, (lsh.b, lsh.r), len(candidates)


def run_datasketch(path: str, limit: int, threshold: float, lsh_threshold: float = 0.5) -> dict:
    texts = load_texts(path, limit)
    _datasketch_dedup(texts[:WARM_RECORDS], threshold, lsh_threshold)
    meter = Meter()
    meter.start()
    verified, banding, n_candidates = _datasketch_dedup(texts, threshold, lsh_threshold)
    measured = meter.stop()
    return _outcome(len(texts), verified, measured, config=f"MinHash.bulk affine32, MinHashLSH(threshold={lsh_threshold}) "
                    f"b={banding[0]} r={banding[1]}, insertion_session, exact Jaccard verification",
                    candidates=n_candidates)


# ---------------------------------------------------------------- rensa

def _rensa_dedup(texts: list[str], threshold: float, bands: int) -> tuple[np.ndarray, int]:
    from rensa import RMinHash, RMinHashLSH

    shingle_lists = _shingle_lists(texts)
    rows = [i for i, shingles in enumerate(shingle_lists) if shingles]
    minhashes = RMinHash.from_token_sets([shingle_lists[i] for i in rows], NUM_PERM, 1)
    # RMinHashLSH's threshold only answers `is_similar`; bands decide the candidates.
    lsh = RMinHashLSH(threshold, NUM_PERM, bands)
    lsh.insert_many(minhashes, 0)
    found = [(rows[k], rows[j]) for k, keys in enumerate(lsh.query_all(minhashes)) for j in keys if j > k]
    candidates = np.array(found, dtype=np.int64).reshape(-1, 2)
    verified = _verify([set(s) for s in shingle_lists], candidates, threshold)
    return verified, len(candidates)


def run_rensa(path: str, limit: int, threshold: float) -> dict:
    from data_assets.dedup.minhash import choose_banding

    bands, rows = choose_banding(threshold, NUM_PERM)
    texts = load_texts(path, limit)
    _rensa_dedup(texts[:WARM_RECORDS], threshold, bands)
    meter = Meter()
    meter.start()
    verified, n_candidates = _rensa_dedup(texts, threshold, bands)
    measured = meter.stop()
    return _outcome(len(texts), verified, measured, config=f"RMinHash.from_token_sets, RMinHashLSH {bands} bands x {rows} rows, "
                    "insert_many + query_all, exact Jaccard verification", candidates=n_candidates)


# ---------------------------------------------------------------- DataTrove

def _datatrove_dedup(texts: list[str], workdir: str) -> tuple[np.ndarray, np.ndarray, dict]:
    import struct

    from datatrove.data import Document
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup.minhash import (MinhashConfig, MinhashDedupBuckets, MinhashDedupCluster,
                                                  MinhashDedupSignature)
    from datatrove.utils.text import TextNormConfig
    from datatrove.utils.word_tokenizers import WordTokenizer

    from data_assets.dedup.text import words

    class StageWords(WordTokenizer):
        """Our stage's words, so DataTrove shingles exactly what the truth and the other methods shingle."""

        def word_tokenize(self, text: str) -> list[str]:
            return words(text)

        def sent_tokenize(self, text: str) -> list[str]:
            return [text]

        def span_tokenize(self, text: str) -> list[tuple[int, int]]:
            return [(0, len(text))]

    off = TextNormConfig(lowercase=False, norm_whitespace=False, remove_punctuation=False, norm_unicode_diacritics=False,
                         norm_numbers=False)
    config = MinhashConfig(n_grams=5, norm_config=off)
    documents = [Document(text=text, id=str(i)) for i, text in enumerate(texts)]
    root = Path(workdir)
    steps = [
        ([documents, MinhashDedupSignature(output_folder=str(root / "signatures"), config=config, language=StageWords())], 1),
        ([MinhashDedupBuckets(input_folder=str(root / "signatures"), output_folder=str(root / "buckets"), config=config)],
         config.num_buckets),
        ([MinhashDedupCluster(input_folder=str(root / "buckets"), output_folder=str(root / "remove"), config=config,
                              save_cluster_id=True)], 1),
    ]
    for number, (pipeline, tasks) in enumerate(steps):
        LocalPipelineExecutor(pipeline=pipeline, tasks=tasks, workers=1, logging_dir=str(root / f"logs_{number}")).run()
    removed = np.fromfile(root / "remove" / "000000.remove", dtype="<u4").astype(np.int64) \
        if (root / "remove" / "000000.remove").is_file() else np.zeros(0, dtype=np.int64)
    clusters = np.fromfile(root / "remove" / "000000.clusters", dtype="<u4").astype(np.int64).reshape(-1, 2) \
        if (root / "remove" / "000000.clusters").is_file() else np.zeros((0, 2), dtype=np.int64)
    matches = 0
    for dups in sorted((root / "buckets").glob("*.dups")):
        matches += dups.stat().st_size // struct.calcsize("<4I")
    return removed, clusters, {"bucket_matches": matches, "config": f"{config.num_buckets} buckets x {config.hashes_per_bucket} "
                                                                    f"hashes, {config.n_grams}-grams, {config.hash_config.precision}-bit"}


def _cluster_pairs(clusters: np.ndarray) -> np.ndarray:
    """Every pair inside each cluster: what DataTrove declares duplicate (it keeps one per cluster)."""
    if len(clusters) == 0:
        return np.zeros((0, 2), dtype=np.int64)
    order = np.argsort(clusters[:, 1], kind="stable")
    docs, labels = clusters[order, 0], clusters[order, 1]
    bounds = np.flatnonzero(np.diff(labels)) + 1
    pairs = []
    for members in np.split(docs, bounds):
        a, b = np.triu_indices(len(members), 1)
        pairs.append(np.stack([members[a], members[b]], axis=1))
    return np.concatenate(pairs)


def run_datatrove(path: str, limit: int, threshold: float) -> dict:
    # DataTrove logs every task at INFO to the stderr it finds; the benchmark prints its own table.
    sys.stderr = open(os.devnull, "w")
    texts = load_texts(path, limit)
    with tempfile.TemporaryDirectory() as warm:
        _datatrove_dedup(texts[:WARM_RECORDS], warm)
    with tempfile.TemporaryDirectory() as workdir:
        meter = Meter()
        meter.start()
        removed, clusters, info = _datatrove_dedup(texts, workdir)
        measured = meter.stop()
    pairs = _unique_pairs(_cluster_pairs(clusters), len(texts))
    return {**measured, "pairs": pairs, "removed": removed, "config": f"LocalPipelineExecutor, {info['config']}, no verification",
            "candidates": info["bucket_matches"]}


PEERS: dict[str, tuple[str, Callable]] = {
    "datasketch": ("datasketch", run_datasketch),
    "rensa": ("rensa", run_rensa),
    "datatrove": ("datatrove", run_datatrove),
}


def available(module: str) -> bool:
    """Whether a peer's package can be imported here (the benchmark says so when it cannot)."""
    import importlib.util

    return importlib.util.find_spec(module) is not None
