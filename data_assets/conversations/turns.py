"""From a source row to a validated list of chat turns, or the reason it is not a conversation.

Three layouts (a source's `conversation:` key):
- `messages`: a list of `{role, content}` (OpenAI / Hugging Face chat datasets); roles system,
  user, assistant, tool. An optional `system` column opens the conversation (Anthropic keeps the
  system prompt beside the messages).
- `sharegpt`: a list of `{from, value}` with `human`/`gpt` (also `user`, `assistant`, `system`,
  `tool`, `function`).
- `chatlog`: an application log line, one request/response per line: `request.messages` (and
  `request.system`), with the reply in `response`: a string, an Anthropic Messages response
  (`content` blocks) or an OpenAI Chat Completions one (`choices[0].message`).

Content is text: a string, or a list of `text` blocks (joined by a blank line). Any other block
(an image, a tool call) makes the row a reject: a conversation we cannot show as text is not one
we can train on or scan.
"""

from __future__ import annotations

import json
from typing import Any

from data_assets.conversations.layouts import ROLES
from data_assets.ingest.records import RowError, has_path, lookup

SHAREGPT_ROLES = {"human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant", "chatgpt": "assistant",
                  "system": "system", "tool": "tool", "function": "tool", "observation": "tool"}
# Thumbs and their common spellings in application logs.
FEEDBACK_VALUES = {"up": "up", "thumbs_up": "up", "+1": "up", "1": "up", "true": "up", "positive": "up", "like": "up",
                   "down": "down", "thumbs_down": "down", "-1": "down", "0": "down", "false": "down", "negative": "down",
                   "dislike": "down", "": ""}


def conversation_fields(style: str, fields: dict[str, str], value: dict[str, Any]) -> dict[str, str]:
    """The row's conversation as canonical fields: `messages` (the turns as JSON text), `feedback`
    (up, down or ''), `edited` and `regenerated` (answers, '' when absent). Raises RowError."""
    column = fields["messages"]
    raw = lookup(value, column)
    if raw is None:
        raise RowError(f"missing required field 'messages' (column {column!r})")
    if not isinstance(raw, list):
        raise RowError(f"wrong type: field 'messages' (column {column!r}) must be a list of turns, got {type(raw).__name__}")
    turns = [_turn(style, item, i) for i, item in enumerate(raw)]
    system = _optional(fields, "system", value)
    if system is not None:
        if not isinstance(system, (str, list)):
            raise RowError(f"wrong type: field 'system' (column {fields['system']!r}) must be text, got {type(system).__name__}")
        text = _text(system, "the system prompt")
        if text.strip():
            if turns and turns[0]["role"] == "system":
                raise RowError("two system prompts: one in the system column and one as the first turn")
            turns.insert(0, {"role": "system", "content": text})
    if style == "chatlog":
        response = _optional(fields, "response", value)
        if response is not None:
            turns.append({"role": "assistant", "content": _response_text(response)})
    check_order(turns)
    feedback = _optional(fields, "feedback", value)
    key = "" if feedback is None else str(feedback).strip().lower()
    if key not in FEEDBACK_VALUES:
        raise RowError(f"unknown feedback value {feedback!r}; use up/down (or thumbs_up/thumbs_down, +1/-1, true/false)")
    return {
        "messages": json.dumps(turns, ensure_ascii=False),
        "feedback": FEEDBACK_VALUES[key],
        "edited": _answer(fields, "edited", value),
        "regenerated": _answer(fields, "regenerated", value),
    }


def _optional(fields: dict[str, str], name: str, value: dict[str, Any]) -> Any:
    column = fields.get(name) or ""
    return lookup(value, column) if column and has_path(value, column) else None


def _answer(fields: dict[str, str], name: str, value: dict[str, Any]) -> str:
    raw = _optional(fields, name, value)
    if raw is None:
        return ""
    if not isinstance(raw, (str, list)):
        raise RowError(f"wrong type: field {name!r} (column {fields[name]!r}) must be text, got {type(raw).__name__}")
    return _text(raw, f"the {name} answer")


def _turn(style: str, item: Any, index: int) -> dict[str, str]:
    if not isinstance(item, dict):
        raise RowError(f"turn {index} is not an object, got {type(item).__name__}")
    if style == "sharegpt":
        speaker, content = item.get("from"), item.get("value")
        role = SHAREGPT_ROLES.get(str(speaker).lower()) if speaker is not None else None
        if role is None:
            raise RowError(f"turn {index}: unknown speaker {speaker!r}; ShareGPT uses {', '.join(sorted(SHAREGPT_ROLES))}")
    else:
        role, content = item.get("role"), item.get("content")
        if role not in ROLES:
            raise RowError(f"turn {index}: unknown role {role!r}; a turn is one of {', '.join(ROLES)}")
    return {"role": role, "content": _text(content, f"turn {index}")}


def _text(content: Any, where: str) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list) and content:
        texts = []
        for block in content:
            kind = block.get("type") if isinstance(block, dict) else type(block).__name__
            if kind != "text" or not isinstance(block.get("text"), str):
                raise RowError(f"{where} is not text: it holds a {kind!r} block")
            texts.append(block["text"])
        return "\n\n".join(texts)
    if content is None:
        raise RowError(f"{where} is not text: it has no content")
    raise RowError(f"{where} is not text: got {type(content).__name__}")


def _response_text(response: Any) -> str:
    if isinstance(response, str):
        return response
    if isinstance(response, dict):
        if "content" in response:      # Anthropic Messages
            return _text(response["content"], "the response")
        choices = response.get("choices")
        if isinstance(choices, list) and choices and isinstance(choices[0], dict):   # OpenAI Chat Completions
            message = choices[0].get("message") or {}
            return _text(message.get("content"), "the response")
    raise RowError("the response is neither text, an Anthropic response (content blocks) nor an OpenAI one (choices)")


def check_order(turns: list[dict[str, str]]) -> None:
    """Raise RowError unless every chat template would accept the turns: an optional system turn
    first, then user and assistant alternating from a user turn, tool results only after an
    assistant turn (or another tool result), and an assistant turn last (something to learn)."""
    if not turns:
        raise RowError("empty conversation: no turns")
    for index, turn in enumerate(turns):
        if not turn["content"].strip():
            raise RowError(f"turn {index} ({turn['role']}) is empty")
    body = turns[1:] if turns[0]["role"] == "system" else turns
    if not body:
        raise RowError("role order: only a system prompt, no user or assistant turn")
    if body[0]["role"] != "user":
        raise RowError(f"role order: the first turn after the system prompt is {body[0]['role']}, not user")
    offset = len(turns) - len(body)
    for index in range(1, len(body)):
        before, role = body[index - 1]["role"], body[index]["role"]
        allowed = {"user": {"assistant"}, "assistant": {"user", "tool"}, "tool": {"tool", "assistant"}}.get(before, set())
        if role == "system":
            raise RowError(f"role order: a system turn at turn {index + offset}; it may only open the conversation")
        if role not in allowed:
            raise RowError(f"role order: {role} after {before} at turn {index + offset}")
    if body[-1]["role"] != "assistant":
        raise RowError(f"role order: the conversation ends on a {body[-1]['role']} turn, not an assistant answer")


def parse(messages_json: str) -> list[dict[str, str]]:
    return json.loads(messages_json)


def first_user_turn(turns: list[dict[str, str]]) -> str:
    return next((t["content"] for t in turns if t["role"] == "user"), "")
