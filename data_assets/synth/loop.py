"""The Self-Instruct loop: sample examples, ask for a batch steered to a coverage gap, filter, repeat.

Everything in the loop is a function of its inputs and its settings: the random source is seeded,
examples and targets are drawn in a fixed order, and each round's requests go out together and
are read back in order. Re-running with the same inputs therefore builds the same requests, which
the LLM layer answers from `llm.calls` without a single new call.
"""

from __future__ import annotations

import hashlib
import logging
import random
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from data_assets.dedup.contamination import REASON as CONTAMINATION_REASON
from data_assets.dedup.contamination import rejection_detail
from data_assets.llm.types import LLMRequest, LLMResult
from data_assets.synth.families import verify_by_computation
from data_assets.synth.filters import FilterLimits, check_task
from data_assets.synth.prompts import GeneratedBatch, JudgeVerdict, generation_request, verification_request
from data_assets.synth.rouge import RougeIndex
from data_assets.text.taxonomy import DOMAINS, LENGTHS, TASK_TYPES, detect_domain, detect_task_type, length_bucket

RunRequests = Callable[[list[LLMRequest]], list[LLMResult]]
NearDuplicate = Callable[[str], "str | None"]
Scan = Callable[[dict[str, str]], Any]   # compliance.scan_and_redact: .status, .fields, .reasons
# `dedup.contamination.EvalIndex.match_records`: records (record_id + text fields) -> one row per overlapping record.
Decontaminate = Callable[[pd.DataFrame], pd.DataFrame]

# Task types a generator is steered toward: "other" is a residue, not a kind of task to ask for.
TARGET_TASK_TYPES = tuple(t for t in TASK_TYPES if t != "other")


@dataclass(frozen=True)
class LoopSettings:
    target_pairs: int = 60
    batch_size: int = 5
    requests_per_round: int = 4
    max_generation_requests: int = 80
    max_spend_usd: float = 5.0
    max_stalled_rounds: int = 4
    seed_examples: int = 3
    generated_examples: int = 2
    seed: int = 0
    limits: FilterLimits = field(default_factory=FilterLimits)


@dataclass
class LoopOutcome:
    pairs: list[dict[str, Any]]
    rejected: list[dict[str, Any]]
    stop_reason: str
    requests: int
    rounds: int
    generation_cost_usd: float
    failed_requests: int


def pair_id(instruction: str, input_text: str, response: str) -> str:
    digest = hashlib.sha256("\x1f".join([instruction, input_text, response]).encode("utf-8", "surrogatepass"))
    return f"s_{digest.hexdigest()[:20]}"


def _reject_id(request_hash: str, position: int) -> str:
    return "sx_" + hashlib.sha256(f"{request_hash}\x1f{position}".encode()).hexdigest()[:20]


class Coverage:
    """Counts per (dimension, bucket) over the curated set plus the pairs kept so far."""

    DIMENSIONS = {"domain": DOMAINS, "task_type": TARGET_TASK_TYPES, "length": LENGTHS}

    def __init__(self, curated: pd.DataFrame) -> None:
        self.counts: dict[str, Counter[str]] = {d: Counter() for d in self.DIMENSIONS}
        for instruction, input_text, response in zip(curated.get("instruction", []), curated.get("input", []), curated.get("response", [])):
            self.add(detect_domain(f"{instruction}\n{input_text}"), detect_task_type(instruction, input_text), length_bucket(response))

    def add(self, domain: str, task_type: str, length: str) -> None:
        for dimension, bucket in (("domain", domain), ("task_type", task_type), ("length", length)):
            self.counts[dimension][bucket] += 1

    def target(self, rng: random.Random) -> dict[str, str]:
        """A (domain, task type, length) drawn with weight growing with each bucket's deficit
        against an even share: the thinnest buckets are asked for most, but not only them, so a
        bucket a generator cannot fill does not absorb every request."""
        chosen = {}
        for dimension, buckets in self.DIMENSIONS.items():
            total = sum(self.counts[dimension][b] for b in buckets)
            even = total / len(buckets)
            weights = [max(even - self.counts[dimension][b], 0.0) + 1.0 + 0.1 * even for b in buckets]
            chosen[dimension] = rng.choices(list(buckets), weights=weights, k=1)[0]
        return chosen


def _taxonomy(value: str, allowed: Sequence[str], fallback: str) -> str:
    cleaned = value.strip().lower().replace(" ", "_").replace("-", "_")
    return cleaned if cleaned in allowed else fallback


def run_loop(seeds: pd.DataFrame, curated: pd.DataFrame, run: RunRequests, settings: LoopSettings,
             near_duplicate: NearDuplicate, scan: Scan | None = None, log: logging.Logger | None = None,
             decontaminate: Decontaminate | None = None) -> LoopOutcome:
    """Grow synthetic pairs from `seeds` (record_id, instruction, input, response) until the target,
    the request cap, the spend cap or a stall. `curated` gives the coverage to fill. A task that
    `decontaminate` matches to an eval record is rejected as `contaminates_eval` before any other
    filter (it is an eval item whatever else it is), its match kept under the row's `contamination` key."""
    log = log or logging.getLogger(__name__)
    rng = random.Random(settings.seed)
    seed_rows = seeds[["record_id", "instruction", "input", "response"]].sort_values("record_id").to_dict("records")
    rouge = RougeIndex()
    for row in seed_rows:
        rouge.add(row["record_id"], row["instruction"])
    coverage = Coverage(curated)
    pairs: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []
    requests_sent = rounds = stalled = failed = 0
    cost = 0.0
    stop = ""

    while not stop:
        if len(pairs) >= settings.target_pairs:
            stop = "target_reached"
            break
        if requests_sent >= settings.max_generation_requests:
            stop = "max_generation_requests"
            break
        if cost >= settings.max_spend_usd:
            stop = "max_spend_usd"
            break
        if stalled >= settings.max_stalled_rounds:
            stop = "stalled"
            break
        n = min(settings.requests_per_round, settings.max_generation_requests - requests_sent)
        batch: list[tuple[LLMRequest, list[str], dict[str, str]]] = []
        for _ in range(n):
            target = coverage.target(rng)
            examples = rng.sample(seed_rows, min(settings.seed_examples, len(seed_rows)))
            if pairs and settings.generated_examples:
                examples += rng.sample(pairs, min(settings.generated_examples, len(pairs)))
            request = generation_request(
                [{k: e[k] for k in ("instruction", "input", "response")} for e in examples], target,
                settings.batch_size, TARGET_TASK_TYPES, DOMAINS,
            )
            batch.append((request, [e["record_id"] for e in examples], target))
        results = run([request for request, _, _ in batch])
        requests_sent += n
        rounds += 1
        kept_before = len(pairs)
        cap_hit = False
        matches = _eval_matches(results, decontaminate)
        for (request, example_ids, target), result in zip(batch, results):
            cost += result.cost_usd
            if result.status == "skipped":
                cap_hit = True
                continue
            if not result.ok or not isinstance(result.output, GeneratedBatch):
                failed += 1
                rejected.append({
                    "record_id": _reject_id(result.request_hash, -1), "instruction": "", "input": "", "response": "",
                    "task_type": target["task_type"], "domain": target["domain"],
                    "reason": "declined_request" if result.status == "declined" else "failed_request",
                    "detail": (result.error or "")[:500], "raw_reply": (result.text or "")[:2000], "max_rouge_l": None,
                    "seed_ids": example_ids, "request_hash": result.request_hash,
                    "provider": result.provider, "model": result.model,
                })
                continue
            for position, task in enumerate(result.output.tasks):
                row = {
                    "instruction": task.instruction.strip(), "input": task.input.strip(), "response": task.response.strip(),
                    "task_type": _taxonomy(task.task_type, TASK_TYPES, detect_task_type(task.instruction, task.input)),
                    "domain": _taxonomy(task.domain, DOMAINS, detect_domain(f"{task.instruction}\n{task.input}")),
                    "seed_ids": example_ids, "request_hash": result.request_hash,
                    "provider": result.provider, "model": result.model,
                }
                match = matches.get(_reject_id(result.request_hash, position))
                if len(pairs) >= settings.target_pairs:
                    verdict_reason, detail, score = "target_reached", "the target count was already reached", None
                elif match is not None:
                    verdict_reason, detail, score = CONTAMINATION_REASON, rejection_detail(match), None
                    row["contamination"] = match
                else:
                    verdict = check_task(row["instruction"], row["input"], row["response"], settings.limits, rouge, near_duplicate)
                    verdict_reason, detail, score = verdict.reason, verdict.detail, verdict.max_rouge_l
                    if verdict_reason is None and scan is not None:
                        # Generated text has no business holding personal data, and a redacted pair
                        # is no longer a correct pair (its answer may depend on the redacted span).
                        outcome = scan({"instruction": row["instruction"], "input": row["input"], "response": row["response"]})
                        if outcome.status != "pass":
                            verdict_reason, detail = "pii", f"{outcome.status}: " + "; ".join(outcome.reasons)[:480]
                if verdict_reason is None:
                    row["record_id"] = pair_id(row["instruction"], row["input"], row["response"])
                    row["max_rouge_l"] = round(score, 4)
                    pairs.append(row)
                    rouge.add(row["record_id"], row["instruction"])
                    coverage.add(row["domain"], row["task_type"], length_bucket(row["response"]))
                else:
                    rejected.append({**row, "record_id": _reject_id(result.request_hash, position), "reason": verdict_reason,
                                     "detail": detail, "raw_reply": None, "max_rouge_l": score})
        stalled = stalled + 1 if len(pairs) == kept_before else 0
        log.info(f"synth round {rounds}: {len(pairs)}/{settings.target_pairs} pairs kept, {len(rejected)} rejected, "
                 f"{requests_sent} generation requests, ${cost:.4f}")
        if cap_hit:
            stop = "llm_spend_cap"
    return LoopOutcome(pairs, rejected, stop, requests_sent, rounds, cost, failed)


def _eval_matches(results: list[LLMResult], decontaminate: Decontaminate | None) -> dict[str, dict]:
    """Eval matches of every task of a round's replies, in one batch, keyed by the task's reject id."""
    if decontaminate is None:
        return {}
    tasks = [{"record_id": _reject_id(result.request_hash, position), "instruction": task.instruction.strip(),
              "input": task.input.strip(), "response": task.response.strip()}
             for result in results if result.ok and isinstance(result.output, GeneratedBatch)
             for position, task in enumerate(result.output.tasks)]
    if not tasks:
        return {}
    return {m["record_id"]: m for m in decontaminate(pd.DataFrame(tasks)).to_dict("records")}


def verify_pairs(pairs: list[dict[str, Any]], run: RunRequests) -> dict[str, Any]:
    """Set `verified` and `verification_reason` on every pair: computed families by recomputing
    the answer, the rest by one judge call each. Returns counts by how each was verified."""
    to_judge: list[tuple[dict[str, Any], LLMRequest]] = []
    counts: Counter[str] = Counter()
    for pair in pairs:
        computed = verify_by_computation(pair["instruction"], pair["input"], pair["response"])
        if computed is not None:
            pair["verified"], pair["verification_reason"] = computed
            pair["verified_by"] = "computation"
            counts["computed_pass" if computed[0] else "computed_fail"] += 1
        else:
            to_judge.append((pair, verification_request(pair["instruction"], pair["input"], pair["response"])))
    results = run([request for _, request in to_judge]) if to_judge else []
    judge_cost = 0.0
    for (pair, _), result in zip(to_judge, results):
        judge_cost += result.cost_usd
        pair["verified_by"] = "judge"
        if result.ok and isinstance(result.output, JudgeVerdict):
            pair["verified"], pair["verification_reason"] = bool(result.output.correct), result.output.reason[:500]
            counts["judge_pass" if result.output.correct else "judge_fail"] += 1
        else:
            pair["verified"] = False
            pair["verification_reason"] = f"judge {result.status}: {(result.error or '')[:300]}"
            counts[f"judge_{result.status}"] += 1
    return {"by_outcome": dict(counts), "judge_cost_usd": judge_cost}


def distribution(pairs: Sequence[Mapping[str, Any]], key: str) -> dict[str, int]:
    return dict(Counter(p[key] for p in pairs).most_common())
