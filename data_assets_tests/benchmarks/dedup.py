"""Dedup speed and quality: the stage's bulk path against the plain per-record datasketch loop.

Corpus: records built from the real texts in ../shared/data (Alpaca 5k, Self-Instruct seeds,
hh-rlhf dialogues, MT-Bench questions and answers): an instruction plus a response of real
sentences (about 140 words on average), then 30% planted copies of earlier records, each with one
or two edits (exact copy, case/whitespace/punctuation, typos, inserted or deleted words,
truncation, a boilerplate prefix), some copied from copies so clusters grow past two.

Truth: the true Jaccard of every pair's word 5-gram shingle sets, found exactly (an all-pairs
prefix filter, then the full intersection), not only the planted pairs. Quality is measured
against the pairs at or above the threshold:
- pair level: which of those pairs a method reports (ours: verified pairs, expanded over exact groups;
  the plain loop: what `MinHashLSH.query` returns);
- record level: precision = removed records that truly have a partner; recall = removals achieved
  out of "all but one per true cluster".

Each method runs in a fresh process, and peak memory is that process's peak RSS above its RSS once
the corpus is loaded (/proc VmHWM, reset after loading).
"""

from __future__ import annotations

import glob
import json
import multiprocessing as mp
import os
import random
import re
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather
import scipy.sparse as sp

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
THRESHOLD = 0.7
SIZES = tuple(int(x) for x in os.environ.get("DEDUP_BENCH_SIZES", "10000,100000").split(","))
# The plain loop needs about 2 ms per record here (about 3.5 minutes for 100,000). Set this lower to
# run it on the first N records only; its time for the whole corpus is then extrapolated (labelled).
BASELINE_MAX = int(os.environ.get("DEDUP_BENCH_BASELINE_MAX", "100000"))
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


def _components(n: int, pairs: np.ndarray) -> np.ndarray:
    graph = sp.coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n)) if len(pairs) else sp.coo_matrix((n, n))
    return sp.csgraph.connected_components(graph, directed=False)[1]


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
    label = _components(n, truth)
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


# ---------------------------------------------------------------- methods (each in its own process)

def _reset_peak() -> int:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass
    return _status_kb("VmRSS")


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _run_ours(path: str, limit: int, clustering: str = "representative") -> dict:
    from data_assets.dedup.clusters import DedupSettings, deduplicate
    from data_assets.dedup.minhash import signatures
    from data_assets.dedup.text import featurize

    table = feather.read_table(path).slice(0, limit)
    records = pd.DataFrame({"record_id": table.column("record_id").to_pylist(), "role": "train", "origin": "human",
                            "status": "pass", "response_chars": pc_lengths(table)})
    # Warm-up on a few records: lazy imports and one-time tables are not per-corpus memory.
    warm = featurize([table.column(c).slice(0, 50) for c in ("instruction", "input", "response")])
    deduplicate(records.iloc[:50], warm, signatures(warm), DedupSettings(threshold=THRESHOLD))
    start_kb = _reset_peak()
    seconds = {}
    t0 = time.perf_counter()
    features = featurize([table.column("instruction"), table.column("input"), table.column("response")])
    seconds["normalize_hash_shingle"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    sigs = signatures(features)
    seconds["signatures"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    result = deduplicate(records, features, sigs, DedupSettings(threshold=THRESHOLD, clustering=clustering))
    seconds["lsh_verify_cluster"] = time.perf_counter() - t2
    total = time.perf_counter() - t0
    peak_kb = _status_kb("VmHWM")
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
    members = result.clusters[result.clusters["record_id"] != result.clusters["representative_id"]]
    # Chaining's cost: removed records whose true Jaccard to the record kept for them is under the threshold.
    below = members[members["similarity"] < THRESHOLD]
    return {"seconds": total, "phases": seconds, "peak_mb": (peak_kb - start_kb) / 1024, "stats": result.stats,
            "pairs": np.concatenate(pairs) if pairs else np.zeros((0, 2), dtype=np.int64), "removed": removed,
            "removed_below_threshold": len(below), "lowest_similarity_removed": round(float(members["similarity"].min()), 3) if len(members) else None}


def pc_lengths(table: pa.Table) -> list[int]:
    import pyarrow.compute as pc

    return pc.utf8_length(table.column("response")).to_pylist()


def _run_plain(path: str, limit: int) -> dict:
    from datasketch import MinHash, MinHashLSH

    from data_assets.dedup.text import shingle_windows, words

    table = feather.read_table(path).slice(0, limit)
    texts = [f"{i}\n{x}\n{r}" for i, x, r in zip(table.column("instruction").to_pylist(), table.column("input").to_pylist(),
                                               table.column("response").to_pylist())]
    del table
    warm_lsh = MinHashLSH(threshold=THRESHOLD, num_perm=128)
    for i, text in enumerate(texts[:50]):
        m = MinHash(num_perm=128)
        m.update_batch([" ".join(w).encode("utf-8") for w in shingle_windows(words(text))] or [b""])
        warm_lsh.insert(i, m)
        warm_lsh.query(m)
    del warm_lsh
    start_kb = _reset_peak()
    t0 = time.perf_counter()
    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=128)
    minhashes = []
    for i, text in enumerate(texts):
        m = MinHash(num_perm=128)
        for shingle in {" ".join(w) for w in shingle_windows(words(text))}:
            m.update(shingle.encode("utf-8"))
        lsh.insert(i, m)
        minhashes.append(m)
    pairs = []
    for i, m in enumerate(minhashes):
        pairs.extend((i, j) for j in lsh.query(m) if j != i)
    seconds = time.perf_counter() - t0
    peak_kb = _status_kb("VmHWM")
    pairs_array = np.array(pairs, dtype=np.int64).reshape(-1, 2)
    label = _components(len(texts), pairs_array)
    first = pd.Series(np.arange(len(texts))).groupby(label).transform("min").to_numpy()
    removed = np.flatnonzero(first != np.arange(len(texts)))
    return {"seconds": seconds, "peak_mb": (peak_kb - start_kb) / 1024, "bands_rows": (lsh.b, lsh.r),
            "pairs": pairs_array, "removed": removed}


def _in_process(target, *args) -> dict:
    with mp.get_context("spawn").Pool(1) as pool:
        return pool.apply(target, args)


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

def _row(name: str, n: int, run: dict, quality: dict, note: str = "") -> dict:
    return {"method": name, "records": n, "seconds": round(run["seconds"], 2), "docs_per_s": round(n / run["seconds"]),
            "peak_mb": round(run["peak_mb"], 1), **quality, "removed_below_threshold": run.get("removed_below_threshold"),
            "note": note}


def main() -> dict:
    if not SHARED.is_dir():
        print(f"shared datasets not found at {SHARED}: benchmark skipped")
        return {"skipped": True}
    from data_assets.dedup.text import featurize

    results: dict = {"threshold": THRESHOLD, "sizes": {}}
    table_rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in SIZES:
            corpus = build_corpus(n)
            path = str(Path(tmp) / f"corpus_{n}.arrow")
            feather.write_feather(pa.Table.from_pandas(corpus, preserve_index=False), path)
            t0 = time.perf_counter()
            features = featurize([corpus["instruction"].tolist(), corpus["input"].tolist(), corpus["response"].tolist()])
            from_python = time.perf_counter() - t0
            truth = true_pairs(features, THRESHOLD)
            truth_pairs = truth[["a", "b"]].to_numpy()
            mean_words = float(np.mean(features.n_words))
            print(f"\n{n} records, {mean_words:.0f} words on average, {len(truth)} true pairs at Jaccard >= {THRESHOLD}", flush=True)

            ours = _in_process(_run_ours, path, n)
            ours_q = score(n, truth_pairs, ours["pairs"], ours["removed"])
            entry = {"mean_words": round(mean_words, 1), "true_pairs": len(truth), "ours": {k: v for k, v in ours.items() if k not in ("pairs", "removed")},
                     "ours_quality": ours_q, "featurize_from_python_lists_s": round(from_python, 2)}
            table_rows.append(_row("ours (bulk + verify, representative clusters)", n, ours, ours_q))
            # Record recall counts "all but one per connected component" as the goal, which only
            # transitive clustering can reach; representative clustering gives up the chained removals.
            transitive = _in_process(_run_ours, path, n, "transitive")
            transitive_q = score(n, truth_pairs, transitive["pairs"], transitive["removed"])
            table_rows.append(_row("ours (bulk + verify, transitive clusters)", n, transitive, transitive_q))
            entry["ours_transitive"] = {"seconds": transitive["seconds"], "quality": transitive_q,
                                        "removed_below_threshold": transitive["removed_below_threshold"],
                                        "lowest_similarity_removed": transitive["lowest_similarity_removed"]}

            limit = min(n, BASELINE_MAX)
            plain = _in_process(_run_plain, path, limit)
            sub_truth = truth_pairs[(truth_pairs < limit).all(axis=1)]
            plain_q = score(limit, sub_truth, plain["pairs"], plain["removed"])
            note = "" if limit == n else f"first {limit} records; {n} extrapolated"
            if limit < n:
                ours_sub = _in_process(_run_ours, path, limit)
                ours_sub_q = score(limit, sub_truth, ours_sub["pairs"], ours_sub["removed"])
                table_rows.append(_row("ours (bulk + verify)", limit, ours_sub, ours_sub_q, "same subsample as the plain loop"))
                entry["ours_subsample"] = {"records": limit, "seconds": ours_sub["seconds"], "peak_mb": ours_sub["peak_mb"], "quality": ours_sub_q}
            table_rows.append(_row(f"plain datasketch loop (b={plain['bands_rows'][0]}, r={plain['bands_rows'][1]})", limit, plain, plain_q, note))
            plain_seconds_full = plain["seconds"] * n / limit
            entry["plain"] = {"records": limit, "seconds": plain["seconds"], "peak_mb": plain["peak_mb"], "quality": plain_q,
                              "bands_rows": plain["bands_rows"], "seconds_for_all_records": plain_seconds_full,
                              "extrapolated": limit < n}
            entry["speedup"] = round(plain_seconds_full / ours["seconds"], 1)
            same_size_peak = entry["ours_subsample"]["peak_mb"] if limit < n else ours["peak_mb"]
            entry["memory_ratio_plain_over_ours"] = round(plain["peak_mb"] / max(same_size_peak, 1e-6), 2)
            entry["stage_on_duckdb"] = _in_process(_stage_run, path, n)
            results["sizes"][n] = entry
            print(f"  ours: {ours['seconds']:.2f}s phases {({k: round(v, 2) for k, v in ours['phases'].items()})}; "
                  f"plain loop{' (extrapolated)' if limit < n else ''}: {plain_seconds_full:.1f}s; speedup x{entry['speedup']}", flush=True)
            print(f"  stage on DuckDB: {entry['stage_on_duckdb']}", flush=True)

    frame = pd.DataFrame(table_rows)
    with pd.option_context("display.width", 250, "display.max_columns", 30):
        print()
        print(frame.to_string(index=False))
    for n, entry in results["sizes"].items():
        print(f"{n}: speedup x{entry['speedup']} (plain seconds{' extrapolated' if entry['plain']['extrapolated'] else ''} / ours), "
              f"peak memory plain/ours x{entry['memory_ratio_plain_over_ours']}"
              f"{' (both on the ' + str(entry['plain']['records']) + '-record subsample)' if entry['plain']['extrapolated'] else ''}")
    results["table"] = table_rows
    return results


if __name__ == "__main__":
    main()
