"""The contract between the stages that call a model and the LLM layer.

A stage builds `LLMRequest`s and hands them to `LLMResource.run(...)`; it gets back one
`LLMResult` per request, in order. Whether the answer came from Claude, from the offline
provider or from the `llm.calls` cache is the layer's business; the result says which.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

ModelRole = Literal["generate", "judge"]
CallStatus = Literal["ok", "failed", "declined", "skipped"]


@dataclass(frozen=True)
class LLMRequest:
    """One logical model request.

    `task` names the job (`synth.generate`, `synth.verify`, `augment.paraphrase`, `prefs.respond`,
    `prefs.judge`, ...): its prefix is the stage package whose `offline.py` answers it offline.
    `output_model` is the pydantic model of the structured reply (`messages.parse(output_format=...)`);
    None asks for free text. `context` carries the task's structured inputs for the offline
    provider, so it never has to parse a prompt; it is derived from the prompt's own inputs and is
    not part of the request hash.
    """

    task: str
    system: str
    messages: tuple[dict[str, Any], ...]
    prompt_version: str
    output_model: type[BaseModel] | None = None
    model_role: ModelRole = "generate"
    max_tokens: int = 1024
    context: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


@dataclass
class LLMResult:
    request_hash: str
    task: str
    status: CallStatus          # ok | failed (with error and raw text) | declined (offline cannot do it honestly) | skipped (spend cap)
    provider: str               # anthropic | offline
    model: str
    output: BaseModel | None = None   # validated structured reply when status == ok and output_model was given
    text: str | None = None           # raw reply text
    error: str | None = None          # failure or decline reason
    cached: bool = False              # answered from llm.calls without a network call
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass(frozen=True)
class Declined:
    """What an offline handler returns for a request it cannot answer honestly."""

    reason: str
