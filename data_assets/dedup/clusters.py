"""Deciding which records stay: exact and near-duplicate clusters, the survivor of each, and eval contamination.

Roles are separate sets. Duplicates are clustered within a role (train with train, seed with seed,
eval with eval): a seed that also appears in train is not a duplicate, the seed set feeds generation
and the train set feeds training. The one cross-role rule is decontamination: a train or seed
record that matches an eval record leaves its set and is listed with the eval record it matches;
eval records never leave for matching anything. A match is, strongest first:
  exact   - the same normalized instruction + input + response;
  prompt  - the same normalized instruction + input (the eval question is in training, whatever
            the answer; short questions like "Solve 3x + 7 = 22" never reach the other two rules);
  minhash - true shingle Jaccard at or above the threshold;
  ngram   - a shared run of `ngram_words` (13) consecutive normalized words. Contaminated records are taken out before
clustering, so a train record is never dropped as the duplicate of a record that itself left.

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

from data_assets.dedup.minhash import (
    DEFAULT_SCHEME,
    MinHashScheme,
    choose_banding,
    lsh_candidates,
    verified_jaccard,
)
from data_assets.dedup.text import Features, gather_ranges, text_key

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
class DedupSettings:
    threshold: float = 0.7
    ngram_words: int = 13
    scheme: MinHashScheme = DEFAULT_SCHEME
    min_candidate_recall: float = 0.999

    @property
    def banding(self) -> tuple[int, int]:
        return choose_banding(self.threshold, self.scheme.num_perm, self.min_candidate_recall)


@dataclass
class DedupResult:
    decisions: pd.DataFrame       # record_id, decision (kept|duplicate|contaminated), other_id, method, similarity, span_words
    clusters: pd.DataFrame        # record_id, cluster_id, representative_id, role, method, similarity, cluster_size
    contamination: pd.DataFrame   # record_id, eval_record_id, role, method, similarity, span_words, eval_matches
    conflicts: pd.DataFrame       # conflict_id, record_id, role, records, distinct_responses
    near_pairs: pd.DataFrame      # verified pairs of exact groups: record_a, record_b (their first records), group_a, group_b, similarity
    groups: pd.DataFrame          # record_id, group (its exact group: equal normalized text)
    stats: dict = field(default_factory=dict)

    @property
    def kept_ids(self) -> list[str]:
        return self.decisions.loc[self.decisions["decision"] == "kept", "record_id"].tolist()


RECORD_COLUMNS = ["record_id", "role", "origin", "status", "response_chars"]


def survivor_order(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` sorted by the survivor rule (best first); needs origin, status, response_chars, record_id."""
    return frame.assign(
        _synthetic=(frame["origin"] != "human").astype(int),
        _masked=(frame["status"] != "pass").astype(int),
        _shorter=-frame["response_chars"].astype("int64"),
    ).sort_values(["_synthetic", "_masked", "_shorter", "record_id"], kind="stable").drop(
        columns=["_synthetic", "_masked", "_shorter"]
    )


def deduplicate(records: pd.DataFrame, features: Features, sigs: np.ndarray, settings: DedupSettings | None = None) -> DedupResult:
    """Clusters, survivors and contamination for `records` (columns `RECORD_COLUMNS`), whose features and
    signatures are row-aligned with it. The result does not depend on the order of the rows."""
    settings = settings or DedupSettings()
    if settings.ngram_words < settings.scheme.shingle_words:
        raise ValueError("ngram_words must be at least the shingle size")
    order = np.argsort(records["record_id"].to_numpy(dtype=object), kind="stable")
    records = records.iloc[order].reset_index(drop=True)
    if not np.array_equal(order, np.arange(len(order))):
        features = features.take(order)
        sigs = sigs[order]
    ids = records["record_id"].to_numpy(dtype=object)
    roles = records["role"].to_numpy(dtype=object)
    n = len(records)
    stats: dict = {"records": n}

    # Exact groups: one per normalized text. Identical normalized text means identical shingle sets,
    # so near-duplicate search only needs each group's first record.
    group, group_keys = pd.factorize(features.text_key)
    group = group.astype(np.int64)
    n_groups = len(group_keys)
    group_first = np.full(n_groups, n, dtype=np.int64)
    np.minimum.at(group_first, group, np.arange(n, dtype=np.int64))
    has_shingles = np.diff(features.shingle_offsets)[group_first] > 0
    bands, rows = settings.banding
    row_candidates = lsh_candidates(sigs, bands, rows, eligible=group_first[has_shingles])
    candidates = group[row_candidates]
    similarity = verified_jaccard(features, row_candidates) if len(row_candidates) else np.zeros(0)
    keep = similarity >= settings.threshold
    near = candidates[keep]
    near_similarity = similarity[keep]
    stats.update(exact_groups=n_groups, lsh_bands=bands, lsh_rows=rows, candidate_pairs=len(candidates),
                 verified_pairs=int(keep.sum()), rejected_candidates=int((~keep).sum()))

    contaminated = _contamination(records, features, group, group_first, near, near_similarity, settings)
    stats["contaminated"] = len(contaminated)

    # Role-groups (one exact group within one role) are the nodes of the within-role clustering.
    alive = ~records["record_id"].isin(contaminated["record_id"]).to_numpy()
    role_categories = pd.Categorical(roles)
    role_code = role_categories.codes.astype(np.int64)
    node_key = group * max(len(role_categories.categories), 1) + role_code
    node, _ = pd.factorize(np.where(alive, node_key, -1))
    node = node.astype(np.int64)
    alive_nodes = pd.DataFrame({"group": group[alive], "role": role_code[alive], "node": node[alive]}).drop_duplicates()
    n_nodes = int(node.max()) + 1 if n else 0
    finder = UnionFind(n_nodes)
    if len(near):
        pairs = pd.DataFrame({"g1": near[:, 0], "g2": near[:, 1]})
        linked = pairs.merge(alive_nodes, left_on="g1", right_on="group").merge(
            alive_nodes, left_on=["g2", "role"], right_on=["group", "role"], suffixes=("_1", "_2"))
        for a, b in zip(linked["node_1"].tolist(), linked["node_2"].tolist()):
            finder.union(a, b)
    node_root = finder.roots()
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
        clusters.loc[~same_text, "similarity"] = verified_jaccard(features, pair_rows)
    is_rep = clusters["record_id"] == clusters["representative_id"]
    # A representative's row says how its cluster was formed: minhash if any member joined by near-duplication.
    any_minhash = (clusters["method"] == "minhash").groupby(clusters["representative_id"]).transform("any").to_numpy(dtype=bool)
    clusters.loc[is_rep, "method"] = np.where(any_minhash[is_rep.to_numpy()], "minhash", "exact")
    clusters["cluster_size"] = clusters.groupby("representative_id")["record_id"].transform("size").astype("int64")
    clusters["representative_id"] = clusters["representative_id"].astype(object)
    clusters["cluster_id"] = "cluster:" + clusters["representative_id"].astype(str)
    clusters = clusters[["record_id", "cluster_id", "representative_id", "role", "method", "similarity", "cluster_size"]]
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


def _contamination(records: pd.DataFrame, features: Features, group: np.ndarray, group_first: np.ndarray,
                   near: np.ndarray, near_similarity: np.ndarray, settings: DedupSettings) -> pd.DataFrame:
    """One row per train/seed record that matches an eval record: the strongest match (same text, then
    same prompt, then the highest Jaccard, then the longest shared span; ties to the smaller eval id)
    and how many eval records it matches."""
    columns = ["record_id", "eval_record_id", "role", "method", "similarity", "span_words", "eval_matches"]
    roles = records["role"].to_numpy(dtype=object)
    is_eval = roles == EVAL_ROLE
    is_training = np.isin(roles, TRAINING_ROLES)
    if not is_eval.any() or not is_training.any():
        return pd.DataFrame(columns=columns)
    ids = records["record_id"].to_numpy(dtype=object)
    frame = pd.DataFrame({"record_id": ids, "role": roles, "group": group, "row": np.arange(len(ids))})
    evals = frame[is_eval][["record_id", "group", "row"]].rename(columns={"record_id": "eval_record_id", "group": "eval_group", "row": "eval_row"})
    training = frame[is_training]
    matches = []

    exact = training.merge(evals, left_on="group", right_on="eval_group")
    if len(exact):
        matches.append(exact.assign(method="exact", rank=0, similarity=1.0, span_words=features.n_words[exact["row"].to_numpy()]))

    prompts = pd.DataFrame({"row": np.arange(len(ids)), "prompt": features.prompt_key})
    prompts = prompts[prompts["prompt"] != _EMPTY_KEY]
    eval_prompts = evals.merge(prompts, left_on="eval_row", right_on="row", suffixes=("", "_p"))[["eval_record_id", "eval_row", "prompt"]]
    same_prompt = training.merge(prompts, on="row").merge(eval_prompts, on="prompt")
    if len(same_prompt):
        rows = np.stack([same_prompt["row"].to_numpy(), same_prompt["eval_row"].to_numpy()], axis=1)
        matches.append(same_prompt.assign(method="prompt", rank=1, similarity=verified_jaccard(features, rows), span_words=pd.NA))

    if len(near):
        both = np.concatenate([near, near[:, ::-1]])
        sims = np.concatenate([near_similarity, near_similarity])
        pairs = pd.DataFrame({"group": both[:, 0], "eval_group": both[:, 1], "similarity": sims})
        near_matches = training.merge(pairs, on="group").merge(evals, on="eval_group")
        if len(near_matches):
            matches.append(near_matches.assign(method="minhash", rank=2, span_words=pd.NA))

    spans = _shared_spans(features, group_first, np.unique(training["group"].to_numpy()), np.unique(evals["eval_group"].to_numpy()),
                          settings.ngram_words, settings.scheme.shingle_words)
    if len(spans):
        span_matches = training.merge(spans, on="group").merge(evals, on="eval_group")
        if len(span_matches):
            rows = np.stack([span_matches["row"].to_numpy(), span_matches["eval_row"].to_numpy()], axis=1)
            span_matches["similarity"] = verified_jaccard(features, rows)
            matches.append(span_matches.assign(method="ngram", rank=3))
    if not matches:
        return pd.DataFrame(columns=columns)
    every = pd.concat(matches, ignore_index=True)
    longest_span = every[every["method"] == "ngram"].groupby(["record_id", "eval_record_id"])["span_words"].max()
    every["_order_similarity"] = -every["similarity"].astype(float)
    best = every.sort_values(["record_id", "rank", "_order_similarity", "eval_record_id"]).groupby("record_id").head(1)
    best = best.set_index("record_id")
    best["eval_matches"] = every.groupby("record_id")["eval_record_id"].nunique()
    best = best.reset_index()
    spans_of_best = pd.Series(list(zip(best["record_id"], best["eval_record_id"]))).map(longest_span.to_dict())
    best["span_words"] = np.where(best["method"] == "exact", best["span_words"], spans_of_best)
    best["span_words"] = pd.array(best["span_words"].tolist(), dtype="Int64")
    best["similarity"] = best["similarity"].astype(float)
    return best[columns].sort_values("record_id").reset_index(drop=True)


def _shared_spans(features: Features, group_first: np.ndarray, train_groups: np.ndarray, eval_groups: np.ndarray,
                  ngram_words: int, shingle_words: int) -> pd.DataFrame:
    """(group, eval_group, span_words) for every train group sharing a run of at least `ngram_words`
    consecutive words with an eval group, found as consecutive shingles that match at consecutive
    positions (a run of k shingles is k + shingle_words - 1 words)."""
    columns = ["group", "eval_group", "span_words"]
    min_run = ngram_words - shingle_words + 1
    train_groups = np.setdiff1d(train_groups, eval_groups)
    if len(train_groups) == 0 or len(eval_groups) == 0:
        return pd.DataFrame(columns=columns)
    counts = np.diff(features.shingle_offsets)
    e_rows = group_first[eval_groups]
    e_counts = counts[e_rows]
    e_values = features.shingle_values[gather_ranges(features.shingle_offsets[e_rows], e_counts)]
    e_group = np.repeat(eval_groups, e_counts)
    e_pos = gather_ranges(np.zeros(len(e_rows), dtype=np.int64), e_counts)
    e_order = np.argsort(e_values, kind="stable")
    e_values, e_group, e_pos = e_values[e_order], e_group[e_order], e_pos[e_order]
    t_rows = group_first[train_groups]
    t_counts = counts[t_rows]
    t_values = features.shingle_values[gather_ranges(features.shingle_offsets[t_rows], t_counts)]
    lo = np.searchsorted(e_values, t_values, side="left")
    hi = np.searchsorted(e_values, t_values, side="right")
    hit = hi > lo
    if not hit.any():
        return pd.DataFrame(columns=columns)
    t_group = np.repeat(train_groups, t_counts)[hit]
    t_pos = gather_ranges(np.zeros(len(t_rows), dtype=np.int64), t_counts)[hit]
    fan = (hi - lo)[hit]
    which = gather_ranges(lo[hit], fan)
    t_group, t_pos = np.repeat(t_group, fan), np.repeat(t_pos, fan)
    found = pd.DataFrame({"group": t_group, "eval_group": e_group[which], "diagonal": t_pos - e_pos[which], "pos": t_pos})
    found = found.sort_values(["group", "eval_group", "diagonal", "pos"], kind="stable")
    same = (found[["group", "eval_group", "diagonal"]].diff().fillna(1) == 0).all(axis=1).to_numpy()
    step = found["pos"].diff().fillna(0).to_numpy() == 1
    run_id = np.cumsum(~(same & step))
    found["run"] = run_id
    runs = found.groupby(["group", "eval_group", "run"]).size().rename("length").reset_index()
    runs = runs[runs["length"] >= min_run]
    if runs.empty:
        return pd.DataFrame(columns=columns)
    runs["span_words"] = runs["length"] + shingle_words - 1
    return runs.groupby(["group", "eval_group"], as_index=False)["span_words"].max()[columns]


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
