"""Reading the curves' inputs from the warehouse, holding out eval sets, and the leakage guard.

Every pool a curve draws subsets from is cleaned against the eval set before any subset is
drawn, so no subset of any size or seed can contain an eval item:
- records the dedup stage listed in `dedup.contamination` (matched against an eval record);
- records with an eval record's id (a held-out split shares ids with its source);
- records whose normalized instruction + input equals an eval item's (a copy under another id,
  e.g. a raw duplicate of an item dedup removed, so never listed in the contamination table);
- records sharing a 13-word span with an eval item (the dedup stage's long-overlap rule), which
  catches a lightly edited copy. Short texts cannot trigger it, so short answers ("Positive.")
  are not confused with leakage.
Preference pairs are cleaned the same way on the prompt and both responses.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

from data_assets.dedup import normalize_text
from data_assets.semantic.targets import with_topics

SFT_COLUMNS = ["record_id", "instruction", "input", "response", "origin"]
PREFERENCE_COLUMNS = ["record_id", "prompt", "chosen", "rejected", "origin"]
SPAN_WORDS = 13


def normalize(text: str) -> str:
    """The dedup stage's notion of equal text, so the guard and decontamination agree."""
    return normalize_text(text or "")


def stable_fraction(key: str) -> float:
    return int.from_bytes(hashlib.sha1(key.encode("utf-8")).digest()[:8], "big") / 2**64


def table_exists(con: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    schema, name = qualified.split(".")
    return bool(con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?", [schema, name]
    ).fetchone()[0]) or bool(con.execute(
        "SELECT count(*) FROM duckdb_views() WHERE schema_name = ? AND view_name = ?", [schema, name]
    ).fetchone()[0])


def columns_of(con: duckdb.DuckDBPyConnection, qualified: str) -> set[str]:
    schema, name = qualified.split(".")
    rows = con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ?", [schema, name]
    ).fetchall()
    return {r[0] for r in rows}


def held_out_split(frame: pd.DataFrame, share: float, cap: int, salt: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(rest, held out): the `share` of rows with the smallest hash of their record id, at most
    `cap` of them. Hash order, not row order, so the split survives re-ingest and re-sorting."""
    if frame.empty:
        return frame, frame
    order = np.array([stable_fraction(f"{salt}:{rid}") for rid in frame["record_id"]])
    ranked = np.argsort(order, kind="stable")
    count = min(cap, max(1, int(round(share * len(frame)))))
    held = np.zeros(len(frame), dtype=bool)
    held[ranked[:count]] = True
    return frame[~held].reset_index(drop=True), frame[held].reset_index(drop=True)


def cap_eval(frame: pd.DataFrame, cap: int, salt: str) -> pd.DataFrame:
    if len(frame) <= cap:
        return frame.reset_index(drop=True)
    order = np.argsort([stable_fraction(f"{salt}:{rid}") for rid in frame["record_id"]], kind="stable")
    return frame.iloc[np.sort(order[:cap])].reset_index(drop=True)


def _spans(text: str, width: int = SPAN_WORDS) -> set[int]:
    words = normalize(text).split()
    return {hash(" ".join(words[k:k + width])) for k in range(len(words) - width + 1)}


@dataclass
class LeakageGuard:
    """The eval set's fingerprints; `clean` removes every training row that matches one."""

    eval_ids: set[str]
    contaminated_ids: set[str]
    prompts: set[str]
    spans: set[int]

    @classmethod
    def for_sft(cls, evaluation: pd.DataFrame, contaminated_ids: set[str]) -> LeakageGuard:
        prompts = {normalize(f"{i} {x}") for i, x in zip(evaluation["instruction"], evaluation["input"])}
        spans: set[int] = set()
        for i, x, r in zip(evaluation["instruction"], evaluation["input"], evaluation["response"]):
            spans |= _spans(f"{i} {x} {r}")
        return cls(set(evaluation["record_id"]), contaminated_ids, prompts, spans)

    @classmethod
    def for_preferences(cls, evaluation: pd.DataFrame, contaminated_ids: set[str]) -> LeakageGuard:
        prompts = {normalize(p) for p in evaluation["prompt"]}
        spans: set[int] = set()
        for p, c, r in zip(evaluation["prompt"], evaluation["chosen"], evaluation["rejected"]):
            spans |= _spans(p) | _spans(c) | _spans(r)
        return cls(set(evaluation["record_id"]), contaminated_ids, prompts, spans)

    def _reason(self, record_id: str, prompt: str, texts: list[str]) -> str | None:
        if record_id in self.contaminated_ids:
            return "dedup_contamination"
        if record_id in self.eval_ids:
            return "eval_record_id"
        if normalize(prompt) in self.prompts:
            return "same_prompt_as_eval"
        if self.spans and any(not _spans(t).isdisjoint(self.spans) for t in texts):
            return f"shares_{SPAN_WORDS}_words_with_eval"
        return None

    def clean(self, frame: pd.DataFrame, kind: str) -> tuple[pd.DataFrame, Counter]:
        removed: Counter = Counter()
        keep = np.ones(len(frame), dtype=bool)
        for k, row in enumerate(frame.itertuples(index=False)):
            if kind == "sft":
                reason = self._reason(row.record_id, f"{row.instruction} {row.input}", [f"{row.instruction} {row.input} {row.response}"])
            else:
                reason = self._reason(row.record_id, row.prompt, [row.prompt, row.chosen, row.rejected])
            if reason:
                keep[k] = False
                removed[reason] += 1
        return frame[keep].reset_index(drop=True), removed


@dataclass
class CurveInputs:
    """Everything the curves need, read in one short connection."""

    sft_eval: pd.DataFrame
    sft_eval_source: str
    curated: pd.DataFrame
    raw: pd.DataFrame
    synthetic_pairs: pd.DataFrame
    preference_eval: pd.DataFrame
    human_pairs: pd.DataFrame
    judged_pairs: pd.DataFrame
    contaminated_ids: set[str]
    notes: list[str] = field(default_factory=list)
    sft_eval_warning: str | None = None   # the eval set exists but none of it reached dedup.documents


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    # Sorted by id, so subsets depend on the seed only, never on the order SQL returned rows in.
    return frame.sort_values("record_id", kind="stable").reset_index(drop=True)


def read_inputs(
    con: duckdb.DuckDBPyConnection,
    eval_share: float = 0.2,
    max_eval_items: int = 500,
    include_unverified_synthetic: bool = False,
) -> CurveInputs:
    notes: list[str] = []

    contaminated: set[str] = set()
    if table_exists(con, "dedup.contamination"):
        contaminated = {r[0] for r in con.execute("SELECT DISTINCT record_id FROM dedup.contamination").fetchall()}

    curated, sft_eval, eval_source, eval_warning = _empty(SFT_COLUMNS), _empty(SFT_COLUMNS), "none", None
    if table_exists(con, "dedup.documents"):
        documents = con.execute(
            "SELECT record_id, role, origin, instruction, coalesce(input, '') AS input, response FROM dedup.documents"
        ).df()
        curated = _sorted(documents[documents["role"] == "train"][SFT_COLUMNS])
        curated = with_topics(con, curated)   # topic labels for diverse vs narrow (semantic layer; None without it)
        sft_eval = documents[documents["role"] == "eval"][SFT_COLUMNS]
        if len(sft_eval):
            eval_source = "eval-role records of dedup.documents"
            if len(sft_eval) > max_eval_items:
                notes.append(f"SFT eval: {max_eval_items} of {len(sft_eval)} eval-role records (hash sample; config max_eval_items)")
            sft_eval = cap_eval(_sorted(sft_eval), max_eval_items, "sft-eval")
        elif len(curated):
            curated, sft_eval = held_out_split(curated, eval_share, max_eval_items, "sft-eval")
            eval_source = f"held-out {len(sft_eval)} train records (no eval role; smallest hash of record_id)"
            notes.append(f"SFT eval: no eval-role records, so {len(sft_eval)} train records are held out by record_id hash")
            dropped = dropped_eval_records(con)
            if dropped:
                eval_warning = (f"WARNING: your eval set exists but compliance dropped all {dropped} of its records, so the "
                                f"SFT curves are scored on {len(sft_eval)} held-out train records instead, not on your eval set. "
                                "The dropped eval records still decontaminated every training and generated row.")
    else:
        notes.append("dedup.documents is missing: no SFT curves")

    raw = _empty(SFT_COLUMNS)
    if table_exists(con, "raw.documents"):
        raw = _sorted(con.execute(
            "SELECT record_id, instruction, coalesce(input, '') AS input, response, origin FROM raw.documents WHERE role = 'train'"
        ).df())

    synthetic = _empty(SFT_COLUMNS)
    if table_exists(con, "synth.pairs"):
        verified = "" if include_unverified_synthetic or "verified" not in columns_of(con, "synth.pairs") else "WHERE verified"
        synthetic = _sorted(con.execute(
            f"SELECT record_id, instruction, coalesce(input, '') AS input, response, 'synthetic' AS origin FROM synth.pairs {verified}"
        ).df())

    human_pairs, preference_eval = _empty(PREFERENCE_COLUMNS), _empty(PREFERENCE_COLUMNS)
    if table_exists(con, "raw.preferences"):
        human = _sorted(con.execute(
            "SELECT record_id, prompt, chosen, rejected, 'human' AS origin FROM raw.preferences WHERE origin = 'human'"
        ).df())
        human_pairs, preference_eval = held_out_split(human, eval_share, max_eval_items, "preference-eval")

    judged_pairs = read_judged_pairs(con)
    return CurveInputs(
        sft_eval=sft_eval, sft_eval_source=eval_source, curated=curated, raw=raw, synthetic_pairs=synthetic,
        preference_eval=preference_eval, human_pairs=human_pairs, judged_pairs=judged_pairs,
        contaminated_ids=contaminated, notes=notes, sft_eval_warning=eval_warning,
    )


def dropped_eval_records(con: duckdb.DuckDBPyConnection) -> int:
    """Eval-role records compliance dropped (license, blocked term, secret): not in dedup.documents."""
    if not table_exists(con, "compliance.documents"):
        return 0
    return int(con.execute("SELECT count(*) FROM compliance.documents WHERE role = 'eval' AND status = 'dropped'").fetchone()[0])


def read_judged_pairs(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """AI-judged pairs of the prefs stage with a consistent verdict, as (prompt, chosen, rejected).

    `prefs.pairs` holds the prompt and the response ids; the texts come from `prefs.responses`.
    Pairs the judge labeled on human preference data (`source = 'human'`, for calibration) are
    left out: their texts are the human pairs themselves, already in the human pool and eval set.
    """
    if not (table_exists(con, "prefs.pairs") and table_exists(con, "prefs.responses")):
        return _empty(PREFERENCE_COLUMNS)
    human_source = "AND p.source <> 'human'" if "source" in columns_of(con, "prefs.pairs") else ""
    frame = con.execute(
        f"""SELECT p.pair_id AS record_id, p.prompt, c.text AS chosen, r.text AS rejected, 'ai_judged' AS origin
            FROM prefs.pairs p
            JOIN (SELECT DISTINCT response_id, text FROM prefs.responses) c ON c.response_id = p.chosen_id
            JOIN (SELECT DISTINCT response_id, text FROM prefs.responses) r ON r.response_id = p.rejected_id
            WHERE p.verdict IN ('a', 'b') {human_source}"""
    ).df()
    return _sorted(frame.drop_duplicates("record_id"))
