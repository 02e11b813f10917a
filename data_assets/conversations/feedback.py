"""User feedback on a logged conversation as human preference pairs (the data flywheel).

The last assistant turn is the answer the feedback is about. A source maps the columns:
- `edited`: the user's correction of that answer -> edited answer (chosen) > original (rejected);
- `regenerated`: the answer the user threw away with "regenerate"; the logged last answer is the
  one they kept -> kept (chosen) > regenerated-away (rejected);
- `feedback`: thumbs up/down. A thumbs-down answer loses to an alternative a user judged: a
  thumbs-up answer to the same dialogue (same system prompt and turns before the answer, by the
  dedup stage's text normalization) in the same source -> thumbs-up (chosen) > thumbs-down
  (rejected). It also loses to its own edit as above. One with no alternative at all makes no pair
  here (nothing to prefer it to), is counted, and stays out of the SFT export.

The pairs go to raw.preferences beside the labeled preference sources, so compliance, dedup and
the DPO export treat them like every other human pair; their ids start with `FEEDBACK_PREFIX`, which
the DPO export reads as `judge_provider = human_feedback`. The prompt is the dialogue before the
answer in HH layout (`\\n\\nHuman: …\\n\\nAssistant:`), which the export turns back into messages.
"""

from __future__ import annotations

import hashlib
from collections import Counter

import pandas as pd

from data_assets.conversations.turns import parse
from data_assets.dedup.text import normalize_text

FEEDBACK_PREFIX = "f_"
HUMAN_FEEDBACK = "human_feedback"
PAIR_KINDS = ("edited", "regenerated", "thumbs")


def pair_id(conversation_id: str, kind: str) -> str:
    return FEEDBACK_PREFIX + hashlib.sha256(f"{conversation_id}\x1f{kind}".encode()).hexdigest()[:20]


def hh_prompt(turns: list[dict[str, str]]) -> str:
    """The user/assistant turns as HH text ending on the open assistant turn (system and tool turns
    have no HH speaker; the system prompt is left out, as the DPO export adds its own)."""
    speakers = {"user": "Human", "assistant": "Assistant"}
    return "".join(f"\n\n{speakers[t['role']]}: {t['content']}" for t in turns if t["role"] in speakers) + "\n\nAssistant:"


FEEDBACK_STAGE = "feedback"


def dialogue_key(source: str, turns: list[dict[str, str]]) -> tuple:
    """What two logged answers must share to be answers to the same request."""
    return (source, tuple((t["role"], normalize_text(t["content"])) for t in turns))


def feedback_pairs(conversations: pd.DataFrame, columns: list[str]) -> tuple[pd.DataFrame, Counter, list[tuple[str, str, str, str]]]:
    """raw.preferences rows for the feedback of `conversations` (raw.conversations rows), counts
    by outcome (pairs by kind, thumbs-down answers with no alternative), and the lineage edges of
    each pair (-> its conversation, and -> the thumbs-up conversation it was judged against)."""
    rows, counts, edges = [], Counter(), []
    parsed = [parse(m) for m in conversations["messages"]]
    # The first thumbs-up answer (by record id, the frame's order) to each dialogue.
    liked: dict[tuple, tuple[str, str]] = {}
    for row, turns in zip(conversations.itertuples(index=False), parsed):
        if row.feedback == "up":
            liked.setdefault(dialogue_key(row.source, turns[:-1]), (row.record_id, turns[-1]["content"]))

    def add(row, turns: list[dict[str, str]], kind: str, chosen: str, rejected: str, detail: str, also: str | None = None) -> None:
        rows.append({"record_id": pair_id(row.record_id, kind), "source": row.source, "source_uri": row.source_uri,
                     "source_row": row.source_row, "role": "preference", "origin": "human", "license": row.license,
                     "prompt": hh_prompt(turns[:-1]), "chosen": chosen, "rejected": rejected, "ingested_at": row.ingested_at})
        counts[f"pairs from {kind} answers"] += 1
        edges.append((rows[-1]["record_id"], row.record_id, f"feedback:{kind}", detail))
        if also:
            edges.append((rows[-1]["record_id"], also, f"feedback:{kind}", "the thumbs-up alternative"))

    for row, turns in zip(conversations.itertuples(index=False), parsed):
        answer = turns[-1]["content"]
        made = len(rows)
        for kind, chosen, rejected in (("edited", row.edited, answer), ("regenerated", answer, row.regenerated)):
            other = row.edited if kind == "edited" else row.regenerated
            if other.strip() and other.strip() != answer.strip():
                add(row, turns, kind, chosen, rejected, f"{kind} answer > " + ("original" if kind == "edited" else "regenerated-away"))
        if row.feedback == "down":
            alternative = liked.get(dialogue_key(row.source, turns[:-1]))
            if alternative and normalize_text(alternative[1]) != normalize_text(answer):
                add(row, turns, "thumbs", alternative[1], answer, "thumbs-up answer > thumbs-down answer", also=alternative[0])
            if len(rows) == made:
                counts["thumbs-down answers with no alternative (no pair, left out of SFT)"] += 1
    return pd.DataFrame(rows, columns=columns), counts, edges
