"""Shared pieces of the semantic tests: the real model (skipped, saying why, when the extra is
absent) and a small corpus with a rephrased eval item planted in the training sources."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from data_assets.semantic.model import EmbeddingsResource, SemanticUnavailable

DATA = Path(__file__).resolve().parent / "data"

EVAL_ITEMS = [
    ("How many integers satisfy the inequality |x + 5| < 10?", "19"),
    ("Explain the difference between exothermic and endothermic reactions, with a real-world example.", "..."),
    ("Write a persuasive email convincing an introverted friend to volunteer as a guest speaker at a local event.", "..."),
    ("What business etiquette norms should you follow when doing business in Japan?", "..."),
]
# The first eval item in other words: n-gram and MinHash checks do not see it.
PLANTED = "What is the number of integer solutions of |x + 5| < 10?"
# Shares words with an eval item but asks for something else: must stay.
NEAR_MISS = "What business etiquette should a Japanese company follow when hiring in Germany?"
TRAIN_ITEMS = [
    "Give three tips for staying healthy.", "Write a haiku about the sea at night.",
    "Explain how a bicycle gear system works.", "Translate 'good morning' into French.",
    "List five fruits that are high in vitamin C.", "Describe the water cycle in simple terms.",
    "Write a Python function that returns the largest item of a list.", "Summarize the plot of Hamlet in three sentences.",
    "Suggest a name for a bakery that sells sourdough bread.", "What is the capital city of Canada?",
    "How do I change a flat tyre on a car?", "Write a limerick about a forgetful wizard.",
    # The first item in other words: a semantic duplicate within train.
    "Share three pieces of advice for keeping healthy.",
]


@pytest.fixture(scope="session")
def embeddings() -> EmbeddingsResource:
    resource = EmbeddingsResource()
    try:
        resource.load()
    except SemanticUnavailable as reason:
        pytest.skip(f"semantic extra not usable here: {reason}")
    return resource


def write_planted_corpus(folder: Path) -> Path:
    """Sources YAML of a small eval set and a training set holding the planted rephrase and a near miss."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "eval.jsonl").open("w") as f:
        for question, answer in EVAL_ITEMS:
            f.write(json.dumps({"instruction": question, "input": "", "response": answer}) + "\n")
    with (folder / "train.jsonl").open("w") as f:
        for i, question in enumerate([*TRAIN_ITEMS, PLANTED, NEAR_MISS]):
            f.write(json.dumps({"instruction": question, "input": "", "response": f"An answer of record {i}, long enough."}) + "\n")
    sources = folder / "sources.yaml"
    sources.write_text(
        "sources:\n"
        "  - {name: planted_train, path: train.jsonl, role: train, origin: human, license: CC0-1.0}\n"
        "  - {name: small_eval, path: eval.jsonl, role: eval, origin: human, license: CC0-1.0}\n")
    return sources


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
