"""The conversation stage: compliance on every turn, exact dedup of whole conversations, and
decontamination of the opening request against the eval set.

Compliance reuses `compliance.scan.scan_documents` unchanged: each turn is a text field named
`turn_<i>`, so one policy run sees the whole conversation (a name redacted in turn 1 is redacted
in turn 3 too) and every finding keeps its turn index. Dedup keys are the normalized text of every
turn with its role (`dedup.text.normalize_text`, the normalization of the dedup stage); the first
of a group (by record id) is kept. A conversation whose first user turn equals an eval prompt
(instruction, or instruction + input, after the same normalization) is contamination: it is the
eval question asked in a chat, whatever follows.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from data_assets.compliance.policy import CompliancePolicy
from data_assets.compliance.scan import PASSTHROUGH, scan_documents
from data_assets.conversations.turns import first_user_turn, parse
from data_assets.dedup.text import normalize_text
from data_assets.prefs.rubric import prompt_text

STAGE = "conversations"
DOCUMENT_COLUMNS = [*PASSTHROUGH, "messages", "turns", "feedback", "status", "reasons", "duplicate_of", "findings", "run_id"]
FINDING_COLUMNS = ["record_id", "turn", "role", "start", "end", "entity_type", "detector", "score", "action"]


@dataclass
class ConversationResult:
    documents: pd.DataFrame
    findings: pd.DataFrame
    edges: list[tuple[str, str, str, str]]
    status: Counter = field(default_factory=Counter)
    findings_by_type: Counter = field(default_factory=Counter)


def turn_field(index: int) -> str:
    return f"turn_{index}"


def conversation_key(turns: list[dict[str, str]]) -> str:
    return hashlib.sha256(json.dumps([[t["role"], normalize_text(t["content"])] for t in turns]).encode()).hexdigest()


def eval_prompts(evals: pd.DataFrame) -> set[str]:
    """Normalized eval prompts: the instruction alone and joined with its input, as a chat user would paste either."""
    keys = set()
    for instruction, input_text in zip(evals["instruction"], evals["input"]):
        keys.add(normalize_text(instruction))
        keys.add(normalize_text(prompt_text(instruction, input_text or "")))
    keys.discard("")
    return keys


def run_stage(raw: pd.DataFrame, evals: pd.DataFrame, policy: CompliancePolicy, run_id: str) -> ConversationResult:
    """Every raw conversation once, with status pass | redacted | dropped | duplicate | contaminated
    (checked in that order: a conversation compliance drops is not also a duplicate)."""
    parsed = [parse(m) for m in raw["messages"]]
    width = max((len(t) for t in parsed), default=0)
    fields = tuple(turn_field(i) for i in range(width))
    frame = raw[list(PASSTHROUGH)].copy()
    for i, name in enumerate(fields):
        frame[name] = [t[i]["content"] if i < len(t) else "" for t in parsed]
    scanned = scan_documents(frame, policy, run_id, text_fields=fields)
    edges = list(scanned.edges)
    roles = {(rid, i): t["role"] for rid, turns in zip(raw["record_id"], parsed) for i, t in enumerate(turns)}
    findings = scanned.findings.assign(turn=[int(f.split("_")[1]) for f in scanned.findings["field"]])
    findings["role"] = [roles[(r, t)] for r, t in zip(findings["record_id"], findings["turn"])]
    contaminating = eval_prompts(evals)
    first_of: dict[str, str] = {}
    documents = []
    status = Counter()
    for row, turns, feedback in zip(scanned.documents.to_dict("records"), parsed, raw["feedback"]):
        redacted = [{"role": t["role"], "content": row[turn_field(i)]} for i, t in enumerate(turns)]
        state, reasons, duplicate_of = row["status"], list(row["reasons"]), None
        if state != "dropped":
            key = conversation_key(redacted)
            opening = normalize_text(first_user_turn(turns))
            if key in first_of:
                state, duplicate_of = "duplicate", first_of[key]
                reasons.append(f"exact duplicate of {duplicate_of}")
                edges.append((row["record_id"], duplicate_of, "duplicate_of", "normalized turns identical"))
            elif opening in contaminating:
                state = "contaminated"
                reasons.append("first user turn is an eval prompt")
                edges.append((row["record_id"], row["record_id"], "drop", "contamination: first user turn is an eval prompt"))
            else:
                first_of[key] = row["record_id"]
        status[state] += 1
        documents.append({**{c: row[c] for c in PASSTHROUGH}, "messages": json.dumps(redacted, ensure_ascii=False),
                          "turns": len(turns), "feedback": feedback, "status": state, "reasons": reasons,
                          "duplicate_of": duplicate_of, "findings": row["findings"], "run_id": run_id})
    return ConversationResult(
        documents=pd.DataFrame(documents, columns=DOCUMENT_COLUMNS),
        findings=findings[FINDING_COLUMNS],
        edges=edges,
        status=status,
        findings_by_type=scanned.findings_by_type,
    )


def profile(documents: pd.DataFrame) -> tuple[dict[str, float], pd.DataFrame]:
    """Turns per conversation (min, median, mean, max) and characters per turn by role."""
    turns = documents["turns"] if len(documents) else pd.Series([], dtype=int)
    summary = {"conversations": int(len(documents)), "turns": int(turns.sum()),
               "turns_min": int(turns.min()) if len(turns) else 0, "turns_median": float(turns.median()) if len(turns) else 0.0,
               "turns_mean": round(float(turns.mean()), 2) if len(turns) else 0.0, "turns_max": int(turns.max()) if len(turns) else 0}
    lengths = [(t["role"], len(t["content"])) for m in documents["messages"] for t in parse(m)]
    frame = pd.DataFrame(lengths, columns=["role", "chars"])
    by_role = (frame.groupby("role")["chars"].agg(["count", "median", "mean", "max"]).round(1).reset_index()
               if len(frame) else pd.DataFrame(columns=["role", "count", "median", "mean", "max"]))
    return summary, by_role
