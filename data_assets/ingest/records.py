"""From a parsed source row to a canonical record, or a reason it cannot be one."""

from __future__ import annotations

import hashlib
from typing import Any

from data_assets.ingest.sources import Source

REQUIRED = {"instruction": True, "input": False, "response": True, "prompt": False, "chosen": True, "rejected": True}
DIALOGUE_TURN = "\n\nAssistant:"


class RowError(ValueError):
    pass


def canonical_record(fields: dict[str, str]) -> str:
    """The one text form of a mapped record that every format shares: each field, sorted by
    name, as `name:length:text`. The lengths make it unambiguous whatever the text holds.

    A JSONL line re-serialized with other whitespace or key order, or the same records saved as
    JSON, CSV or Parquet, map to the same fields and so to the same form. (A compact, key-sorted
    JSON dump would do the same at ten times the cost per row.)
    """
    return "".join([f"{name}:{len(fields[name])}:{fields[name]}" for name in sorted(fields)])


def record_id(source: str, canonical: str, repeat: int, prefix: str = "r") -> str:
    """Stable id of a source record: the same source, mapped fields and n-th repeat of them
    give the same id on every run, in whichever file, row or format the record sits."""
    digest = hashlib.sha256("\x1f".join([source, canonical, str(repeat)]).encode("utf-8", "surrogatepass"))
    return f"{prefix}_{digest.hexdigest()[:20]}"


_ABSENT = object()


def _walk(value: dict[str, Any], dotted: str) -> Any:
    if dotted in value:
        return value[dotted]
    current: Any = value
    for part in dotted.split("."):
        if isinstance(current, dict) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.lstrip("-").isdigit() and -len(current) <= int(part) < len(current):
            current = current[int(part)]
        else:
            return _ABSENT
    return current


def lookup(value: dict[str, Any], dotted: str) -> Any:
    """Follow a dotted path (`instances.0.output`) into nested dicts and lists; None when absent."""
    found = _walk(value, dotted)
    return None if found is _ABSENT else found


def has_path(value: dict[str, Any], dotted: str) -> bool:
    """Whether the row holds the column at all (a JSON `null` counts: the column exists)."""
    return _walk(value, dotted) is not _ABSENT


def canonical_fields(source: Source, value: dict[str, Any]) -> dict[str, str]:
    """Map one row to the canonical text fields, verbatim; raises RowError with the reason."""
    # A field mapped to no column ("") is empty text, so every record has every canonical field.
    out = {name: _as_text(name, column, lookup(value, column)) if column else "" for name, column in source.fields.items()}
    if source.is_preference and not source.fields.get("prompt"):
        if "prompt" not in source.explicit and has_path(value, "prompt"):
            # Left out of the mapping, the prompt is read from a `prompt` column where the row has one.
            out["prompt"] = _as_text("prompt", "prompt", lookup(value, "prompt"))
        else:
            # Dialogue-style data (hh-rlhf) has no prompt column: it is the shared prefix of both dialogues.
            out["prompt"], out["chosen"], out["rejected"] = split_shared_prefix(out.get("chosen", ""), out.get("rejected", ""))
    for name in source.fields:
        if REQUIRED.get(name) and not out.get(name, "").strip():
            raise RowError(f"missing required field {name!r} (column {source.fields[name] or name!r})")
    return out


def _as_text(name: str, column: str, raw: Any) -> str:
    if raw is None:
        return ""
    if isinstance(raw, str):
        return raw
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        raise RowError(f"wrong type: field {name!r} (column {column!r}) must be text, got {type(raw).__name__}")
    # A bare number is a legitimate answer ("42"); lists and objects are not text.
    return str(raw)


def split_shared_prefix(chosen: str, rejected: str) -> tuple[str, str, str]:
    """Split two dialogues that share a prefix into (prompt, chosen reply, rejected reply).

    The prompt ends at the last assistant turn marker inside the common prefix, so it reads
    `...\\n\\nAssistant:` and the replies are the differing last turns; prompt + reply is the
    original text, character for character.
    """
    limit = 0
    for a, b in zip(chosen, rejected):
        if a != b:
            break
        limit += 1
    cut = chosen.rfind(DIALOGUE_TURN, 0, limit)
    cut = cut + len(DIALOGUE_TURN) if cut >= 0 else limit
    return chosen[:cut], chosen[cut:], rejected[cut:]
