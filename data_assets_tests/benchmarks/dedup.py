"""Dedup speed and quality: this stage's bulk path against datasketch, rensa and DataTrove at their best.

Corpus: records built from the real texts in ../shared/data (Alpaca 5k, Self-Instruct seeds,
hh-rlhf dialogues, MT-Bench questions and answers), seeded: an instruction plus a response of real
sentences (about 140 words on average), then 30% planted copies of earlier records, each with one
or two edits (exact copy, case/whitespace/punctuation, typos, inserted or deleted words,
truncation, a boilerplate prefix), some copied from copies so clusters grow past two. Nothing in
any method was tuned on it: the peers' settings are in `_dedup_peers` with the reason for each.

Truth: every pair whose word 5-gram shingle sets have true Jaccard >= 0.7 (an exact all-pairs
prefix filter, then the full intersection), not only the planted pairs. Scored the same way for
every method: pair P/R over the pairs it declares duplicate; record precision = removed records
that truly have a partner, record recall = removals achieved out of "all but one per true cluster".

Each method runs in its own fresh process (`_dedup_peers.run_isolated`): wall time, processor time,
and peak RSS above the loaded corpus. The ratios printed are to the strongest peer of the same run
(the fastest by wall time among the peers that ran).

`make bench` runs 10,000 records; `python -m data_assets_tests.benchmarks.dedup --records 100000`
runs another size and writes to the same benchmarks.json.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import random
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.feather as feather
import scipy.sparse as sp

from data_assets_tests.benchmarks._dedup_peers import PEERS, WARM_RECORDS, Meter, available, components, run_isolated

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
THRESHOLD = 0.7
SIZES = [int(x) for x in os.environ.get("DEDUP_BENCH_SIZES", "10000").split(",")]
BOILERPLATE = [
    "Sure! Here is a detailed answer to your question.",
    "As an AI language model, I am happy to help you with this request.",
    "Great question. Let me explain this step by step so that it is easy to follow.",
    "Certainly, here's what you need to know about this topic:",
]


# ---------------------------------------------------------------- corpus

def _real_texts() -> tuple[list[str], list[str], list[str]]:
    instructions, inputs, responses = [], [], []
    for row in json.loads((SHARED / "alpaca" / "alpaca_data_random5000.json").read_text()):
        instructions.append(row["instruction"])
        inputs.append(row["input"])
        responses.append(row["output"])
    for line in (SHARED / "self_instruct" / "seed_tasks.jsonl").read_text().splitlines():
        row = json.loads(line)
        instructions.append(row["instruction"])
        responses.extend(i["output"] for i in row["instances"])
    for line in (SHARED / "preference" / "hh_rlhf_harmless_base_test.jsonl").read_text().splitlines():
        turns = re.split(r"\n\n(Human|Assistant): ", json.loads(line)["chosen"])
        for speaker, text in zip(turns[1::2], turns[2::2]):
            (instructions if speaker == "Human" else responses).append(text)
    for line in (SHARED / "mt_bench" / "mt_bench_question.jsonl").read_text().splitlines():
        instructions.extend(json.loads(line)["turns"])
    for path in sorted(glob.glob(str(SHARED / "mt_bench" / "model_answer" / "*.jsonl"))):
        for line in Path(path).read_text().splitlines():
            responses.extend(json.loads(line)["choices"][0]["turns"])
    sentences = [s for text in responses for s in re.split(r"(?<=[.!?])\s+|\n+", text) if len(s.split()) >= 3]
    return instructions, [i for i in inputs if i], sentences


def _mutate(text: str, rng: random.Random, kind: str) -> str:
    words = text.split()
    if not words:
        return text
    k = max(1, int(len(words) * rng.uniform(0.01, 0.06)))
    if kind == "case":
        return "  ".join(w.upper() if rng.random() < 0.3 else w for w in words) + " !"
    if kind == "typos":
        for _ in range(k):
            i = rng.randrange(len(words))
            w = words[i]
            j = rng.randrange(len(w))
            words[i] = w[:j] + rng.choice("abcdefghijklmnopqrstuvwxyz") + w[j + 1:]
        return " ".join(words)
    if kind == "insert":
        for _ in range(k):
            words.insert(rng.randrange(len(words) + 1), rng.choice(["very", "really", "also", "indeed", "quite"]))
        return " ".join(words)
    if kind == "delete":
        for _ in range(min(k, len(words) - 1)):
            del words[rng.randrange(len(words))]
        return " ".join(words)
    if kind == "truncate":
        return " ".join(words[: max(1, int(len(words) * rng.uniform(0.6, 0.97)))])
    if kind == "boilerplate":
        return rng.choice(BOILERPLATE) + " " + text
    return text


def build_corpus(n: int, seed: int = 7) -> pd.DataFrame:
    """`n` records: 70% built from real instructions and sentences, 30% edited copies of earlier records."""
    instructions, inputs, sentences = _real_texts()
    rng = random.Random(seed)
    rows: list[tuple[str, str, str]] = []
    n_base = int(n * 0.7)
    for _ in range(n_base):
        target = rng.randint(30, 200)
        parts, count = [], 0
        while count < target:
            sentence = rng.choice(sentences)
            parts.append(sentence)
            count += len(sentence.split())
        rows.append((rng.choice(instructions), rng.choice(inputs) if rng.random() < 0.3 else "", " ".join(parts)))
    kinds = ["exact", "case", "typos", "insert", "delete", "truncate", "boilerplate"]
    while len(rows) < n:
        source = rows[rng.randrange(len(rows))] if rng.random() < 0.2 else rows[rng.randrange(n_base)]
        instruction, input_, response = source
        for kind in rng.sample(kinds, rng.choice([1, 1, 2])):
            if kind == "exact":
                continue
            if kind == "case" and rng.random() < 0.5:
                instruction = _mutate(instruction, rng, "case")
            response = _mutate(response, rng, kind)
        rows.append((instruction, input_, response))
    order = list(range(n))
    rng.shuffle(order)
    return pd.DataFrame({
        "record_id": [f"b{i:07d}" for i in range(n)],
        "instruction": [rows[i][0] for i in order], "input": [rows[i][1] for i in order], "response": [rows[i][2] for i in order],
    })


# ---------------------------------------------------------------- truth

def true_pairs(features, threshold: float) -> pd.DataFrame:
    """Every pair of records with true shingle Jaccard >= threshold (exact all-pairs with a prefix filter)."""
    from data_assets.dedup.minhash import shingle_sets, verified_jaccard

    n = len(features)
    matrix = shingle_sets(features, np.arange(n))
    columns, ids = np.unique(matrix.indices, return_inverse=True)
    frequency = np.bincount(ids)
    # Prefix filter: order each set by global frequency (rarest first); two sets with Jaccard >= t
    # share an element within the first |S| - ceil(t |S|) + 1 of each.
    rank = np.argsort(np.argsort(frequency, kind="stable"), kind="stable")
    rows = np.repeat(np.arange(n), np.diff(matrix.indptr))
    order = np.lexsort((rank[ids], rows))
    sizes = np.diff(matrix.indptr)
    position = np.arange(len(order)) - np.repeat(matrix.indptr[:-1], sizes)
    prefix = sizes - np.ceil(threshold * sizes - 1e-9).astype(np.int64) + 1
    keep = position < np.repeat(prefix, sizes)
    chosen = order[keep]
    prefix_matrix = sp.csr_matrix((np.ones(len(chosen), dtype=np.int32), (rows[chosen], ids[chosen])), shape=(n, len(columns)))
    found = []
    for lo in range(0, n, 5000):
        block = (prefix_matrix[lo: lo + 5000] @ prefix_matrix.T).tocoo()
        mask = block.row + lo < block.col
        found.append(np.stack([block.row[mask].astype(np.int64) + lo, block.col[mask].astype(np.int64)], axis=1))
    candidates = np.concatenate(found) if found else np.zeros((0, 2), dtype=np.int64)
    similarity = verified_jaccard(features, candidates)
    ok = similarity >= threshold
    return pd.DataFrame({"a": candidates[ok, 0], "b": candidates[ok, 1], "similarity": similarity[ok]})


def score(n: int, truth: np.ndarray, predicted_pairs: np.ndarray, removed: np.ndarray) -> dict:
    truth = truth.astype(np.int64)
    predicted_pairs = predicted_pairs.astype(np.int64)
    truth_codes = set((truth[:, 0] * n + truth[:, 1]).tolist())
    predicted = np.sort(predicted_pairs, axis=1) if len(predicted_pairs) else predicted_pairs
    predicted_codes = set((predicted[:, 0] * n + predicted[:, 1]).tolist()) if len(predicted) else set()
    hits = len(truth_codes & predicted_codes)
    pair_p = hits / len(predicted_codes) if predicted_codes else 1.0
    pair_r = hits / len(truth_codes) if truth_codes else 1.0
    has_partner = np.zeros(n, dtype=bool)
    has_partner[truth.ravel()] = True
    label = components(n, truth)
    removed_mask = np.zeros(n, dtype=bool)
    removed_mask[removed] = True
    component_sizes = np.bincount(label)
    removed_per = np.bincount(label, weights=removed_mask, minlength=len(component_sizes))
    expected = (component_sizes - 1).sum()
    achieved = np.minimum(removed_per, component_sizes - 1).sum()
    rec_p = (removed_mask & has_partner).sum() / max(removed_mask.sum(), 1)
    rec_r = achieved / expected if expected else 1.0
    f1 = lambda p, r: 2 * p * r / (p + r) if p + r else 0.0  # noqa: E731
    return {"pair_precision": round(pair_p, 5), "pair_recall": round(pair_r, 5), "pair_f1": round(f1(pair_p, pair_r), 5),
            "record_precision": round(float(rec_p), 5), "record_recall": round(float(rec_r), 5),
            "record_f1": round(float(f1(rec_p, rec_r)), 5), "removed": int(removed_mask.sum()), "expected_removals": int(expected)}


# ---------------------------------------------------------------- this stage (in its own process, like each peer)

def _run_ours(path: str, limit: int, threshold: float = THRESHOLD, clustering: str = "representative") -> dict:
    from data_assets.dedup.clusters import DedupSettings, deduplicate
    from data_assets.dedup.minhash import signatures
    from data_assets.dedup.text import featurize

    table = feather.read_table(path).slice(0, limit)
    records = pd.DataFrame({"record_id": table.column("record_id").to_pylist(), "role": "train", "origin": "human",
                            "status": "pass", "response_chars": pc.utf8_length(table.column("response")).to_pylist()})
    columns = [table.column(c) for c in ("instruction", "input", "response")]
    warm = featurize([c.slice(0, WARM_RECORDS) for c in columns])
    deduplicate(records.iloc[:WARM_RECORDS], warm, signatures(warm), DedupSettings(threshold=threshold))
    meter = Meter()
    meter.start()
    seconds = {}
    t0 = time.perf_counter()
    features = featurize(columns)
    seconds["normalize_hash_shingle"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    sigs = signatures(features)
    seconds["signatures"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    result = deduplicate(records, features, sigs, DedupSettings(threshold=threshold, clustering=clustering))
    seconds["lsh_verify_cluster"] = time.perf_counter() - t2
    measured = meter.stop()
    index = pd.Series(np.arange(len(records)), index=records["record_id"])
    groups = result.groups.assign(row=lambda g: index.loc[g["record_id"]].to_numpy())
    members = groups.groupby("group")["row"].apply(np.array)
    pairs = []
    for rows in members[members.map(len) > 1]:
        a, b = np.triu_indices(len(rows), 1)
        pairs.append(np.stack([rows[a], rows[b]], axis=1))
    for ga, gb in result.near_pairs[["group_a", "group_b"]].itertuples(index=False):
        ra, rb = members[ga], members[gb]
        pairs.append(np.stack(np.meshgrid(ra, rb, indexing="ij"), axis=-1).reshape(-1, 2))
    removed = index.loc[result.decisions.loc[result.decisions["decision"] == "duplicate", "record_id"]].to_numpy()
    kept_for = result.clusters[result.clusters["record_id"] != result.clusters["representative_id"]]
    return {**measured, "phases": {k: round(v, 3) for k, v in seconds.items()}, "stats": result.stats,
            "pairs": np.concatenate(pairs) if pairs else np.zeros((0, 2), dtype=np.int64), "removed": removed,
            "config": f"featurize + signatures (numpy), {clustering} clusters, every candidate verified",
            "candidates": result.stats.get("candidate_pairs")}


def _stage_run(path: str, limit: int) -> dict:
    """The asset's code path on a DuckDB file: a first run, a re-run, and a run with 1% new records."""
    from data_assets.dedup.clusters import DedupSettings
    from data_assets.dedup.stage import run_dedup
    from data_assets.warehouse import WarehouseResource

    table = feather.read_table(path).slice(0, limit)
    frame = table.to_pandas()
    frame = frame.assign(source="bench", source_uri="bench.jsonl", source_row=np.arange(len(frame)), role="train", origin="human",
                         license="cc-by-nc-4.0", status="pass", findings=0, redactions=0, run_id="bench")
    frame["reasons"] = [[] for _ in range(len(frame))]
    with tempfile.TemporaryDirectory() as tmp:
        warehouse = WarehouseResource(path=str(Path(tmp) / "bench.duckdb"))
        new = len(frame) // 100
        with warehouse.connect() as con:
            con.register("f", frame.iloc[: len(frame) - new])
            con.execute("INSERT INTO compliance.documents BY NAME SELECT * FROM f")
        times = {}
        for label in ("first_run", "rerun_unchanged"):
            t0 = time.perf_counter()
            outcome = run_dedup(warehouse, DedupSettings(threshold=THRESHOLD), label)
            times[label] = {"seconds": round(time.perf_counter() - t0, 2), "hashed": outcome.hashed,
                            "phases": {k: round(v, 2) for k, v in outcome.seconds.items()}}
        with warehouse.connect() as con:
            con.register("f", frame.iloc[len(frame) - new:])
            con.execute("INSERT INTO compliance.documents BY NAME SELECT * FROM f")
        t0 = time.perf_counter()
        outcome = run_dedup(warehouse, DedupSettings(threshold=THRESHOLD), "plus_1pct")
        times["plus_1pct_new"] = {"seconds": round(time.perf_counter() - t0, 2), "hashed": outcome.hashed,
                                  "phases": {k: round(v, 2) for k, v in outcome.seconds.items()}}
    return times


# ---------------------------------------------------------------- main

def _row(name: str, n: int, run: dict, quality: dict) -> dict:
    return {"method": name, "records": n, "seconds": round(run["seconds"], 2), "cpu_seconds": round(run["cpu_seconds"], 2),
            "docs_per_s": round(n / max(run["seconds"], 1e-9)), "peak_mb": round(run["peak_mb"], 1), **quality,
            "config": run.get("config", "")}


def run_size(n: int, path: str, corpus: pd.DataFrame, stage_on_duckdb: bool = True) -> dict:
    """Every method on the first `n` records of the corpus at `path`, scored against the truth."""
    from data_assets.dedup.text import featurize

    features = featurize([corpus["instruction"].tolist(), corpus["input"].tolist(), corpus["response"].tolist()])
    truth = true_pairs(features, THRESHOLD)[["a", "b"]].to_numpy()
    print(f"\n{n} records, {float(np.mean(features.n_words)):.0f} words on average, {len(truth)} true pairs at Jaccard >= {THRESHOLD}",
          flush=True)
    runs = {"ours": run_isolated(_run_ours, path, n)}
    skipped = {}
    for name, (module, target) in PEERS.items():
        if not available(module):
            skipped[name] = f"{module} is not importable (pip install -e '.[dev]')"
            continue
        runs[name] = run_isolated(target, path, n, THRESHOLD)
    rows = [_row(name, n, run, score(n, truth, run["pairs"], run["removed"])) for name, run in runs.items()]
    entry: dict = {"records": n, "true_pairs": int(len(truth)), "methods": rows, "skipped_peers": skipped,
                   "ours_phases": runs["ours"]["phases"]}
    peers = [row for row in rows if row["method"] != "ours"]
    if peers:
        strongest = min(peers, key=lambda row: row["seconds"])
        ours = rows[0]
        entry["strongest_peer"] = strongest["method"]
        entry["ratio_to_strongest"] = {
            "wall": round(strongest["seconds"] / max(ours["seconds"], 1e-9), 2),
            "cpu": round(strongest["cpu_seconds"] / max(ours["cpu_seconds"], 1e-9), 2),
            "peak_memory_peer_over_ours": round(strongest["peak_mb"] / max(ours["peak_mb"], 1e-9), 2),
            "record_f1_ours_minus_peer": round(ours["record_f1"] - strongest["record_f1"], 5),
            "pair_f1_ours_minus_peer": round(ours["pair_f1"] - strongest["pair_f1"], 5)}
    if stage_on_duckdb:
        entry["stage_on_duckdb"] = run_isolated(_stage_run, path, n)
    return entry


def _print(entry: dict) -> None:
    frame = pd.DataFrame(entry["methods"])
    columns = ["method", "records", "seconds", "cpu_seconds", "docs_per_s", "peak_mb", "pair_precision", "pair_recall",
               "record_precision", "record_recall", "removed", "expected_removals"]
    with pd.option_context("display.width", 250, "display.max_columns", 30):
        print(frame[columns].to_string(index=False))
    for row in entry["methods"]:
        print(f"  {row['method']}: {row['config']}")
    for name, why in entry["skipped_peers"].items():
        print(f"  {name}: skipped, {why}")
    if "strongest_peer" in entry:
        r = entry["ratio_to_strongest"]
        print(f"  strongest peer (fastest): {entry['strongest_peer']}; ours is x{r['wall']} faster in wall time, x{r['cpu']} in "
              f"processor time, peer/ours peak memory x{r['peak_memory_peer_over_ours']}; record F1 ours - peer "
              f"{r['record_f1_ours_minus_peer']:+.5f}, pair F1 {r['pair_f1_ours_minus_peer']:+.5f}")
    if "stage_on_duckdb" in entry:
        print(f"  stage on DuckDB: {entry['stage_on_duckdb']}")


def main(sizes: list[int] | None = None, stage_on_duckdb: bool = True) -> dict:
    if not SHARED.is_dir():
        print(f"shared datasets not found at {SHARED}: benchmark skipped")
        return {"skipped": True}
    # The runner replaces this benchmark's whole entry in benchmarks.json, so the sizes not run now
    # (the 10k of `make bench` after a `--records 100000` run, or the other way round) are carried
    # over, each with the time it was measured.
    results: dict = {"threshold": THRESHOLD, "sizes": _earlier_sizes()}
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes or SIZES:
            corpus = build_corpus(n)
            path = str(Path(tmp) / f"corpus_{n}.arrow")
            feather.write_feather(pa.Table.from_pandas(corpus, preserve_index=False), path)
            entry = run_size(n, path, corpus, stage_on_duckdb)
            entry["measured_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            _print(entry)
            results["sizes"][str(n)] = entry
    return results


def _earlier_sizes() -> dict:
    """The sizes of the last dedup entry in benchmarks.json measured at the same threshold."""
    from data_assets import settings

    path = settings.reports_dir() / "benchmarks.json"
    try:
        earlier = json.loads(path.read_text()).get("dedup") or {}
    except (OSError, ValueError):
        return {}
    if earlier.get("threshold") != THRESHOLD:
        return {}
    return dict(earlier.get("sizes") or {})


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, action="append", help="corpus size (repeatable); default 10000")
    args = parser.parse_args()
    if args.records:
        # The runner imports this file again as a module, which reads its sizes from here.
        os.environ["DEDUP_BENCH_SIZES"] = ",".join(map(str, args.records))
    from data_assets_tests.benchmarks.__main__ import main as run_benchmarks

    sys.exit(run_benchmarks(["dedup"]))
