"""The novelty filter: ROUGE-L against every earlier instruction, inverted index vs all pairs.

Self-Instruct's filter scores each new instruction against every instruction kept before it.
The corpus here is the first N Alpaca instructions from ../shared/data, added one at a time
(each checked against everything before it, as the loop does); the index and the brute-force
loop run in the same process on the same texts, and must agree on every maximum.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

from data_assets.synth.rouge import RougeIndex

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


def main() -> dict:
    if not ALPACA.is_file():
        print(f"skipped: {ALPACA} not found")
        return {"skipped": True}
    instructions = [r["instruction"] for r in json.loads(ALPACA.read_text())]
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
    return results


if __name__ == "__main__":
    main()
