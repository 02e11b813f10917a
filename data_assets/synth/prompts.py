"""The requests the synth stage sends: Self-Instruct generation and the judge, with their reply models."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from pydantic import BaseModel, ConfigDict, Field

from data_assets.llm.types import LLMRequest

GENERATE_TASK = "synth.generate"
VERIFY_TASK = "synth.verify"
GENERATE_PROMPT_VERSION = "synth.generate/v1"
VERIFY_PROMPT_VERSION = "synth.verify/v1"

LENGTH_GUIDE = {
    "short": "a short response (one line, under 25 words)",
    "medium": "a medium response (one to four sentences, 25 to 100 words)",
    "long": "a long, worked response (more than 100 words, with steps or structure)",
}


class GeneratedTask(BaseModel):
    instruction: str = Field(description="The task, phrased as a user would ask it.")
    input: str = Field(description="Optional context the task needs (a text, a list, a table); empty string if none.")
    response: str = Field(description="A correct, complete response to the instruction and input.")
    task_type: str = Field(description="One of the task types named in the request.")
    domain: str = Field(description="One of the domains named in the request.")


class GeneratedBatch(BaseModel):
    tasks: list[GeneratedTask]


class JudgeVerdict(BaseModel):
    # The schema title stays "Verdict": it is part of the request hash, and a new title would make
    # every cached verification a miss and ask (and pay for) it again.
    model_config = ConfigDict(title="Verdict")

    correct: bool = Field(description="True only if the response correctly and fully answers the instruction.")
    reason: str = Field(description="One sentence saying why.")


GENERATE_SYSTEM = (
    "You write training data for an instruction-following assistant. You are shown a few example tasks; "
    "come up with new tasks that are different from them and from each other: new topics, new verbs, new "
    "formats. Every task must be doable by a text-only model: nothing about images, audio, video, files, "
    "drawing, or visiting URLs. Write a correct, complete response for each task. Keep redaction "
    "placeholders such as [EMAIL] or [PERSON] as they are and never invent personal data."
)

VERIFY_SYSTEM = (
    "You check training data. Given an instruction, its optional input and a response, decide whether the "
    "response correctly and fully answers the instruction. Recompute any calculation yourself. Be strict: "
    "a partly wrong or incomplete response is not correct."
)


def _example_block(number: int, example: Mapping[str, str]) -> str:
    lines = [f"Task {number}", f"Instruction: {example['instruction']}"]
    if example.get("input"):
        lines.append(f"Input: {example['input']}")
    lines.append(f"Response: {example['response']}")
    return "\n".join(lines)


def generation_request(examples: Sequence[Mapping[str, str]], target: Mapping[str, str], batch_size: int,
                       task_types: Sequence[str], domains: Sequence[str]) -> LLMRequest:
    """One Self-Instruct request: the in-context examples, then the ask, steered to `target`."""
    shown = "\n\n".join(_example_block(i, e) for i, e in enumerate(examples, start=1))
    ask = (
        f"Here are {len(examples)} example tasks:\n\n{shown}\n\n"
        f"Write {batch_size} new tasks. This batch should cover a gap in our data: domain '{target['domain']}', "
        f"task type '{target['task_type']}', with {LENGTH_GUIDE[target['length']]}. "
        f"Use task_type from: {', '.join(task_types)}. Use domain from: {', '.join(domains)}."
    )
    return LLMRequest(
        task=GENERATE_TASK,
        system=GENERATE_SYSTEM,
        messages=({"role": "user", "content": ask},),
        prompt_version=GENERATE_PROMPT_VERSION,
        output_model=GeneratedBatch,
        model_role="generate",
        max_tokens=min(8192, 600 * batch_size),
        context={"target": dict(target), "batch_size": batch_size,
                 "examples": [dict(e) for e in examples]},
    )


def verification_request(instruction: str, input_text: str, response: str) -> LLMRequest:
    body = {"instruction": instruction, "input": input_text, "response": response}
    return LLMRequest(
        task=VERIFY_TASK,
        system=VERIFY_SYSTEM,
        messages=({"role": "user", "content": "Check this pair:\n" + json.dumps(body, ensure_ascii=False, indent=1)},),
        prompt_version=VERIFY_PROMPT_VERSION,
        output_model=JudgeVerdict,
        model_role="judge",
        max_tokens=300,
        context=body,
    )
