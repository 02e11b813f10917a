"""Nested training subsets: one ordering of a pool per seed; the subset of size n is its first n rows.

A bigger subset therefore contains every smaller one of the same seed, and rows are drawn
without replacement. Each variant is an ordering rule:
- `shuffled`: a random permutation of one pool;
- `mixed`: two pools interleaved one by one (each shuffled), so any prefix is half and half;
- `balanced`: round-robin over groups (task types) in a seeded group order, each group shuffled,
  so any prefix spreads over as many groups as it can.
Orderings are seeded by (seed, variant name), so variants do not share random draws by accident.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np
import pandas as pd


def size_grid(full: int, count: int, smallest: int = 25) -> list[int]:
    """`count` sizes on a geometric grid from `smallest` (or less for a tiny pool) to `full`."""
    if full < 2:
        return []
    start = smallest if full >= 4 * smallest else max(2, full // 4)
    grid = np.unique(np.round(np.geomspace(start, full, count)).astype(int))
    return [int(n) for n in grid]


def seeded_rng(seed: int, variant: str) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(variant.encode("utf-8"))])


def shuffled(pool: pd.DataFrame, seed: int, variant: str) -> pd.DataFrame:
    order = seeded_rng(seed, variant).permutation(len(pool))
    return pool.iloc[order].reset_index(drop=True)


def mixed(first: pd.DataFrame, second: pd.DataFrame, seed: int, variant: str) -> pd.DataFrame:
    rng = seeded_rng(seed, variant)
    a = rng.permutation(len(first))
    b = rng.permutation(len(second)) + len(first)
    pairs = min(len(a), len(b))
    order = np.empty(2 * pairs, dtype=int)
    order[0::2], order[1::2] = a[:pairs], b[:pairs]
    order = np.concatenate([order, a[pairs:], b[pairs:]])
    return pd.concat([first, second], ignore_index=True).iloc[order].reset_index(drop=True)


def balanced(pool: pd.DataFrame, groups: Sequence[str], seed: int, variant: str) -> pd.DataFrame:
    rng = seeded_rng(seed, variant)
    labels = np.asarray(groups)
    names = sorted(set(labels.tolist()))
    names = [names[k] for k in rng.permutation(len(names))]
    queues = [list(rng.permutation(np.flatnonzero(labels == name))) for name in names]
    order: list[int] = []
    depth = 0
    while len(order) < len(pool):
        for queue in queues:
            if depth < len(queue):
                order.append(int(queue[depth]))
        depth += 1
    return pool.iloc[order].reset_index(drop=True)
