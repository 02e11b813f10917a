"""Semantic dedup within a role (SemDeDup, Abbas et al. 2023): records whose tasks mean the same.

Pairs of one role with cosine at or above the threshold are linked and linked records form a
cluster; the survivor of each cluster follows the MinHash dedup's rule (`dedup.clusters.survivor_order`:
human before synthetic, unmasked before redacted, the longer response, the smaller id). Up to
`exact_limit` records per role every pair is compared (exact). Beyond that, as in SemDeDup and
NeMo Curator, k-means splits the role first and only pairs within a k-means cluster are compared:
linear memory, at the cost of missing pairs that straddle two clusters.

Off by default: a threshold that catches "the same task" also catches near-synonymous but
distinct tasks (see the paraphrase set's different-task pairs), so it is a choice for each dataset.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from data_assets.dedup.clusters import UnionFind, survivor_order
from data_assets.semantic.neighbours import pairs_above

CLUSTER_COLUMNS = ["record_id", "cluster_id", "representative_id", "role", "similarity", "cluster_size"]


@dataclass(frozen=True)
class SemanticDedupSettings:
    enabled: bool = False
    threshold: float = 0.95
    exact_limit: int = 20_000
    seed: int = 0


def _candidate_pairs(vectors: np.ndarray, threshold: float, exact_limit: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if len(vectors) <= exact_limit:
        return pairs_above(vectors, vectors, threshold, same=True)
    from sklearn.cluster import MiniBatchKMeans

    k = max(2, int(np.sqrt(len(vectors))))
    assign = MiniBatchKMeans(n_clusters=k, random_state=seed, n_init=3, batch_size=4096).fit_predict(vectors)
    found = []
    for cluster in np.unique(assign):
        members = np.flatnonzero(assign == cluster)
        i, j, s = pairs_above(vectors[members], vectors[members], threshold, same=True)
        found.append((members[i], members[j], s))
    return tuple(np.concatenate(parts) for parts in zip(*found))  # type: ignore[return-value]


def semantic_duplicates(records: pd.DataFrame, vectors: np.ndarray, settings: SemanticDedupSettings) -> pd.DataFrame:
    """Clusters of two or more records (`records`: record_id, role, origin, status, response_chars,
    row-aligned with `vectors`), each member's cosine to its cluster's survivor."""
    out = []
    records = records.reset_index(drop=True)
    for role, members in records.groupby("role", sort=True):
        index = members.index.to_numpy()
        i, j, _ = _candidate_pairs(vectors[index], settings.threshold, settings.exact_limit, settings.seed)
        if len(i) == 0:
            continue
        finder = UnionFind(len(index))
        for a, b in zip(i.tolist(), j.tolist()):
            finder.union(a, b)
        roots = finder.roots()
        frame = members.assign(_component=roots, _row=index)
        sizes = frame.groupby("_component")["record_id"].transform("size")
        multi = frame[sizes.to_numpy() > 1]
        survivors = survivor_order(multi).groupby("_component", sort=False).head(1).set_index("_component")
        clusters = multi[["record_id", "role", "_component", "_row"]].copy()
        clusters["representative_id"] = clusters["_component"].map(survivors["record_id"])
        rep_row = clusters["_component"].map(survivors["_row"]).to_numpy()
        clusters["similarity"] = np.einsum("ij,ij->i", vectors[clusters["_row"].to_numpy()], vectors[rep_row]).astype(float)
        clusters["cluster_size"] = clusters.groupby("_component")["record_id"].transform("size").astype("int64")
        out.append(clusters)
    if not out:
        return pd.DataFrame(columns=CLUSTER_COLUMNS)
    clusters = pd.concat(out, ignore_index=True)
    clusters["cluster_id"] = "semantic:" + clusters["representative_id"].astype(str)
    clusters.loc[clusters["record_id"] == clusters["representative_id"], "similarity"] = 1.0
    return clusters[CLUSTER_COLUMNS].sort_values(["cluster_id", "record_id"]).reset_index(drop=True)
