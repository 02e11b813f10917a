"""The model requests of the augment stage and their reply models."""

from __future__ import annotations

import json

from pydantic import BaseModel, Field

from data_assets.llm.types import LLMRequest

PROMPT_VERSION = "augment/v1"
TASK_BY_METHOD = {
    "paraphrase": "augment.paraphrase",
    "style_formal": "augment.style", "style_informal": "augment.style",
    "style_short": "augment.style", "style_long": "augment.style",
    "translate": "augment.translate",
}
# Which fields each method rewrites; the others are copied from the parent.
FIELDS_BY_METHOD = {
    "paraphrase": ("instruction",), "style_formal": ("instruction",), "style_informal": ("instruction",),
    "style_short": ("response",), "style_long": ("response",),
    "translate": ("instruction", "input", "response"), "noise": ("instruction",),
}
LANGUAGE_NAMES = {"es": "Spanish", "fr": "French", "de": "German", "pt": "Portuguese", "it": "Italian", "ru": "Russian",
                  "zh": "Chinese", "ja": "Japanese", "ar": "Arabic", "hi": "Hindi", "en": "English"}


class RewrittenInstruction(BaseModel):
    instruction: str = Field(description="The rewritten instruction.")


class RewrittenResponse(BaseModel):
    response: str = Field(description="The rewritten response.")


class TranslatedRecord(BaseModel):
    instruction: str
    input: str = Field(description="The translated input; empty string if the original input is empty.")
    response: str


SYSTEM = (
    "You rewrite training examples for an instruction-following assistant. Keep the meaning and every fact. "
    "Keep redaction placeholders such as [EMAIL], [PERSON], [PHONE] exactly as written, same count, never "
    "replace them with invented values, and add no personal data."
)

ASKS = {
    "paraphrase": "Paraphrase the instruction: different words and sentence structure, same request, so that the "
                  "response below still answers it exactly.",
    "style_formal": "Rewrite the instruction in a formal, polite register, as in a professional email. Same request.",
    "style_informal": "Rewrite the instruction the way someone types a quick casual message: informal words, "
                      "contractions, relaxed tone. Same request.",
    "style_short": "Rewrite the response to be much shorter (at most two sentences) while still correctly "
                   "answering the instruction.",
    "style_long": "Rewrite the response to be more thorough (well over 100 words): explain, add steps or examples, "
                  "keep it correct.",
    "translate": "Translate the instruction, the input and the response into {language}. Translate faithfully; keep "
                 "code, numbers and placeholders unchanged.",
}


def output_model(method: str) -> type[BaseModel]:
    fields = FIELDS_BY_METHOD[method]
    if fields == ("instruction",):
        return RewrittenInstruction
    if fields == ("response",):
        return RewrittenResponse
    return TranslatedRecord


def augmentation_request(method: str, record: dict[str, str], language: str) -> LLMRequest:
    ask = ASKS[method].format(language=LANGUAGE_NAMES.get(language, language))
    body = {"instruction": record["instruction"], "input": record["input"], "response": record["response"]}
    return LLMRequest(
        task=TASK_BY_METHOD[method],
        system=SYSTEM,
        messages=({"role": "user", "content": f"{ask}\n\nExample:\n{json.dumps(body, ensure_ascii=False, indent=1)}"},),
        prompt_version=PROMPT_VERSION,
        output_model=output_model(method),
        max_tokens=2048 if method in ("style_long", "translate") else 1024,
        context={"method": method, "language": language, **body},
    )
