"""Measuring the judge, every run: position consistency, position and length bias, human agreement.

- consistency: share of pairs judged in both orders whose two verdicts agree (both `tie` counts
  as agreeing). A judge free of position bias scores 1.
- first-position win rate: among decisive judgments (not `tie`), the share won by the response
  shown first. Unbiased is 0.5; a judge that always picks A scores 1.
- longer-response win rate: among pairs with a consistent winner and responses of different
  length, the share where the longer one won. Far above 0.5 means verbosity is being rewarded
  (or that the longer responses really are better: read it beside the degradations).
- human agreement, on human-labeled pairs: excluding ties, the share of pairs with a winner
  (`a` or `b`) where it is the side people chose; including ties, the same over every judged
  human pair, where `tie` and `inconsistent` count as not agreeing (people never said tie).
- degraded-loses rate: on pairs whose B is a degradation of A, the share the judge gave to A:
  a sanity check that the judge notices truncation and dropped steps.
Rates are None when their denominator is empty, never a made-up 0.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

BIAS_COLUMNS = [
    "pairs", "pairs_judged", "consistent_pairs", "consistency_rate", "tie_rate", "inconsistent_rate",
    "first_position_win_rate", "longer_response_win_rate", "human_pairs", "human_agreement_excluding_ties",
    "human_agreement_including_ties", "degraded_pairs", "degraded_loses_rate",
]


def _rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def bias_metrics(pairs: pd.DataFrame, judgments: pd.DataFrame, degraded_pair_ids: set[str] | None = None) -> dict[str, Any]:
    judged = pairs[pairs["verdict"] != "unjudged"]
    consistent = judged[judged["verdict"].isin(["a", "b", "tie"])]
    decisive_calls = judgments[(judgments["status"] == "ok") & judgments["winner"].isin(["A", "B"])]
    won = judged[judged["verdict"].isin(["a", "b"]) & (judged["len_a"] != judged["len_b"])]
    longer_won = ((won["verdict"] == "a") == (won["len_a"] > won["len_b"])).sum()
    human = judged[judged["source"] == "human"]
    human_decisive = human[human["verdict"].isin(["a", "b"])]
    human_agree = int((human_decisive["verdict"] == human_decisive["human_label"]).sum())
    degraded = judged[judged["pair_id"].isin(degraded_pair_ids or set())]
    return {
        "pairs": int(len(pairs)),
        "pairs_judged": int(len(judged)),
        "consistent_pairs": int(len(consistent)),
        "consistency_rate": _rate(len(consistent), len(judged)),
        "tie_rate": _rate(int((judged["verdict"] == "tie").sum()), len(judged)),
        "inconsistent_rate": _rate(int((judged["verdict"] == "inconsistent").sum()), len(judged)),
        "first_position_win_rate": _rate(int((decisive_calls["winner"] == "A").sum()), len(decisive_calls)),
        "longer_response_win_rate": _rate(int(longer_won), len(won)),
        "human_pairs": int(len(human)),
        "human_agreement_excluding_ties": _rate(human_agree, len(human_decisive)),
        "human_agreement_including_ties": _rate(human_agree, len(human)),
        "degraded_pairs": int(len(degraded)),
        "degraded_loses_rate": _rate(int((degraded["verdict"] == "a").sum()), len(degraded)),
    }


def bias_by_source(pairs: pd.DataFrame, judgments: pd.DataFrame) -> pd.DataFrame:
    """The headline rates per pair source (sft, human), for the asset's metadata table."""
    rows = []
    for source, group in pairs.groupby("source"):
        metrics = bias_metrics(group, judgments[judgments["pair_id"].isin(group["pair_id"])])
        rows.append({"source": source, **{k: _fmt(metrics[k]) for k in (
            "pairs", "pairs_judged", "consistency_rate", "tie_rate", "first_position_win_rate", "longer_response_win_rate")}})
    return pd.DataFrame(rows)


def _fmt(value: Any) -> Any:
    return f"{value:.3f}" if isinstance(value, float) else ("n/a" if value is None else value)
