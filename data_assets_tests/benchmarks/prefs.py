"""How good is the offline judge? Human agreement on hh-rlhf harmless-base, beside naive baselines
measured in the same run: the only independent figure here.

Two more figures are self-consistency checks and are printed as such, never as judge accuracy:
its position consistency (it scores each response on its own, so 1.0 by construction) and how
often it prefers an answer to a degradation of it (its heuristics were written to catch exactly
these degradations).

    .venv/bin/python -m data_assets_tests.benchmarks prefs
"""

from __future__ import annotations

import json
import statistics
import time
from collections import Counter
from pathlib import Path

from data_assets.ingest.records import split_shared_prefix
from data_assets.prefs import heuristic
from data_assets.prefs.degrade import degrade
from data_assets.prefs.rubric import prompt_text

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
HH_RLHF = SHARED / "preference" / "hh_rlhf_harmless_base_test.jsonl"
ALPACA = SHARED / "alpaca" / "alpaca_data_random5000.json"


def _agreement(decisions: list[str]) -> dict:
    """`decisions`: per pair, `chosen`, `rejected` or `tie` as picked by a judge."""
    counts = Counter(decisions)
    decided = counts["chosen"] + counts["rejected"]
    return {
        "pairs": len(decisions),
        "ties": counts["tie"],
        "agreement_excluding_ties": counts["chosen"] / decided if decided else None,
        "agreement_including_ties": counts["chosen"] / len(decisions) if decisions else None,
    }


def _by_length(a: str, b: str, prefer_longer: bool) -> str:
    if len(a) == len(b):
        return "tie"
    return "chosen" if (len(a) > len(b)) == prefer_longer else "rejected"


def human_agreement() -> dict:
    rows = [json.loads(line) for line in HH_RLHF.read_text(encoding="utf-8").splitlines() if line.strip()]
    judge: list[str] = []
    risky: list[str] = []
    benign: list[str] = []
    consistent = 0
    durations = []
    shorter, longer = [], []
    for row in rows:
        prompt, chosen, rejected = split_shared_prefix(row["chosen"], row["rejected"])
        started = time.perf_counter()
        ab = heuristic.judge(prompt, chosen, rejected).winner
        ba = heuristic.judge(prompt, rejected, chosen).winner
        durations.append(time.perf_counter() - started)
        consistent += {"A": "B", "B": "A", "tie": "tie"}[ab] == ba
        decision = {"A": "chosen", "B": "rejected", "tie": "tie"}[ab]
        judge.append(decision)
        (risky if heuristic.is_risky(prompt) else benign).append(decision)
        shorter.append(_by_length(chosen, rejected, prefer_longer=False))
        longer.append(_by_length(chosen, rejected, prefer_longer=True))
    return {
        "offline_judge": _agreement(judge),
        "offline_judge_on_requests_it_flags_risky": _agreement(risky),
        "offline_judge_on_other_requests": _agreement(benign),
        "baseline_shorter_wins": _agreement(shorter),
        "baseline_longer_wins": _agreement(longer),
        "self_consistency_position_consistency": consistent / len(rows),
        "median_ms_per_pair_both_orders": 1000 * statistics.median(durations),
    }


def degradation_self_consistency(limit: int = 2000) -> dict:
    """Self-consistency check: the heuristics target these very degradations, so a high rate is expected."""
    records = json.loads(ALPACA.read_text(encoding="utf-8"))[:limit]
    by_method: dict[str, Counter] = {}
    longer_baseline = Counter()
    for index, record in enumerate(records):
        worse = degrade(f"alpaca_{index}", record["instruction"], record["output"])
        if worse is None:
            continue
        prompt = prompt_text(record["instruction"], record.get("input", ""))
        winner = heuristic.judge(prompt, record["output"], worse.text).winner
        by_method.setdefault(worse.method, Counter())[winner] += 1
        longer_baseline[len(record["output"]) > len(worse.text)] += 1
    out = {}
    for method, counts in sorted(by_method.items()):
        total = sum(counts.values())
        out[method] = {"pairs": total, "original_wins": counts["A"] / total, "ties": counts["tie"] / total,
                       "degraded_wins": counts["B"] / total}
    out["all"] = {"pairs": sum(sum(c.values()) for c in by_method.values()),
                  "original_wins": sum(c["A"] for c in by_method.values()) / max(1, sum(sum(c.values()) for c in by_method.values()))}
    out["baseline_longer_wins_original_share"] = longer_baseline[True] / max(1, sum(longer_baseline.values()))
    return out


def main() -> dict:
    if not HH_RLHF.is_file() or not ALPACA.is_file():
        print(f"shared datasets not found under {SHARED}; nothing measured")
        return {"skipped": "shared data absent"}
    human = human_agreement()
    print("\nOffline judge vs human labels, hh-rlhf harmless-base test (2,312 pairs)")
    print(f"{'judge':<42} {'pairs':>6} {'ties':>5} {'agree excl. ties':>17} {'agree incl. ties':>17}")
    for name in ("offline_judge", "offline_judge_on_requests_it_flags_risky", "offline_judge_on_other_requests",
                 "baseline_shorter_wins", "baseline_longer_wins"):
        row = human[name]
        print(f"{name:<42} {row['pairs']:>6} {row['ties']:>5} {row['agreement_excluding_ties']:>17.3f} "
              f"{row['agreement_including_ties']:>17.3f}")
    print(f"median {human['median_ms_per_pair_both_orders']:.2f} ms per pair (both orders)")
    print(f"self-consistency check (not judge accuracy): position consistency "
          f"{human['self_consistency_position_consistency']:.3f}, by construction (each response is scored on its own)")

    detection = degradation_self_consistency()
    print("\nSelf-consistency check, not judge accuracy: the offline judge against degradations of Alpaca answers "
          "(first 2,000 records),\nwhich its heuristics were written to catch. Does the original win?")
    print(f"{'degradation':<22} {'pairs':>6} {'original wins':>14} {'ties':>6} {'degraded wins':>14}")
    for method, row in detection.items():
        if isinstance(row, dict) and "ties" in row:
            print(f"{method:<22} {row['pairs']:>6} {row['original_wins']:>14.3f} {row['ties']:>6.3f} {row['degraded_wins']:>14.3f}")
    print(f"all: {detection['all']['original_wins']:.3f} of {detection['all']['pairs']} pairs; "
          f"baseline 'longer wins' picks the original {detection['baseline_longer_wins_original_share']:.3f}")
    return {"human_agreement": human, "self_consistency_degradations": detection}
