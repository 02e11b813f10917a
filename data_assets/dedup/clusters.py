"""Deciding which records stay: exact and near-duplicate clusters, the survivor of each, and eval contamination.

Roles are separate sets. Duplicates are clustered within a role (train with train, seed with seed,
eval with eval): a seed that also appears in train is not a duplicate, the seed set feeds generation
and the train set feeds training. The one cross-role rule is decontamination (`contamination.py`):
a train or seed record that overlaps an eval record (exact, same prompt, near-duplicate, or a
shared 13-word span) leaves its set and is listed with the eval record it overlaps; eval records
never leave for matching anything. Contaminated records are taken out before clustering, so a
train record is never dropped as the duplicate of a record that itself left. Eval records that
compliance dropped come in as references only: they decontaminate, and are never kept.

Clustering (`DedupSettings.clustering`):
  representative (default) - records are visited in survivor order; each joins the kept record
      it is most similar to among those already kept, if their verified Jaccard reaches the
      threshold, and otherwise is kept itself. Every removed record is verified at or above the
      threshold against the record kept for it, and no two kept records are verified near-duplicates.
  transitive - connected components of verified pairs (union-find). Chains: a~b and b~c put c
      with a however far apart a and c are (a chain of 0.88 steps once removed a record at 0.37).

Survivor rule, within a cluster, first difference wins:
  1. human origin before synthetic (a person wrote it);
  2. status `pass` before `redacted` (nothing of it was masked);
  3. the longer response (a truncated copy loses to the complete one);
  4. the smaller `record_id` (an arbitrary but stable tie-break; never input order).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from data_assets.dedup.contamination import EvalIndex
from data_assets.dedup.pairs import IN_PROCESS, PairSearch
from data_assets.dedup.settings import DedupSettings
from data_assets.dedup.text import Features, text_key

TRAINING_ROLES = ("train", "seed")
EVAL_ROLE = "eval"
_EMPTY_KEY = np.uint64(text_key([]))


class UnionFind:
    """Disjoint sets over 0..n-1 with path halving and union by size."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.size = [1] * n

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]
        return True

    def roots(self) -> np.ndarray:
        return np.fromiter((self.find(x) for x in range(len(self.parent))), dtype=np.int64, count=len(self.parent))


@dataclass
class DedupResult:
    decisions: pd.DataFrame       # record_id, decision (kept|duplicate|contaminated|dropped_eval), other_id, method, similarity, span_words
    clusters: pd.DataFrame        # CLUSTER_COLUMNS
    contamination: pd.DataFrame   # record_id, eval_record_id, role, method, similarity, span_words, eval_matches
    conflicts: pd.DataFrame       # conflict_id, record_id, role, records, distinct_responses
    near_pairs: pd.DataFrame      # verified pairs of exact groups: record_a, record_b (their first records), group_a, group_b, similarity
    groups: pd.DataFrame          # record_id, group (its exact group: equal normalized text)
    stats: dict = field(default_factory=dict)

    @property
    def kept_ids(self) -> list[str]:
        return self.decisions.loc[self.decisions["decision"] == "kept", "record_id"].tolist()


def representatives(n_nodes: int, rank: np.ndarray, a: np.ndarray, b: np.ndarray, similarity: np.ndarray) -> np.ndarray:
    """The kept node of each node under greedy representative clustering.

    Nodes are visited in `rank` order (best first). A node joins, among its verified neighbours
    (pairs a-b with `similarity`, all at or above the threshold) that are already kept, the most
    similar one (ties: the better ranked); with none, it is kept itself. So every node that is not
    kept has a verified pair with the node kept for it, and kept nodes are never verified pairs.
    """
    kept_as = np.arange(n_nodes, dtype=np.int64)
    if len(a) == 0:
        return kept_as
    # Each pair in both directions, neighbours of a node together, most similar (then best ranked) first.
    source = np.concatenate([a, b]).astype(np.int64)
    target = np.concatenate([b, a]).astype(np.int64)
    weight = np.concatenate([similarity, similarity])
    order = np.lexsort((rank[target], -weight, source))
    source, target = source[order], target[order]
    starts = np.searchsorted(source, np.arange(n_nodes + 1))
    visited = np.zeros(n_nodes, dtype=bool)
    targets = target.tolist()
    kept = kept_as.tolist()
    seen = visited.tolist()
    for current in np.unique(source)[np.argsort(rank[np.unique(source)], kind="stable")].tolist():
        for position in range(starts[current], starts[current + 1]):
            neighbour = targets[position]
            if seen[neighbour] and kept[neighbour] == neighbour:
                kept[current] = neighbour
                break
        seen[current] = True
    return np.asarray(kept, dtype=np.int64)


RECORD_COLUMNS = ["record_id", "role", "origin", "status", "response_chars"]
CLUSTER_COLUMNS = ["record_id", "cluster_id", "representative_id", "role", "method", "similarity", "cluster_size", "clustering"]


def survivor_order(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` sorted by the survivor rule (best first); needs origin, status, response_chars, record_id."""
    return frame.assign(
        _synthetic=(frame["origin"] != "human").astype(int),
        _masked=(frame["status"] != "pass").astype(int),
        _shorter=-frame["response_chars"].astype("int64"),
    ).sort_values(["_synthetic", "_masked", "_shorter", "record_id"], kind="stable").drop(
        columns=["_synthetic", "_masked", "_shorter"]
    )


def deduplicate(records: pd.DataFrame, features: Features, sigs: np.ndarray, settings: DedupSettings | None = None,
                pair_search: PairSearch = IN_PROCESS) -> DedupResult:
    """Clusters, survivors and contamination for `records` (columns `RECORD_COLUMNS`), whose features and
    signatures are row-aligned with it. The result does not depend on the order of the rows, nor on
    where `pair_search` finds and verifies candidates (here, or on a Ray cluster)."""
    settings = settings or DedupSettings()
    order = np.argsort(records["record_id"].to_numpy(dtype=object), kind="stable")
    records = records.iloc[order].reset_index(drop=True)
    if not np.array_equal(order, np.arange(len(order))):
        features = features.take(order)
        sigs = sigs[order]
    ids = records["record_id"].to_numpy(dtype=object)
    roles = records["role"].to_numpy(dtype=object)
    reference = (records["status"] == "dropped").to_numpy()
    if (reference & (roles != EVAL_ROLE)).any():
        raise ValueError("only eval records may come in with status 'dropped' (as references for decontamination); "
                         f"got {sorted(set(roles[reference & (roles != EVAL_ROLE)]))}")
    n = len(records)
    stats: dict = {"records": n, "dropped_eval_references": int(reference.sum()), "clustering": settings.clustering}

    # Exact groups: one per normalized text. Identical normalized text means identical shingle sets,
    # so near-duplicate search only needs each group's first record.
    group, group_keys = pd.factorize(features.text_key)
    group = group.astype(np.int64)
    n_groups = len(group_keys)
    group_first = np.full(n_groups, n, dtype=np.int64)
    np.minimum.at(group_first, group, np.arange(n, dtype=np.int64))
    has_shingles = np.diff(features.shingle_offsets)[group_first] > 0
    bands, rows = settings.banding
    row_candidates = pair_search.candidates(sigs, bands, rows, group_first[has_shingles])
    candidates = group[row_candidates]
    similarity = pair_search.jaccard(features, row_candidates) if len(row_candidates) else np.zeros(0)
    keep = similarity >= settings.threshold
    near = candidates[keep]
    near_similarity = similarity[keep]
    stats.update(exact_groups=n_groups, lsh_bands=bands, lsh_rows=rows, candidate_pairs=len(candidates),
                 verified_pairs=int(keep.sum()), rejected_candidates=int((~keep).sum()))

    is_eval = np.flatnonzero(roles == EVAL_ROLE)
    training = np.flatnonzero(np.isin(roles, TRAINING_ROLES))
    index = EvalIndex(ids[is_eval], features.take(is_eval), sigs[is_eval], settings, pair_search)
    contaminated = index.match(ids[training], features.take(training), sigs[training])
    contaminated.insert(2, "role", contaminated["record_id"].map(dict(zip(ids, roles))))
    stats["contaminated"] = len(contaminated)

    # Role-groups (one exact group within one role) are the nodes of the within-role clustering.
    alive = ~records["record_id"].isin(contaminated["record_id"]).to_numpy() & ~reference
    role_categories = pd.Categorical(roles)
    role_code = role_categories.codes.astype(np.int64)
    node_key = group * max(len(role_categories.categories), 1) + role_code
    node, _ = pd.factorize(np.where(alive, node_key, -1))
    node = node.astype(np.int64)
    alive_nodes = pd.DataFrame({"group": group[alive], "role": role_code[alive], "node": node[alive]}).drop_duplicates()
    n_nodes = int(node.max()) + 1 if n else 0
    linked = pd.DataFrame({"node_1": pd.Series(dtype="int64"), "node_2": pd.Series(dtype="int64"), "similarity": pd.Series(dtype=float)})
    if len(near):
        pairs = pd.DataFrame({"g1": near[:, 0], "g2": near[:, 1], "similarity": near_similarity})
        linked = pairs.merge(alive_nodes, left_on="g1", right_on="group").merge(
            alive_nodes, left_on=["g2", "role"], right_on=["group", "role"], suffixes=("_1", "_2"))
    if settings.clustering == "transitive":
        finder = UnionFind(n_nodes)
        for a, b in zip(linked["node_1"].tolist(), linked["node_2"].tolist()):
            finder.union(a, b)
        node_root = finder.roots()
    else:
        # A node's place in survivor order is that of its best record.
        ranked_alive = survivor_order(records[alive])
        record_rank = np.empty(n, dtype=np.int64)
        record_rank[ranked_alive.index.to_numpy()] = np.arange(len(ranked_alive))
        node_rank = np.full(n_nodes, n, dtype=np.int64)
        np.minimum.at(node_rank, node[alive], record_rank[alive])
        node_root = representatives(n_nodes, node_rank, linked["node_1"].to_numpy(), linked["node_2"].to_numpy(),
                                    linked["similarity"].to_numpy(dtype=float))
    component = np.where(alive, node_root[np.maximum(node, 0)], -1)

    members = records.assign(_component=component, _group=group)[alive]
    sizes = members.groupby("_component")["record_id"].transform("size")
    multi = members[sizes.to_numpy() > 1]
    ranked = survivor_order(multi)
    representative = ranked.groupby("_component", sort=False).head(1).set_index("_component")
    clusters = multi[["record_id", "role", "_component", "_group"]].copy()
    clusters["representative_id"] = clusters["_component"].map(representative["record_id"])
    rep_group = clusters["_component"].map(representative["_group"]).to_numpy(dtype=np.int64)
    same_text = clusters["_group"].to_numpy(dtype=np.int64) == rep_group
    clusters["method"] = np.where(same_text, "exact", "minhash")
    clusters["similarity"] = 1.0
    if (~same_text).any():
        pair_rows = np.stack([group_first[clusters["_group"].to_numpy()[~same_text]], group_first[rep_group[~same_text]]], axis=1)
        clusters.loc[~same_text, "similarity"] = pair_search.jaccard(features, pair_rows)
    is_rep = clusters["record_id"] == clusters["representative_id"]
    # A representative's row says how its cluster was formed: minhash if any member joined by near-duplication.
    any_minhash = (clusters["method"] == "minhash").groupby(clusters["representative_id"]).transform("any").to_numpy(dtype=bool)
    clusters.loc[is_rep, "method"] = np.where(any_minhash[is_rep.to_numpy()], "minhash", "exact")
    clusters["cluster_size"] = clusters.groupby("representative_id")["record_id"].transform("size").astype("int64")
    clusters["representative_id"] = clusters["representative_id"].astype(object)
    clusters["cluster_id"] = "cluster:" + clusters["representative_id"].astype(str)
    clusters["clustering"] = settings.clustering
    clusters = clusters[CLUSTER_COLUMNS]
    clusters = clusters.sort_values(["cluster_id", "record_id"]).reset_index(drop=True)

    decisions = pd.DataFrame({"record_id": ids, "decision": "kept", "other_id": None, "method": None,
                              "similarity": np.nan, "span_words": pd.array([pd.NA] * n, dtype="Int64")})
    decisions = decisions.set_index("record_id")
    dropped = clusters[clusters["record_id"] != clusters["representative_id"]].set_index("record_id")
    decisions.loc[dropped.index, ["decision", "other_id", "method", "similarity"]] = np.column_stack([
        np.full(len(dropped), "duplicate", dtype=object), dropped["representative_id"].to_numpy(dtype=object),
        dropped["method"].to_numpy(dtype=object), dropped["similarity"].to_numpy(dtype=object)])
    if len(contaminated):
        c = contaminated.set_index("record_id")
        decisions.loc[c.index, "decision"] = "contaminated"
        decisions.loc[c.index, "other_id"] = c["eval_record_id"]
        decisions.loc[c.index, "method"] = c["method"]
        decisions.loc[c.index, "similarity"] = c["similarity"]
        decisions.loc[c.index, "span_words"] = c["span_words"]
    decisions.loc[ids[reference], "decision"] = "dropped_eval"
    decisions = decisions.reset_index()
    decisions["similarity"] = decisions["similarity"].astype(float)

    kept_mask = (decisions["decision"] == "kept").to_numpy()
    conflicts = _conflicts(records[kept_mask], features.prompt_key[kept_mask], features.response_key[kept_mask])

    near_pairs = pd.DataFrame({"record_a": ids[group_first[near[:, 0]]] if len(near) else [],
                               "record_b": ids[group_first[near[:, 1]]] if len(near) else [],
                               "group_a": near[:, 0] if len(near) else [], "group_b": near[:, 1] if len(near) else [],
                               "similarity": near_similarity})
    stats.update(
        duplicates_exact=int(((decisions["decision"] == "duplicate") & (decisions["method"] == "exact")).sum()),
        duplicates_minhash=int(((decisions["decision"] == "duplicate") & (decisions["method"] == "minhash")).sum()),
        kept=int(kept_mask.sum()), clusters=int(clusters["cluster_id"].nunique()), conflict_groups=int(conflicts["conflict_id"].nunique()),
    )
    result = DedupResult(decisions=decisions, clusters=clusters, contamination=contaminated, conflicts=conflicts,
                         near_pairs=near_pairs, groups=pd.DataFrame({"record_id": ids, "group": group}), stats=stats)
    return result


def _conflicts(kept: pd.DataFrame, prompt_keys: np.ndarray, response_keys: np.ndarray) -> pd.DataFrame:
    """Kept records of one role whose instruction + input normalize the same but whose responses differ."""
    columns = ["conflict_id", "record_id", "role", "records", "distinct_responses"]
    frame = pd.DataFrame({"record_id": kept["record_id"].to_numpy(), "role": kept["role"].to_numpy(),
                          "prompt": prompt_keys, "response": response_keys})
    frame = frame[frame["prompt"] != _EMPTY_KEY]
    grouped = frame.groupby(["role", "prompt"])
    frame = frame.assign(records=grouped["record_id"].transform("size"), distinct_responses=grouped["response"].transform("nunique"))
    frame = frame[frame["distinct_responses"] > 1]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    first = frame.groupby(["role", "prompt"])["record_id"].transform("min")
    frame = frame.assign(conflict_id="conflict:" + first)
    return frame[columns].sort_values(["conflict_id", "record_id"]).reset_index(drop=True)
