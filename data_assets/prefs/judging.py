"""Judging every pair in both orders, and turning the two verdicts into one.

A pair is shown to the judge twice: order `ab` shows response_a first, order `ba` shows
response_b first. Each judgment's winner is stored as the judge saw it (`A`, `B`, `tie` by
position) and mapped back to the pair's sides (`preferred`: `a`, `b`, `tie`). The pair's
verdict is the preferred side when both orders agree (`tie` when both say tie) and
`inconsistent` when they disagree, one tie and one win included: such a pair says more about the
judge's position bias than about the responses, so it is kept but never exported. A pair with an
order that has no valid judgment (failed, or left unsent by the spend cap) is `unjudged`.
"""

from __future__ import annotations

import pandas as pd

from data_assets.llm.types import LLMRequest, LLMResult
from data_assets.prefs.candidates import Pair
from data_assets.prefs.rubric import CRITERIA, RUBRIC_VERSION, PairwiseJudgment, judge_request

ORDERS = ("ab", "ba")
RATIONALE_CHARS = 2_000
JUDGMENT_COLUMNS = [
    "pair_id", "order", "winner", "preferred",
    *[f"{c}_{side}" for side in ("a", "b") for c in CRITERIA],
    "rationale", "judge_model", "rubric_version", "provider", "status", "error", "request_hash", "cached",
]
PAIR_COLUMNS = [
    "pair_id", "source", "prompt_id", "prompt", "reference", "response_a_id", "response_b_id", "verdict",
    "chosen_id", "rejected_id", "len_a", "len_b", "same_model_family", "human_label", "judge_model", "rubric_version",
]


def judge_requests(pairs: list[Pair], max_tokens: int = 1024) -> list[tuple[str, str, LLMRequest]]:
    """(pair_id, order, request) for every pair in both orders, `ab` then `ba` per pair."""
    out = []
    for pair in pairs:
        a, b = pair.response_a.text, pair.response_b.text
        out.append((pair.pair_id, "ab", judge_request(pair.prompt, a, b, pair.reference, max_tokens)))
        out.append((pair.pair_id, "ba", judge_request(pair.prompt, b, a, pair.reference, max_tokens)))
    return out


def judgment_rows(requests: list[tuple[str, str, LLMRequest]], results: list[LLMResult]) -> pd.DataFrame:
    """One row per judge call, with positional scores mapped back to the pair's sides."""
    if len(requests) != len(results):
        raise ValueError(f"expected {len(requests)} judge results, got {len(results)}")
    rows = []
    for (pair_id, order, _), result in zip(requests, results):
        row = {"pair_id": pair_id, "order": order, "judge_model": result.model, "rubric_version": RUBRIC_VERSION,
               "provider": result.provider, "status": result.status, "error": result.error,
               "request_hash": result.request_hash, "cached": bool(result.cached),
               "winner": None, "preferred": None, "rationale": None}
        verdict = result.output if result.ok else None
        if isinstance(verdict, PairwiseJudgment):
            first, second = ("a", "b") if order == "ab" else ("b", "a")
            row["winner"] = verdict.winner
            row["preferred"] = {"A": first, "B": second, "tie": "tie"}[verdict.winner]
            row["rationale"] = verdict.rationale[:RATIONALE_CHARS]
            for side, scores in ((first, verdict.scores_a), (second, verdict.scores_b)):
                for criterion in CRITERIA:
                    row[f"{criterion}_{side}"] = getattr(scores, criterion)
        elif result.ok:
            row["status"] = "failed"
            row["error"] = "judge reply has no structured verdict"
        rows.append(row)
    frame = pd.DataFrame(rows, columns=JUDGMENT_COLUMNS)
    for column in JUDGMENT_COLUMNS:
        if column.endswith(("_a", "_b")):
            frame[column] = frame[column].astype("Int64")
    return frame


def combine(first: str | None, second: str | None) -> str:
    """The pair verdict from the preferred sides of its `ab` and `ba` judgments."""
    if first is None or second is None or pd.isna(first) or pd.isna(second):
        return "unjudged"
    return first if first == second else "inconsistent"


def pair_rows(pairs: list[Pair], judgments: pd.DataFrame, judge_model: str) -> pd.DataFrame:
    preferred = {(p, o): v for p, o, v in judgments[["pair_id", "order", "preferred"]].itertuples(index=False)}
    rows = []
    for pair in pairs:
        verdict = combine(preferred.get((pair.pair_id, "ab")), preferred.get((pair.pair_id, "ba")))
        a, b = pair.response_a, pair.response_b
        chosen, rejected = {"a": (a, b), "b": (b, a)}.get(verdict, (None, None))
        generators = {r.model for r in (a, b) if r.origin == "generated" and r.model}
        rows.append({
            "pair_id": pair.pair_id, "source": pair.source, "prompt_id": pair.prompt_id, "prompt": pair.prompt,
            "reference": pair.reference, "response_a_id": a.response_id, "response_b_id": b.response_id,
            "verdict": verdict, "chosen_id": chosen.response_id if chosen else None,
            "rejected_id": rejected.response_id if rejected else None,
            "len_a": len(a.text), "len_b": len(b.text),
            "same_model_family": any(vendor_family(g) == vendor_family(judge_model) for g in generators),
            "human_label": pair.human_label, "judge_model": judge_model, "rubric_version": RUBRIC_VERSION,
        })
    return pd.DataFrame(rows, columns=PAIR_COLUMNS)


def vendor_family(model: str | None) -> str:
    """`claude-sonnet-4-5-20250929` -> `claude`, `openai/gpt-4o` -> `gpt`: the vendor's family. A judge tends to prefer text of its own family,
    and every Claude model counts as one family for that purpose."""
    if not model:
        return ""
    name = model.lower().rsplit("/", 1)[-1]
    return name.split("-", 1)[0].split(".", 1)[0]


def judge_model_of(judgments: pd.DataFrame, fallback: str) -> str:
    """The model that judged this run: the most common among its successful judgments."""
    ok = judgments.loc[judgments["status"] == "ok", "judge_model"].dropna()
    return str(ok.mode().iloc[0]) if len(ok) else fallback
