"""How well paraphrase decontamination separates "the same task in other words" from "shared words,
another task", on the labeled set built for this project and on hand-rephrased MT-Bench questions.

The thresholds come from the tuning split; the numbers asserted here are on data they never saw
(the held-out split; MT-Bench), with floors a little under the measured values (README)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from data_assets.semantic.decontaminate import ParaphraseSettings, choose_threshold, precision_recall
from data_assets_tests.semantic_support import DATA, embeddings  # noqa: F401 - fixture


@pytest.fixture(scope="module")
def labeled(embeddings):
    rows = [json.loads(line) for line in (DATA / "paraphrases.jsonl").read_text(encoding="utf-8").splitlines()]
    embedder = embeddings.load()
    a, b = embedder.encode([r["a"] for r in rows]), embedder.encode([r["b"] for r in rows])
    return {"similarity": np.einsum("ij,ij->i", a, b), "same": np.array([r["label"] == "same_task" for r in rows]),
            "tune": np.array([r["split"] == "tune" for r in rows])}


def test_the_set_is_large_enough_and_balanced():
    rows = [json.loads(line) for line in (DATA / "paraphrases.jsonl").read_text(encoding="utf-8").splitlines()]
    for split in ("tune", "holdout"):
        labels = [r["label"] for r in rows if r["split"] == split]
        assert labels.count("same_task") >= 50 and labels.count("different_task") >= 50
    assert sum(r["label"] == "same_task" for r in rows) >= 100 and sum(r["label"] == "different_task" for r in rows) >= 100


def test_default_thresholds_are_the_ones_the_tuning_split_gives(labeled):
    """Self-consistency check: the constants in ParaphraseSettings are what the documented rule
    picks on the tuning split (it says nothing about quality; the held-out tests do)."""
    tune = labeled["tune"]
    assert choose_threshold(labeled["similarity"][tune], labeled["same"][tune], min_precision=0.90) == ParaphraseSettings.remove_at
    assert choose_threshold(labeled["similarity"][tune], labeled["same"][tune], min_recall=0.95) == ParaphraseSettings.borderline_from


def test_held_out_precision_and_recall(labeled):
    held = ~labeled["tune"]
    sims, same = labeled["similarity"][held], labeled["same"][held]
    precision, recall = precision_recall(sims, same, ParaphraseSettings.remove_at)
    _, reaches_judge = precision_recall(sims, same, ParaphraseSettings.borderline_from)
    print(f"held out: removal precision {precision:.3f} recall {recall:.3f}; same-task pairs reaching the judge {reaches_judge:.3f}")
    assert precision >= 0.78 and recall >= 0.60 and reaches_judge >= 0.93


def test_mt_bench_rephrasings_are_caught_among_alpaca(embeddings, shared_data):
    """Eval: the 80 MT-Bench first turns. Training: our 80 hand rephrasings plus 1,000 Alpaca
    instructions (none of them MT-Bench questions). Precision counts Alpaca records removed too."""
    questions = {}
    for line in (shared_data / "mt_bench" / "mt_bench_question.jsonl").read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        questions[q["question_id"]] = q["turns"][0]
    rephrased = [json.loads(line) for line in (DATA / "mt_bench_rephrased.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(rephrased) == len(questions) == 80

    def full(r: dict) -> str:
        original = questions[r["question_id"]]
        return r["rephrased"] + (original[original.index("\n"):] if r["keeps_original_payload"] and "\n" in original else "")

    alpaca = json.loads((shared_data / "alpaca" / "alpaca_data_random5000.json").read_text(encoding="utf-8"))[:1000]
    embedder = embeddings.load()
    ids = sorted(questions)
    evals = embedder.encode([questions[i] for i in ids])
    planted = embedder.encode([full(r) for r in rephrased])
    clean = embedder.encode([a["instruction"] + (f"\n\n{a['input']}" if a["input"] else "") for a in alpaca])
    own = np.array([planted[k] @ evals[ids.index(r["question_id"])] for k, r in enumerate(rephrased)])
    best_planted = (planted @ evals.T).max(axis=1)
    threshold = ParaphraseSettings.remove_at
    caught = int(((own >= threshold) & (own >= best_planted - 1e-6)).sum())
    false_alarms = int(((clean @ evals.T).max(axis=1) >= threshold).sum())
    precision, recall = caught / max(caught + false_alarms, 1), caught / len(rephrased)
    print(f"MT-Bench: recall {recall:.3f} precision {precision:.3f} ({false_alarms} Alpaca records above {threshold})")
    assert recall >= 0.80 and precision >= 0.95
