"""The novelty filter, and what the synth stage's verification is worth.

Novelty filter: ROUGE-L against every earlier instruction, inverted index vs all pairs.

Self-Instruct's filter scores each new instruction against every instruction kept before it.
The corpus here is the first N Alpaca instructions from ../shared/data, added one at a time
(each checked against everything before it, as the loop does); the index and the brute-force
loop run in the same process on the same texts, and must agree on every maximum.

Verification: the offline provider writes its tasks with the families of `synth/families.py`
and the same families recompute them, so its pass rate is a self-consistency check (printed as
such, never as verification accuracy). The independent look is the families' recomputation on
Alpaca, whose answers our code did not write: how many tasks it recognizes, and how many of those
answers it accepts.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

from data_assets.synth.families import verify_by_computation
from data_assets.synth.offline import generate
from data_assets.synth.prompts import generation_request
from data_assets.synth.rouge import RougeIndex
from data_assets.text.taxonomy import DOMAINS, TASK_TYPES

ALPACA = Path(__file__).resolve().parents[3] / "shared" / "data" / "alpaca" / "alpaca_data_random5000.json"


def _run(texts: list[str], brute: bool) -> tuple[float, list[float], int]:
    index = RougeIndex()
    started = time.perf_counter()
    scores = []
    for i, text in enumerate(texts):
        match = index.best_brute_force(text) if brute else index.best(text)
        scores.append(match.score if match else 0.0)
        index.add(f"a{i}", text)
    return time.perf_counter() - started, scores, index.exact_computations


def offline_self_consistency(requests: int = 200) -> dict:
    """Offline batches recomputed by the families that wrote them: agreement of the code with itself."""
    passed = total = 0
    for index in range(requests):
        target = {"domain": DOMAINS[index % len(DOMAINS)], "task_type": TASK_TYPES[index % len(TASK_TYPES)],
                  "length": ("short", "medium", "long")[index % 3]}
        request = generation_request([{"instruction": f"Example task {index}.", "response": "An answer."}], target, 5,
                                     TASK_TYPES, DOMAINS)
        for task in generate(request).tasks:
            verdict = verify_by_computation(task.instruction, task.input, task.response)
            total += 1
            passed += bool(verdict and verdict[0])
    return {"tasks": total, "pass_rate": passed / total if total else None}


def recomputation_on_alpaca(records: list[dict]) -> dict:
    """The families' recomputation on answers written elsewhere: recognized share and acceptance."""
    recognized = accepted = 0
    for record in records:
        verdict = verify_by_computation(record["instruction"], record.get("input", ""), record["output"])
        if verdict is not None:
            recognized += 1
            accepted += verdict[0]
    return {"records": len(records), "recognized": recognized, "accepted": accepted,
            "accepted_share_of_recognized": accepted / recognized if recognized else None}


def main() -> dict:
    if not ALPACA.is_file():
        print(f"skipped: {ALPACA} not found")
        return {"skipped": True}
    records = json.loads(ALPACA.read_text())
    instructions = [r["instruction"] for r in records]
    results = {}
    print(f"{'n':>6} {'index s':>9} {'brute s':>9} {'speedup':>8} {'exact LCS (index)':>18} {'pairs':>10} {'agree':>6} {'>0.7':>5}")
    for n in (500, 1000, 2000):
        texts = instructions[:n]
        index_times, brute_times = [], []
        for _ in range(3):
            t_index, fast, exact = _run(texts, brute=False)
            index_times.append(t_index)
        t_brute, slow, _ = _run(texts, brute=True)
        brute_times.append(t_brute)
        agree = all(abs(a - b) < 1e-9 for a, b in zip(fast, slow))
        over = sum(1 for s in fast if s > 0.7)
        pairs = n * (n - 1) // 2
        median_index = statistics.median(index_times)
        speedup = t_brute / median_index
        print(f"{n:>6} {median_index:>9.3f} {t_brute:>9.3f} {speedup:>7.1f}x {exact:>18} {pairs:>10} {str(agree):>6} {over:>5}")
        results[n] = {"index_s_median": round(median_index, 4), "brute_s": round(t_brute, 4), "speedup": round(speedup, 1),
                      "exact_lcs_index": exact, "pairs": pairs, "agree": agree, "rejected_over_0.7": over}

    circular = offline_self_consistency()
    print(f"\nSelf-consistency check, not verification: {circular['tasks']} offline tasks recomputed by the families "
          f"that wrote them pass {circular['pass_rate']:.3f} (the code agreeing with itself)")
    alpaca = recomputation_on_alpaca(records)
    share = alpaca["accepted_share_of_recognized"]
    print(f"Independent look: the families recognize {alpaca['recognized']} of {alpaca['records']} Alpaca tasks and accept "
          f"{alpaca['accepted']} of those answers ({share:.3f})" if share is not None else
          f"Independent look: the families recognize none of the {alpaca['records']} Alpaca tasks")
    return {"novelty_filter": results, "self_consistency_offline": circular, "recomputation_on_alpaca": alpaca}


if __name__ == "__main__":
    main()
