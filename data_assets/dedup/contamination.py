"""Eval decontamination as one function over a batch of records: the dedup stage's rules, reused everywhere.

A candidate record (instruction, input, response) overlaps an eval record when, strongest first:
  exact   - the same normalized instruction + input + response;
  prompt  - the same normalized instruction + input (the eval question is in training, whatever
            the answer; short questions like "Solve 3x + 7 = 22" never reach the other two rules);
  minhash - true shingle Jaccard at or above the threshold (MinHash LSH proposes, the true Jaccard decides);
  ngram   - a shared run of `ngram_words` (13) consecutive normalized words.

The dedup stage removes the train and seed records that overlap; augment, synth and prefs hold
their generated rows to the same rules, with the settings of the last dedup run (`dedup.settings`),
before any of them can reach an export. Every removed row, whichever stage removed it, is one row
of `dedup.contamination` (its `stage` says whose row it was) with the eval record and the rule, and
has a `contaminates_eval` lineage edge to that eval record.

The eval set is every eval-role record compliance saw, whatever its status: an eval item dropped
for its license, a blocked term or a secret is still an item no model may train on. It is read,
never exported.
"""

from __future__ import annotations

from dataclasses import dataclass

import dagster as dg
import duckdb
import numpy as np
import pandas as pd

from data_assets.common.metadata import counts_markdown
from data_assets.dedup.minhash import MinHashScheme, signatures
from data_assets.dedup.pairs import IN_PROCESS, PairSearch
from data_assets.dedup.settings import DedupSettings, read_settings
from data_assets.dedup.text import Features, featurize, gather_ranges, text_key
from data_assets.warehouse.resource import replace_rows

MATCH_COLUMNS = ["record_id", "eval_record_id", "method", "similarity", "span_words", "eval_matches"]
TABLE_COLUMNS = ["record_id", "stage", "eval_record_id", "role", "part", "method", "similarity", "span_words", "eval_matches"]
REASON = "contaminates_eval"
EDGE_OPERATION = "contaminates_eval"
RULE_RANK = {"exact": 0, "prompt": 1, "minhash": 2, "ngram": 3}   # strongest first
_EMPTY_KEY = np.uint64(text_key([]))


def record_features(records: pd.DataFrame, scheme: MinHashScheme) -> tuple[Features, np.ndarray]:
    """Features and MinHash signatures of records with instruction, input and response columns."""
    if records.empty:
        return Features.empty(), np.zeros((0, scheme.num_perm), dtype=np.uint32)
    fields = [records[c].fillna("").astype(str).tolist() for c in ("instruction", "input", "response")]
    features = featurize(fields, size=scheme.shingle_words)
    return features, signatures(features, scheme)


def empty_matches() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in MATCH_COLUMNS})


@dataclass
class EvalIndex:
    """The eval records' features and signatures, ready to match batches of candidates against."""

    ids: np.ndarray          # eval record ids, row-aligned with features and sigs
    features: Features
    sigs: np.ndarray
    settings: DedupSettings
    pairs: PairSearch = IN_PROCESS   # where candidates are found and verified (here, or on a Ray cluster)

    @classmethod
    def from_records(cls, records: pd.DataFrame, settings: DedupSettings | None = None) -> EvalIndex:
        """`records`: record_id, instruction, input, response of every eval record."""
        settings = settings or DedupSettings()
        records = records.sort_values("record_id", kind="stable").reset_index(drop=True)
        features, sigs = record_features(records, settings.scheme)
        return cls(records["record_id"].to_numpy(dtype=object), features, sigs, settings)

    def __len__(self) -> int:
        return len(self.ids)

    def match_records(self, records: pd.DataFrame) -> pd.DataFrame:
        """`match` for records with record_id, instruction, input and response columns (featurized here)."""
        if records.empty or not len(self):
            return empty_matches()
        features, sigs = record_features(records, self.settings.scheme)
        return self.match(records["record_id"].to_numpy(dtype=object), features, sigs)

    def match(self, ids: np.ndarray, features: Features, sigs: np.ndarray) -> pd.DataFrame:
        """One row (`MATCH_COLUMNS`) per candidate that overlaps an eval record: its strongest match
        (exact, then prompt, then the highest Jaccard, then the longest span; ties to the smaller
        eval id) and how many eval records it overlaps by any rule. Sorted by record_id."""
        if len(ids) == 0 or not len(self):
            return empty_matches()
        ids = np.asarray(ids, dtype=object)
        # Exact copies match the same eval records: each distinct text is matched once.
        text_group, _ = pd.factorize(features.text_key)
        n_texts = int(text_group.max()) + 1
        first = np.full(n_texts, len(ids), dtype=np.int64)
        np.minimum.at(first, text_group, np.arange(len(ids), dtype=np.int64))
        query, query_sigs = features.take(first), sigs[first]
        best = self._best_matches(query, query_sigs)
        if best.empty:
            return empty_matches()
        rows = pd.DataFrame({"record_id": ids, "q": text_group})
        found = rows.merge(best, on="q").drop(columns="q")
        found["span_words"] = pd.array(found["span_words"].tolist(), dtype="Int64")
        found["similarity"] = found["similarity"].astype(float)
        found["eval_matches"] = found["eval_matches"].astype("int64")
        return found[MATCH_COLUMNS].sort_values("record_id").reset_index(drop=True)

    def _best_matches(self, query: Features, query_sigs: np.ndarray) -> pd.DataFrame:
        settings = self.settings
        n_query = len(query)
        both = Features.concat([query, self.features])

        def jaccard(q: np.ndarray, e: np.ndarray) -> np.ndarray:
            return self.pairs.jaccard(both, np.stack([q, e + n_query], axis=1)) if len(q) else np.zeros(0)

        queries = pd.DataFrame({"q": np.arange(n_query), "text": query.text_key, "prompt": query.prompt_key})
        evals = pd.DataFrame({"e": np.arange(len(self)), "text": self.features.text_key, "prompt": self.features.prompt_key})
        found = []

        exact = queries.merge(evals, on="text")[["q", "e"]]
        if len(exact):
            found.append(exact.assign(method="exact", similarity=1.0, span_words=query.n_words[exact["q"].to_numpy()]))

        same_prompt = queries[queries["prompt"] != _EMPTY_KEY].merge(evals[evals["prompt"] != _EMPTY_KEY], on="prompt")[["q", "e"]]
        if len(same_prompt):
            q, e = same_prompt["q"].to_numpy(), same_prompt["e"].to_numpy()
            found.append(same_prompt.assign(method="prompt", similarity=jaccard(q, e), span_words=pd.NA))

        bands, rows = settings.banding
        candidates = self.pairs.cross_candidates(query_sigs, self.sigs, bands, rows,
                                          np.diff(query.shingle_offsets) > 0, np.diff(self.features.shingle_offsets) > 0)
        if len(candidates):
            similarity = jaccard(candidates[:, 0], candidates[:, 1])
            near = similarity >= settings.threshold
            if near.any():
                found.append(pd.DataFrame({"q": candidates[near, 0], "e": candidates[near, 1], "method": "minhash",
                                           "similarity": similarity[near], "span_words": pd.NA}))

        exact_texts = np.unique(exact["q"].to_numpy()) if len(exact) else np.zeros(0, dtype=np.int64)
        spans = shared_spans(query, np.setdiff1d(np.arange(n_query), exact_texts), self.features,
                             settings.ngram_words, settings.scheme.shingle_words)
        if len(spans):
            q, e = spans["q"].to_numpy(), spans["e"].to_numpy()
            found.append(spans.assign(method="ngram", similarity=jaccard(q, e)))
        if not found:
            return pd.DataFrame(columns=["q", *MATCH_COLUMNS[1:]])

        every = pd.concat(found, ignore_index=True)
        every["eval_record_id"] = self.ids[every["e"].to_numpy()]
        every["_rank"] = every["method"].map(RULE_RANK)
        every["_order_similarity"] = -every["similarity"].astype(float)
        best = every.sort_values(["q", "_rank", "_order_similarity", "eval_record_id"]).groupby("q").head(1).set_index("q")
        best["eval_matches"] = every.groupby("q")["eval_record_id"].nunique()
        best = best.reset_index()
        # A match by another rule still reports the longest span it shares with that eval record.
        longest = every[every["method"] == "ngram"].groupby(["q", "e"])["span_words"].max().to_dict()
        spans_of_best = pd.Series(list(zip(best["q"], best["e"]))).map(longest)
        best["span_words"] = np.where(best["method"] == "exact", best["span_words"], spans_of_best)
        return best[["q", *MATCH_COLUMNS[1:]]]


def shared_spans(query: Features, query_rows: np.ndarray, index: Features, ngram_words: int, shingle_words: int) -> pd.DataFrame:
    """(q, e, span_words) for every query row sharing a run of at least `ngram_words` consecutive
    words with an index row, found as consecutive shingles that match at consecutive positions
    (a run of k shingles is k + shingle_words - 1 words)."""
    columns = ["q", "e", "span_words"]
    min_run = ngram_words - shingle_words + 1
    if len(query_rows) == 0 or len(index) == 0:
        return pd.DataFrame(columns=columns)
    e_counts = np.diff(index.shingle_offsets)
    e_values = index.shingle_values
    e_row = np.repeat(np.arange(len(index), dtype=np.int64), e_counts)
    e_pos = gather_ranges(np.zeros(len(index), dtype=np.int64), e_counts)
    e_order = np.argsort(e_values, kind="stable")
    e_values, e_row, e_pos = e_values[e_order], e_row[e_order], e_pos[e_order]
    q_counts = np.diff(query.shingle_offsets)[query_rows]
    q_values = query.shingle_values[gather_ranges(query.shingle_offsets[query_rows], q_counts)]
    lo = np.searchsorted(e_values, q_values, side="left")
    hi = np.searchsorted(e_values, q_values, side="right")
    hit = hi > lo
    if not hit.any():
        return pd.DataFrame(columns=columns)
    q_row = np.repeat(np.asarray(query_rows, dtype=np.int64), q_counts)[hit]
    q_pos = gather_ranges(np.zeros(len(query_rows), dtype=np.int64), q_counts)[hit]
    fan = (hi - lo)[hit]
    which = gather_ranges(lo[hit], fan)
    q_row, q_pos = np.repeat(q_row, fan), np.repeat(q_pos, fan)
    found = pd.DataFrame({"q": q_row, "e": e_row[which], "diagonal": q_pos - e_pos[which], "pos": q_pos})
    found = found.sort_values(["q", "e", "diagonal", "pos"], kind="stable")
    same = (found[["q", "e", "diagonal"]].diff().fillna(1) == 0).all(axis=1).to_numpy()
    step = found["pos"].diff().fillna(0).to_numpy() == 1
    found["run"] = np.cumsum(~(same & step))
    runs = found.groupby(["q", "e", "run"]).size().rename("length").reset_index()
    runs = runs[runs["length"] >= min_run]
    if runs.empty:
        return pd.DataFrame(columns=columns)
    runs["span_words"] = runs["length"] + shingle_words - 1
    return runs.groupby(["q", "e"], as_index=False)["span_words"].max()[columns]


def load_eval_index(con: duckdb.DuckDBPyConnection) -> EvalIndex:
    """Every eval-role record compliance saw (any status), under the last dedup run's settings."""
    records = con.execute(
        "SELECT record_id, instruction, input, response FROM compliance.documents WHERE role = 'eval' ORDER BY record_id"
    ).df()
    return EvalIndex.from_records(records, read_settings(con))


def describe(method: str, similarity: float, span_words) -> str:
    """How a row overlaps its eval record, in words: e.g. `minhash jaccard=0.83 span=14 words`."""
    span = "" if span_words is None or pd.isna(span_words) else f" span={int(span_words)} words"
    return f"{method} jaccard={float(similarity):.2f}{span}"


def rejection_detail(match: dict) -> str:
    return f"overlaps eval record {match['eval_record_id']}: {describe(match['method'], match['similarity'], match['span_words'])}"


def contamination_rows(matches: pd.DataFrame, stage: str, role: str, part: pd.Series | None = None) -> pd.DataFrame:
    """`matches` shaped as `dedup.contamination` rows of `stage`."""
    frame = matches.assign(stage=stage, role=role)
    if part is not None:
        frame["part"] = part
    return frame.reindex(columns=TABLE_COLUMNS)


def rejected_contamination(rejected: list[dict], stage: str, role: str) -> pd.DataFrame:
    """`dedup.contamination` rows for a stage's rejected rows that overlap eval (each carries its
    match under `contamination`)."""
    matches = [r["contamination"] for r in rejected if r.get("contamination")]
    return contamination_rows(pd.DataFrame(matches) if matches else empty_matches(), stage, role)


def contamination_edges(rows: pd.DataFrame) -> list[tuple[str, str, str, str]]:
    """A `contaminates_eval` edge from each removed row to the eval record it overlaps."""
    return [(r.record_id, r.eval_record_id, EDGE_OPERATION, describe(r.method, r.similarity, r.span_words))
            for r in rows.itertuples(index=False)]


def contamination_metadata(rows: pd.DataFrame, eval_records: int) -> dict:
    """What a stage's decontamination did, for its materialization: no text, only ids and counts."""
    if not eval_records:
        note = "_no eval records in compliance.documents: nothing to decontaminate against_"
        return {"eval_records_for_decontamination": 0, "removed_for_overlapping_eval": dg.MetadataValue.md(note)}
    return {
        "eval_records_for_decontamination": int(eval_records),
        "removed_for_overlapping_eval": counts_markdown(rows["method"].value_counts().to_dict(), "rule", "rows"),
    }


def write_contamination(con: duckdb.DuckDBPyConnection, stage: str, rows: pd.DataFrame) -> None:
    """Replace `stage`'s rows of dedup.contamination: each stage rewrites only its own."""
    replace_rows(con, "dedup.contamination", rows.reindex(columns=TABLE_COLUMNS).assign(stage=stage), "stage = ?", [stage])
