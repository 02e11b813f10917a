"""The DPO export: which preference pairs train a model, in TRL's format, each saying who judged it.

Which pairs go in (`DpoSettings`), and every other pair is counted under its reason:
- Human-labeled pairs (preference sources, compliance-scanned like every text of prefs.*) are in
  by default, chosen and rejected as people labeled them, with `judge_provider = human`. The AI
  judge's verdict on them is kept beside the label (`verdict_both_orders`), so disagreements show.
- Pairs judged by a model are in when the judge gave the same winner in both orders.
- Pairs decided only by the offline heuristic judge stay out unless asked for: its heuristics
  reward length and target the very degradations it is paired against, so its "preferences"
  would teach a model that longer is better. Included on request, they say `judge_provider = offline`.
- Ties, pairs whose two orders disagree, and pairs missing a judgment never go in.

Columns (`dpo_schema`), the same in dpo.jsonl and dpo.parquet: `id`, `prompt`, `chosen`,
`rejected`, `chosen_origin` and `rejected_origin` (existing, generated, degraded:<how>, human),
`chosen_model` and `rejected_model` (for generated text), `source` (the prompt's source),
`judge_provider` (human, human_feedback for pairs from user feedback on logged conversations, anthropic, offline), `judge_model`, `verdict_both_orders` (the judge's
verdict over both orders, relative to this row: chosen, rejected, tie, inconsistent, unjudged) and
`human_label` (`chosen` where people labeled the pair).

Two prompt formats, both of which TRL's `DPOTrainer` reads without cutting into the prompt:
- `conversational` (default): `prompt` is a list of messages (an optional system turn, then the
  dialogue's turns), `chosen`/`rejected` one assistant message each; TRL applies the model's chat
  template, whose generation prompt ends where the answer starts.
- `standard`: plain text in Anthropic's HH layout, `prompt` ending in `\n\nAssistant:` and each
  completion starting with one space, so the tokenized prompt ends on a token boundary and is a
  prefix of prompt + completion.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from data_assets.conversations.feedback import FEEDBACK_PREFIX, HUMAN_FEEDBACK
from data_assets.export.files import MESSAGES, write_export
from data_assets.llm.pricing import OFFLINE_PROVIDER
from data_assets.warehouse.sql import read_sql

PROMPT_FORMATS = ("conversational", "standard")
HUMAN_JUDGE = "human"
PROVENANCE_COLUMNS = [
    "chosen_origin", "rejected_origin", "chosen_model", "rejected_model", "source", "judge_provider", "judge_model",
    "verdict_both_orders", "human_label",
]
ASSISTANT_TURN = "\n\nAssistant:"
_TURN = re.compile(r"\n\n(Human|Assistant):")


def dpo_schema(prompt_format: str) -> pa.Schema:
    text = MESSAGES if prompt_format == "conversational" else pa.string()
    return pa.schema([("id", pa.string()), ("prompt", text), ("chosen", text), ("rejected", text),
                      *[(name, pa.string()) for name in PROVENANCE_COLUMNS]])


@dataclass(frozen=True)
class DpoSettings:
    include_human_pairs: bool = True
    include_offline_judged_pairs: bool = False
    prompt_format: str = "conversational"
    system_prompt: str = ""


@dataclass
class DpoExport:
    frame: pd.DataFrame          # the exported rows, dpo_schema's columns
    left_out: Counter            # reason -> pairs


def candidate_pairs(con: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, int]:
    """Every judged pair with its responses and judges, and how many human preference records
    have no pair at all (outside the preference_pairs sample)."""
    return con.execute(read_sql("reports/dpo_export_rows")).df(), con.execute(read_sql("reports/dpo_unsampled_preferences")).fetchone()[0]


def dpo_frame(pairs: pd.DataFrame, settings: DpoSettings, unsampled_human: int = 0) -> DpoExport:
    """The rows of dpo.jsonl, and every pair left out counted by its reason."""
    if settings.prompt_format not in PROMPT_FORMATS:
        raise ValueError(f"prompt_format {settings.prompt_format!r} is not one of {', '.join(PROMPT_FORMATS)}")
    left_out: Counter = Counter()
    if unsampled_human:
        left_out["human preference record not in prefs.pairs (outside preference_pairs' human_sample_size sample)"] += unsampled_human
    rows = []
    for pair in pairs.itertuples(index=False):
        decision = _decide(pair, settings)
        if isinstance(decision, str):
            left_out[decision] += 1
            continue
        chosen, judge_provider, judge_model = decision
        rejected = "b" if chosen == "a" else "a"
        rows.append({
            "id": pair.pair_id,
            **_texts(pair, chosen, rejected, settings),
            "chosen_origin": _origin(pair, chosen), "rejected_origin": _origin(pair, rejected),
            "chosen_model": _field(pair, "model", chosen), "rejected_model": _field(pair, "model", rejected),
            "source": _none_if_missing(pair.prompt_source),
            "judge_provider": judge_provider, "judge_model": judge_model,
            "verdict_both_orders": _relative_verdict(pair.verdict, chosen),
            "human_label": "chosen" if judge_provider in (HUMAN_JUDGE, HUMAN_FEEDBACK) else None,
        })
    frame = pd.DataFrame(rows, columns=dpo_schema(settings.prompt_format).names)
    return DpoExport(frame=frame, left_out=left_out)


def write_dpo(frame: pd.DataFrame, directory: Path, prompt_format: str = "conversational") -> dict[str, Path]:
    return write_export(frame, dpo_schema(prompt_format), directory, "dpo")


def _decide(pair, settings: DpoSettings) -> tuple[str, str, str | None] | str:
    """(chosen side, judge provider, judge model) for an exported pair, else why it is left out."""
    if pair.pair_source == "human":
        if not settings.include_human_pairs:
            return "human-labeled pair, include_human_pairs is off"
        if pair.human_label not in ("a", "b"):
            return "human pair without a label"
        # Pairs made from user feedback on logged conversations (raw.conversations) say so.
        judge = HUMAN_FEEDBACK if str(pair.prompt_id).startswith(FEEDBACK_PREFIX) else HUMAN_JUDGE
        return pair.human_label, judge, None
    if pair.verdict not in ("a", "b"):
        return {"tie": "judge verdict: tie in both orders",
                "inconsistent": "judge verdict: the two orders disagree",
                "unjudged": "judge verdict: an order has no valid judgment"}.get(pair.verdict, f"judge verdict: {pair.verdict}")
    providers = [] if _none_if_missing(pair.judge_providers) is None else [str(p) for p in pair.judge_providers]
    if providers == [OFFLINE_PROVIDER] and not settings.include_offline_judged_pairs:
        return "decided only by the offline heuristic judge (include_offline_judged_pairs is off)"
    provider = providers[0] if len(providers) == 1 else "+".join(providers) or "unknown"
    return pair.verdict, provider, pair.judge_model


def _texts(pair, chosen: str, rejected: str, settings: DpoSettings) -> dict:
    chosen_text, rejected_text = _field(pair, "text", chosen), _field(pair, "text", rejected)
    if settings.prompt_format == "conversational":
        system = [{"role": "system", "content": settings.system_prompt}] if settings.system_prompt else []
        return {"prompt": system + dialogue_turns(pair.prompt),
                "chosen": [{"role": "assistant", "content": chosen_text.strip()}],
                "rejected": [{"role": "assistant", "content": rejected_text.strip()}]}
    # The HH prompt opens with its own blank line, which separates the system paragraph from the dialogue.
    return {"prompt": settings.system_prompt.strip() + standard_prompt(pair.prompt), "chosen": " " + chosen_text.strip(),
            "rejected": " " + rejected_text.strip()}


def dialogue_turns(prompt: str) -> list[dict[str, str]]:
    """An HH-style dialogue (`\\n\\nHuman: …\\n\\nAssistant: …`) as chat messages, without the empty
    assistant turn it ends on; any other prompt is one user message."""
    parts = _TURN.split(prompt)
    if len(parts) == 1:
        return [{"role": "user", "content": prompt.strip()}]
    turns = [{"role": "user", "content": parts[0].strip()}] if parts[0].strip() else []
    for speaker, content in zip(parts[1::2], parts[2::2]):
        role = "user" if speaker == "Human" else "assistant"
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"] += "\n\n" + content.strip()
        else:
            turns.append({"role": role, "content": content.strip()})
    if turns and turns[-1]["role"] == "assistant" and not turns[-1]["content"]:
        turns.pop()
    return turns


def standard_prompt(prompt: str) -> str:
    """The prompt as HH text ending in `\\n\\nAssistant:`; a dialogue already in that layout is kept."""
    text = prompt.rstrip()
    if text.endswith(ASSISTANT_TURN.strip()) and "Human:" in text:
        return text if text.startswith("\n\n") else "\n\n" + text.lstrip()
    return f"\n\nHuman: {prompt.strip()}{ASSISTANT_TURN}"


def _field(pair, name: str, side: str):
    return _none_if_missing(getattr(pair, f"{name}_{side}"))


def _origin(pair, side: str) -> str:
    origin = _field(pair, "origin", side)
    return f"degraded:{_field(pair, 'method', side)}" if origin == "degraded" else origin


def _relative_verdict(verdict: str, chosen: str) -> str:
    if verdict in ("a", "b"):
        return "chosen" if verdict == chosen else "rejected"
    return verdict


def _none_if_missing(value):
    """None for SQL NULL however pandas shows it (None, NaN, NA); lists and arrays pass through."""
    if value is None or isinstance(value, (str, list)) or hasattr(value, "__len__"):
        return value
    return None if pd.isna(value) else value
