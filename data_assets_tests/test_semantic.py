"""The semantic layer's plain functions: neighbour search, matches, SemDeDup, topics, and the cache
against the real model and a real DuckDB file."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from data_assets.semantic.cache import embed_texts, normalize, text_hash
from data_assets.semantic.decontaminate import ParaphraseSettings, choose_threshold, paraphrase_matches, precision_recall
from data_assets.semantic.model import EmbeddingsResource, SemanticUnavailable
from data_assets.semantic.neighbours import pairs_above, top_k
from data_assets.semantic.semdedup import SemanticDedupSettings, semantic_duplicates
from data_assets.semantic.topics import TopicSettings, topic_clusters
from data_assets_tests.semantic_support import embeddings  # noqa: F401 - fixture


def unit(rows: np.ndarray) -> np.ndarray:
    rows = np.asarray(rows, dtype=np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_top_k_agrees_with_a_full_sort_across_blocks():
    rng = np.random.default_rng(0)
    queries, corpus = unit(rng.normal(size=(37, 16))), unit(rng.normal(size=(101, 16)))
    indices, sims = top_k(queries, corpus, k=3, block_rows=8)
    full = queries @ corpus.T
    expected = np.argsort(-full, axis=1, kind="stable")[:, :3]
    assert np.array_equal(indices, expected) and np.allclose(sims, np.take_along_axis(full, expected, axis=1))


def test_pairs_above_finds_every_pair_once():
    rng = np.random.default_rng(1)
    vectors = unit(rng.normal(size=(60, 4)))
    i, j, s = pairs_above(vectors, vectors, 0.8, block_rows=7, same=True)
    full = vectors @ vectors.T
    expected = {(a, b) for a in range(60) for b in range(a + 1, 60) if full[a, b] >= 0.8}
    assert set(zip(i.tolist(), j.tolist())) == expected and len(i) == len(expected)


def test_matches_keep_the_strongest_eval_item_and_band_it():
    evals = unit([[1, 0, 0], [0, 1, 0]])
    records = unit([[1, 0.05, 0], [0.7, 0.7, 0.15], [0, 0, 1]])
    matches = paraphrase_matches(["e1", "e2"], evals, ["r1", "r2", "r3"], ["train", "seed", "train"], records,
                                 ParaphraseSettings(remove_at=0.9, borderline_from=0.6))
    by_id = matches.set_index("record_id")
    assert list(by_id.index) == ["r1", "r2"]          # r3 is near no eval item
    assert by_id.loc["r1", ["eval_record_id", "band"]].tolist() == ["e1", "above"]
    assert by_id.loc["r2", "band"] == "borderline" and by_id.loc["r2", "eval_matches"] == 2


def test_thresholds_must_be_ordered():
    with pytest.raises(ValueError):
        ParaphraseSettings(remove_at=0.6, borderline_from=0.8)


def test_choose_threshold_meets_the_precision_it_is_asked_for():
    sims = np.array([0.95, 0.9, 0.85, 0.8, 0.7, 0.6])
    same = np.array([True, True, False, True, False, True])
    chosen = choose_threshold(sims, same, min_precision=0.75)
    # Every cut in (0.70, 0.80] keeps the same four pairs; the lowest is taken, and one step lower
    # would admit the 0.70 different-task pair.
    assert chosen == 0.71 and precision_recall(sims, same, chosen) == (0.75, 0.75)
    assert precision_recall(sims, same, 0.70)[0] < 0.75


def test_semantic_dedup_keeps_the_survivor_the_minhash_rule_would():
    records = pd.DataFrame({"record_id": ["a", "b", "c", "d"], "role": ["train"] * 4,
                            "origin": ["synthetic", "human", "human", "human"], "status": ["pass", "redacted", "pass", "pass"],
                            "response_chars": [500, 10, 20, 30]})
    vectors = unit([[1, 0], [1, 0.01], [1, 0.02], [0, 1]])
    clusters = semantic_duplicates(records, vectors, SemanticDedupSettings(enabled=True, threshold=0.99))
    # a, b, c are one task; c wins: human (not a), unmasked (not b). d stands alone.
    assert set(clusters["record_id"]) == {"a", "b", "c"} and set(clusters["representative_id"]) == {"c"}


def test_semantic_dedup_never_merges_across_roles():
    records = pd.DataFrame({"record_id": ["a", "b"], "role": ["train", "eval"], "origin": ["human"] * 2,
                            "status": ["pass"] * 2, "response_chars": [1, 1]})
    assert semantic_duplicates(records, unit([[1, 0], [1, 0]]), SemanticDedupSettings(enabled=True)).empty


def test_topics_separate_two_groups_and_flag_the_thin_one():
    rng = np.random.default_rng(2)
    cooking = unit(np.array([1, 0, 0]) + 0.05 * rng.normal(size=(20, 3)))
    physics = unit(np.array([0, 1, 0]) + 0.05 * rng.normal(size=(4, 3)))
    eval_physics = unit(np.array([0, 1, 0]) + 0.05 * rng.normal(size=(6, 3)))
    texts = ["bake bread oven recipe"] * 20 + ["quantum particle energy"] * 4 + ["quantum particle energy"] * 6
    roles = ["train"] * 24 + ["eval"] * 6
    topics = topic_clusters(texts, np.vstack([cooking, physics, eval_physics]), roles, TopicSettings(n_topics=2))
    table = topics.table.set_index("label")
    physics_label = next(label for label in table.index if "quantum" in label)
    assert bool(table.loc[physics_label, "thin"]) and not table.drop(physics_label)["thin"].any()
    assert topics.coverage == 1.0   # every eval item has a close training record


def test_missing_model_folder_is_a_reason_not_a_crash(tmp_path):
    resource = EmbeddingsResource(model=str(tmp_path / "no-such-model"))
    with pytest.raises(SemanticUnavailable, match="no sentence-transformers model"):
        resource.load()
    assert resource.status()[0] is False


def test_normalization_ignores_spacing_only():
    assert text_hash(normalize("  Solve  x\n+1 ")) == text_hash(normalize("Solve x +1"))
    assert text_hash(normalize("Solve x")) != text_hash(normalize("solve x"))


def test_cache_embeds_each_text_once(warehouse, embeddings):
    embedder = embeddings.load()
    texts = ["Why is the sky blue?", "Write a haiku about rain.", "Why is the sky  blue?"]
    first = embed_texts(warehouse.connect, embedder, texts)
    again = embed_texts(warehouse.connect, embedder, [*texts, "A new text."])
    assert (first.embedded, first.reused) == (2, 0)     # the third text normalizes to the first
    assert (again.embedded, again.reused) == (1, 2)
    assert np.array_equal(first.vectors, again.vectors[:3])
    with warehouse.connect() as con:
        assert con.execute("SELECT count(*), count(DISTINCT text_hash) FROM semantic.embeddings").fetchone() == (3, 3)


def test_real_embeddings_are_unit_length_and_rank_a_paraphrase_first(embeddings):
    embedder = embeddings.load()
    vectors = embedder.encode(["What makes the sky look blue?", "Why is the sky blue?", "Give me a pancake recipe."])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.3
