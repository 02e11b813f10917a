"""The conversation stage: compliance on every turn, exact dedup of whole conversations, and
decontamination of the opening request against the eval set.

Compliance reuses `compliance.scan.scan_documents` unchanged: each turn is a text field named
`turn_<i>`, so one policy run sees the whole conversation (a name redacted in turn 1 is redacted
in turn 3 too) and every finding keeps its turn index. Dedup keys are the normalized text of every
turn with its role (`dedup.text.normalize_text`, the normalization of the dedup stage); the first
of a group (by record id) is kept. Decontamination is the dedup stage's `EvalIndex` (exact, prompt,
MinHash and 13-word n-gram rules, its settings), asked twice per conversation: with the first user
turn as the prompt and the first answer as the response (an opening request that is an eval prompt
is contamination, whatever follows), and with all user turns and all answers (an eval item pasted
later in the chat).
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
from data_assets.dedup.contamination import RULE_RANK, EvalIndex, contamination_edges, contamination_rows, rejection_detail
from data_assets.dedup.text import normalize_text

STAGE = "conversations"
DOCUMENT_COLUMNS = [*PASSTHROUGH, "messages", "turns", "feedback", "status", "reasons", "duplicate_of", "findings", "run_id"]
FINDING_COLUMNS = ["record_id", "turn", "role", "start", "end", "entity_type", "detector", "score", "action"]


@dataclass
class ConversationResult:
    documents: pd.DataFrame
    findings: pd.DataFrame
    edges: list[tuple[str, str, str, str]]
    contamination: pd.DataFrame = field(default_factory=pd.DataFrame)   # dedup.contamination rows of this stage
    status: Counter = field(default_factory=Counter)
    findings_by_type: Counter = field(default_factory=Counter)


def turn_field(index: int) -> str:
    return f"turn_{index}"


def conversation_key(turns: list[dict[str, str]]) -> str:
    return hashlib.sha256(json.dumps([[t["role"], normalize_text(t["content"])] for t in turns]).encode()).hexdigest()


def contamination_matches(turns_by_id: dict[str, list[dict[str, str]]], index: EvalIndex | None) -> pd.DataFrame:
    """The strongest eval match of each conversation that has one, with the `part` that matched
    (first_user_turn or conversation)."""
    if index is None or not len(index) or not turns_by_id:
        return pd.DataFrame(columns=["record_id", "part"])
    def view(pick) -> pd.DataFrame:
        rows = [(rid, *pick(turns)) for rid, turns in turns_by_id.items()]
        return pd.DataFrame(rows, columns=["record_id", "instruction", "response"]).assign(input="")
    def said(turns, role):
        return [t["content"] for t in turns if t["role"] == role]
    opening = view(lambda turns: (first_user_turn(turns), (said(turns, "assistant") or [""])[0]))
    whole = view(lambda turns: ("\n\n".join(said(turns, "user")), "\n\n".join(said(turns, "assistant"))))
    found = pd.concat([index.match_records(opening).assign(part="first_user_turn"),
                       index.match_records(whole).assign(part="conversation")], ignore_index=True)
    if found.empty:
        return found
    found["_rank"] = found["method"].map(RULE_RANK)
    return found.sort_values(["record_id", "_rank", "part"]).drop_duplicates("record_id").drop(columns="_rank").reset_index(drop=True)


def run_stage(raw: pd.DataFrame, eval_index: EvalIndex | None, policy: CompliancePolicy, run_id: str) -> ConversationResult:
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
    first_of: dict[str, str] = {}
    outcomes = []
    for row, turns in zip(scanned.documents.to_dict("records"), parsed):
        redacted = [{"role": t["role"], "content": row[turn_field(i)]} for i, t in enumerate(turns)]
        state, duplicate_of = row["status"], None
        if state != "dropped":
            key = conversation_key(redacted)
            if key in first_of:
                state, duplicate_of = "duplicate", first_of[key]
                edges.append((row["record_id"], duplicate_of, "duplicate_of", "normalized turns identical"))
            else:
                first_of[key] = row["record_id"]
        outcomes.append((row, turns, redacted, state, duplicate_of))
    # The raw turns are matched, as the dedup stage matches raw (compliance) text of its records.
    candidates = {row["record_id"]: turns for row, turns, _, state, _ in outcomes if state in ("pass", "redacted")}
    matches = contamination_matches(candidates, eval_index)
    by_id = {m["record_id"]: m for m in matches.to_dict("records")}
    contamination = contamination_rows(matches, STAGE, "conversation", matches["part"])
    edges += contamination_edges(contamination)
    documents = []
    status = Counter()
    for (row, turns, redacted, state, duplicate_of), feedback in zip(outcomes, raw["feedback"]):
        reasons = list(row["reasons"])
        if duplicate_of:
            reasons.append(f"exact duplicate of {duplicate_of}")
        elif row["record_id"] in by_id:
            match = by_id[row["record_id"]]
            state = "contaminated"
            reasons.append(f"{match['part']} {rejection_detail(match)}")
        status[state] += 1
        documents.append({**{c: row[c] for c in PASSTHROUGH}, "messages": json.dumps(redacted, ensure_ascii=False),
                          "turns": len(turns), "feedback": feedback, "status": state, "reasons": reasons,
                          "duplicate_of": duplicate_of, "findings": row["findings"], "run_id": run_id})
    return ConversationResult(
        documents=pd.DataFrame(documents, columns=DOCUMENT_COLUMNS),
        findings=findings[FINDING_COLUMNS],
        edges=edges,
        contamination=contamination,
        status=status,
        findings_by_type=scanned.findings_by_type,
    )


def profile(documents: pd.DataFrame) -> tuple[dict[str, float], pd.DataFrame]:
    """Turns per conversation (min, median, mean, max) and characters per turn by role."""
    turns = documents["turns"]
    summary = {"conversations": int(len(documents)), "turns": int(turns.sum()),
               "turns_min": 0, "turns_median": 0.0, "turns_mean": 0.0, "turns_max": 0}
    if len(turns):
        summary.update(turns_min=int(turns.min()), turns_median=float(turns.median()),
                       turns_mean=round(float(turns.mean()), 2), turns_max=int(turns.max()))
    lengths = [(t["role"], len(t["content"])) for m in documents["messages"] for t in parse(m)]
    frame = pd.DataFrame(lengths, columns=["role", "chars"])
    by_role = (frame.groupby("role")["chars"].agg(["count", "median", "mean", "max"]).round(1).reset_index()
               if len(frame) else pd.DataFrame(columns=["role", "count", "median", "mean", "max"]))
    return summary, by_role


PROFILE_DATASET = "conversations"


def snapshot_rows(summary: dict[str, float], by_role: pd.DataFrame) -> pd.DataFrame:
    """The profile as profile.snapshots rows (field, statistic, value, label): the turn counts as
    dataset-wide (`*`) statistics, characters per turn with the role as the field, so a run's
    conversations can be compared with earlier runs like the record profiles."""
    rows = [("*", name, float(value), None) for name, value in summary.items()]
    for role in by_role.to_dict("records"):
        rows += [(role["role"], f"chars_{stat}" if stat != "count" else "turns", float(role[stat]), None)
                 for stat in ("count", "median", "mean", "max")]
    return pd.DataFrame(rows, columns=["field", "statistic", "value", "label"])
