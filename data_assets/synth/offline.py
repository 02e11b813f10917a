"""Offline answers to the synth tasks: programmatic, verifiable tasks, and a recomputing judge.

`synth.generate` does not write language: it draws tasks from the computed families in
`families.py`, themed by the request's target domain, sized by its target length, and of the
target task type when a family has it (arithmetic, conversions, dates, statistics: math;
sorting, reversal, casing: transformation; counting: closed_qa; order lines to JSON: extraction;
even/odd, prime, leap year: classification). For a task type no family can compute (open
questions, brainstorming, creative writing) it uses a family of another type rather than
inventing an answer, and says so through the pair's own `task_type`. Every choice is seeded by
the request's content, so the same request gets the same batch, and re-runs hit the cache.

`synth.verify` recomputes the answer of a task a family recognizes; anything else is declined:
judging an open-ended answer is not something a program can do honestly.
"""

from __future__ import annotations

import hashlib
import json
import random

from data_assets.llm.offline import offline_handler
from data_assets.llm.types import Declined, LLMRequest
from data_assets.synth.families import FAMILIES, FAMILIES_BY_TASK_TYPE, VOCAB, expected_answer
from data_assets.synth.prompts import GENERATE_TASK, VERIFY_TASK, GeneratedBatch, GeneratedTask, JudgeVerdict


def request_seed(request: LLMRequest) -> int:
    canonical = json.dumps([request.task, request.system, list(request.messages), request.prompt_version],
                           sort_keys=True, ensure_ascii=False)
    return int.from_bytes(hashlib.sha256(canonical.encode("utf-8")).digest()[:8], "big")


@offline_handler(GENERATE_TASK)
def generate(request: LLMRequest) -> GeneratedBatch:
    rng = random.Random(request_seed(request))
    target = request.context.get("target", {})
    domain = target.get("domain") if target.get("domain") in VOCAB else rng.choice(sorted(VOCAB))
    length = target.get("length") if target.get("length") in ("short", "medium", "long") else "short"
    matching = FAMILIES_BY_TASK_TYPE.get(target.get("task_type", ""), [])
    tasks = []
    for position in range(int(request.context.get("batch_size", 5))):
        # The first half of a batch follows the target type when a family has it; the rest roams
        # over every family, so a batch is never one template repeated.
        pool = matching if matching and position < max(1, int(request.context.get("batch_size", 5)) // 2) else FAMILIES
        family = rng.choice(list(pool))
        task = family.generate(rng, domain, length)
        tasks.append(GeneratedTask(instruction=task.instruction, input=task.input, response=task.response,
                                   task_type=task.task_type, domain=task.domain))
    return GeneratedBatch(tasks=tasks)


@offline_handler(VERIFY_TASK)
def verify(request: LLMRequest) -> JudgeVerdict | Declined:
    instruction = request.context.get("instruction", "")
    input_text = request.context.get("input", "")
    response = request.context.get("response", "")
    found = expected_answer(instruction, input_text)
    if found is None:
        return Declined("offline judge cannot check an open-ended response honestly; only computed task families")
    family, expected = found
    if family.matches(response, expected):
        return JudgeVerdict(correct=True, reason=f"recomputed by {family.name}: the answer matches")
    return JudgeVerdict(correct=False, reason=f"recomputed by {family.name}: expected {expected[:80]!r}")
