"""Carry out an augmentation plan: rewrite, then hold every new record to the rules.

A new record must keep its parent's redaction placeholders (same ones, same counts), pass the
compliance re-scan, differ from its parent in the fields its method rewrites (noise excepted: a
typo'd copy is the point), not overlap an eval record (the dedup stage's decontamination rules),
and not nearly duplicate another augmented record. Whatever fails is kept in `augment.rejected`
with the reason, as is every request the model declined or failed.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from data_assets.augment.noise import NOISE_VERSION, add_noise, placeholders
from data_assets.augment.plan import MODEL_METHODS, PlannedAugmentation
from data_assets.augment.prompts import FIELDS_BY_METHOD, PROMPT_VERSION, augmentation_request
from data_assets.dedup.contamination import REASON as CONTAMINATION_REASON
from data_assets.dedup.contamination import rejection_detail
from data_assets.llm.types import LLMRequest, LLMResult

RunRequests = Callable[[list[LLMRequest]], list[LLMResult]]
Scan = Callable[[dict[str, str]], Any]
# `dedup.contamination.EvalIndex.match_records`: records (record_id + text fields) -> one row per overlapping record.
Decontaminate = Callable[[pd.DataFrame], pd.DataFrame]
TEXT_FIELDS = ("instruction", "input", "response")
RULES_PROVIDER = "rules"


@dataclass
class AugmentOutcome:
    documents: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    skipped_by_method: Counter = field(default_factory=Counter)   # declined or not sent: the method did not run


def augmented_id(parent_id: str, method: str, language: str) -> str:
    key = f"{parent_id}\x1f{method}\x1f{language if method == 'translate' else ''}"
    return "a_" + hashlib.sha256(key.encode()).hexdigest()[:20]


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def field_similarity(child: dict[str, str], parent: dict[str, str], fields: tuple[str, ...]) -> float:
    """Word-set Jaccard over the fields a method rewrites: how much of a copy the rewrite is."""
    a = set().union(*(_words(child[f]) for f in fields))
    b = set().union(*(_words(parent[f]) for f in fields))
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def run_plan(curated: pd.DataFrame, plan: list[PlannedAugmentation], language: str, run: RunRequests,
             near_duplicate_index: Callable[[], Any], scan: Scan | None, copy_threshold: float = 0.8,
             decontaminate: Decontaminate | None = None) -> AugmentOutcome:
    """`near_duplicate_index()` returns an empty `dedup.NearDuplicateIndex` (or anything with its
    `.add(key, text)` and `.query(text) -> [(key, similarity), ...]`). A record `decontaminate`
    matches is rejected as `contaminates_eval`, its match kept under the row's `contamination` key."""
    parents = {r["record_id"]: r for r in curated.to_dict("records")}
    model_items = [p for p in plan if p.method in MODEL_METHODS]
    requests = [augmentation_request(p.method, parents[p.parent_id], language) for p in model_items]
    results = dict(zip(((p.parent_id, p.method) for p in model_items), run(requests) if requests else []))
    outcome = AugmentOutcome()
    passed: list[tuple[dict[str, Any], dict[str, str], float, str | None]] = []

    for item in plan:
        parent = parents[item.parent_id]
        record_id = augmented_id(item.parent_id, item.method, language)
        base = {
            "record_id": record_id, "parent_id": item.parent_id, "method": item.method, "gap": item.gap,
            "language": language if item.method == "translate" else None,
        }
        if item.method == "noise":
            child = {f: parent[f] for f in TEXT_FIELDS}
            child["instruction"] = add_noise(parent["instruction"], seed=item.parent_id)
            base.update(provider=RULES_PROVIDER, model=NOISE_VERSION, prompt_version=NOISE_VERSION, request_hash=None)
        else:
            result = results[(item.parent_id, item.method)]
            base.update(provider=result.provider, model=result.model, prompt_version=PROMPT_VERSION, request_hash=result.request_hash)
            if not result.ok or result.output is None:
                reason = {"declined": "declined", "skipped": "not_sent"}.get(result.status, "failed_request")
                if result.status in ("declined", "skipped"):
                    outcome.skipped_by_method[item.method] += 1
                outcome.rejected.append({**base, **{f: "" for f in TEXT_FIELDS}, "reason": reason,
                                         "detail": (result.error or "")[:500], "raw_reply": (result.text or "")[:2000]})
                continue
            child = {f: parent[f] for f in TEXT_FIELDS}
            for name, value in result.output.model_dump().items():
                child[name] = value.strip()

        def reject(reason: str, detail: str) -> None:
            outcome.rejected.append({**base, **child, "reason": reason, "detail": detail, "raw_reply": None})

        changed = FIELDS_BY_METHOD[item.method]
        if any(not child[f].strip() for f in changed if parent[f].strip()):
            reject("empty_output", f"a rewritten field is empty ({', '.join(changed)})")
            continue
        lost = {f: (Counter(placeholders(parent[f])), Counter(placeholders(child[f]))) for f in TEXT_FIELDS}
        lost = {f: pair for f, pair in lost.items() if pair[0] != pair[1]}
        if lost:
            reject("placeholder_changed", "; ".join(f"{f}: {dict(a)} -> {dict(b)}" for f, (a, b) in lost.items())[:500])
            continue
        similarity = field_similarity(child, parent, changed)
        if item.method != "noise" and similarity >= copy_threshold:
            reject("near_copy_of_parent", f"word Jaccard {similarity:.3f} with the parent on {', '.join(changed)}")
            continue
        pii_reasons = None
        if scan is not None:
            scanned = scan({f: child[f] for f in TEXT_FIELDS})
            if scanned.status == "dropped":
                reject("pii", "; ".join(scanned.reasons)[:500])
                continue
            if scanned.status == "redacted":
                child.update({f: scanned.fields[f] for f in TEXT_FIELDS})
                pii_reasons = "; ".join(scanned.reasons)[:500]
        passed.append((base, child, similarity, pii_reasons))

    # Eval overlap is a property of each text alone, so every candidate is matched in one batch.
    matches: dict[str, dict] = {}
    if decontaminate is not None and passed:
        batch = pd.DataFrame([{"record_id": base["record_id"], **child} for base, child, _, _ in passed])
        matches = {m["record_id"]: m for m in decontaminate(batch).to_dict("records")}
    seen = near_duplicate_index()
    for base, child, similarity, pii_reasons in passed:
        record_id = base["record_id"]
        parent = parents[base["parent_id"]]
        if record_id in matches:
            outcome.rejected.append({**base, **child, "reason": CONTAMINATION_REASON, "raw_reply": None,
                                     "detail": rejection_detail(matches[record_id]), "contamination": matches[record_id]})
            continue
        text = "\n".join(child[f] for f in TEXT_FIELDS)
        hits = [key for key, _ in seen.query(text) if key != record_id]
        if hits:
            outcome.rejected.append({**base, **child, "reason": "near_duplicate_of_augmented",
                                     "detail": f"near-duplicate of {hits[0]}", "raw_reply": None})
            continue
        seen.add(record_id, text)
        outcome.documents.append({
            **base, **child, "parent_similarity": round(similarity, 4), "pii_reasons": pii_reasons,
            "source": parent.get("source"), "license": parent.get("license"), "parent_origin": parent.get("origin"),
        })
    return outcome
