"""The semantic layer on Alpaca 5,000: embeddings/s, the cache on a re-run, the semantic steps,
and numpy exact search against faiss-cpu's exact flat index (when installed) in the same run.

Texts are Alpaca's instruction + input (what the stage embeds). Eval items are the 80 MT-Bench
first turns. Run: `make bench` or `python -m data_assets_tests.benchmarks semantic`.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
ALPACA = SHARED / "alpaca" / "alpaca_data_random5000.json"
MT_BENCH = SHARED / "mt_bench" / "mt_bench_question.jsonl"


def _median_seconds(fn, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> dict:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from data_assets.semantic.cache import embed_texts, prompt_text
    from data_assets.semantic.decontaminate import ParaphraseSettings, paraphrase_matches
    from data_assets.semantic.model import EmbeddingsResource, SemanticUnavailable
    from data_assets.semantic.neighbours import pairs_above, top_k
    from data_assets.semantic.semdedup import SemanticDedupSettings, semantic_duplicates
    from data_assets.semantic.topics import TopicSettings, topic_clusters
    from data_assets.warehouse import WarehouseResource

    if not ALPACA.is_file():
        print(f"skipped: {ALPACA} not found")
        return {"skipped": "no Alpaca file"}
    resource = EmbeddingsResource()
    started = time.perf_counter()
    try:
        embedder = resource.load()
    except SemanticUnavailable as reason:
        print(f"skipped: {reason}")
        return {"skipped": str(reason)}
    load_s = time.perf_counter() - started
    try:
        import torch

        threads = torch.get_num_threads()
    except ImportError:  # pragma: no cover - the extra brings torch
        threads = None
    alpaca = json.loads(ALPACA.read_text())
    texts = [prompt_text(r["instruction"], r["input"]) for r in alpaca]
    questions = [json.loads(line)["turns"][0] for line in MT_BENCH.read_text().splitlines()]
    results: dict = {"model": embedder.model_id, "torch_threads": threads, "model_load_s": round(load_s, 2), "texts": len(texts)}

    with tempfile.TemporaryDirectory() as folder:
        warehouse = WarehouseResource(path=str(Path(folder) / "bench.duckdb"))
        cold = embed_texts(warehouse.connect, embedder, texts, run_id="bench")
        warm_started = time.perf_counter()
        warm = embed_texts(warehouse.connect, embedder, texts, run_id="bench")
        warm_s = time.perf_counter() - warm_started
        evals = embed_texts(warehouse.connect, embedder, questions, run_id="bench").vectors
    vectors = cold.vectors
    results.update(cold_embed_s=round(cold.seconds, 1), embeddings_per_s=round(cold.embedded / cold.seconds, 1),
                   distinct_texts=cold.embedded, rerun_s=round(warm_s, 2), rerun_embedded=warm.embedded,
                   rerun_reused_share=round(warm.reused / max(warm.reused + warm.embedded, 1), 4),
                   rerun_texts_per_s=round(len(texts) / warm_s, 0))
    print(f"model {embedder.model_id}, load {load_s:.1f}s, torch threads {threads}")
    print(f"embed {len(texts)} Alpaca prompts cold: {cold.seconds:.1f}s = {results['embeddings_per_s']}/s; "
          f"re-run from semantic.embeddings: {warm_s:.2f}s, {warm.embedded} embedded, reused share {results['rerun_reused_share']}")

    ids = [f"a{i:05d}" for i in range(len(texts))]
    steps = {
        "paraphrase_decontamination (80 eval x 5,000)": lambda: paraphrase_matches(
            [f"q{i}" for i in range(len(questions))], evals, ids, ["train"] * len(ids), vectors, ParaphraseSettings()),
        "semantic_dedup (all pairs within 5,000)": lambda: semantic_duplicates(
            __import__("pandas").DataFrame({"record_id": ids, "role": "train", "origin": "human", "status": "pass",
                                            "response_chars": [len(r["output"]) for r in alpaca]}),
            vectors, SemanticDedupSettings(enabled=True)),
        "topic_clusters (k-means, terms, PCA, coverage)": lambda: topic_clusters(
            [*texts, *questions], np.vstack([vectors, evals]), ["train"] * len(texts) + ["eval"] * len(questions), TopicSettings()),
    }
    step_seconds = {name: round(_median_seconds(fn), 3) for name, fn in steps.items()}
    for name, seconds in step_seconds.items():
        print(f"  {name}: {seconds}s (median of 3)")
    results["step_seconds"] = step_seconds

    search = {"numpy top-1, 80 x 5,000": round(_median_seconds(lambda: top_k(evals, vectors, 1), 5), 4),
              "numpy pairs >= 0.95, 5,000 x 5,000": round(_median_seconds(lambda: pairs_above(vectors, vectors, 0.95, same=True)), 3)}
    try:
        import faiss

        def faiss_top1():
            index = faiss.IndexFlatIP(vectors.shape[1])
            index.add(vectors)
            return index.search(evals, 1)

        def faiss_range():
            index = faiss.IndexFlatIP(vectors.shape[1])
            index.add(vectors)
            return index.range_search(vectors, 0.95)

        search["faiss IndexFlatIP top-1, 80 x 5,000"] = round(_median_seconds(faiss_top1, 5), 4)
        search["faiss IndexFlatIP range >= 0.95, 5,000 x 5,000"] = round(_median_seconds(faiss_range), 3)
        exact = np.array_equal(top_k(evals, vectors, 1)[0][:, 0], faiss_top1()[1][:, 0])
        search["top-1 identical"] = bool(exact)
    except ImportError:
        search["faiss"] = "not installed (pip install faiss-cpu to compare)"
    for name, value in search.items():
        print(f"  {name}: {value}")
    results["search"] = search
    return results
