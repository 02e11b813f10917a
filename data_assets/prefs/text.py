"""Small text utilities shared by the degradations and the offline judge."""

from __future__ import annotations

import hashlib
import re

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(*\-])")
_TURN = re.compile(r"\n\n(Human|Assistant):")

STOPWORDS = frozenset(
    """a an the and or but if then else of to in on at by for with about as into from up down over under
    is are was were be been being am do does did doing have has had having i me my we our you your he him his
    she her it its they them their this that these those what which who whom whose when where why how
    not no nor so than too very can could should would will shall may might must just also any all some
    such only own same other more most both each few there here out off again further once s t don
    please give write tell explain describe make using use list provide one two""".split()
)


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def stem(word: str) -> str:
    """A light suffix stripper: enough to match `runs`/`running`/`run` without a stemmer dependency."""
    for suffix in ("ingly", "edly", "ings", "ing", "ies", "ied", "ed", "es", "ly", "s"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def content_terms(text: str) -> set[str]:
    return {stem(w) for w in words(text) if w not in STOPWORDS and len(w) > 1}


def split_steps(text: str) -> tuple[list[str], str]:
    """The response's steps and how to join them back: its lines when it has three or more,
    else its sentences. Lines keep list markers, so a dropped step leaves a visible gap."""
    lines = [line for line in text.split("\n") if line.strip()]
    if len(lines) >= 3:
        return lines, "\n"
    sentences = [s for s in _SENTENCE_END.split(text.strip()) if s.strip()]
    return sentences, " "


def last_user_turn(prompt: str) -> str:
    """The request being answered: the last `Human:` turn of a dialogue, else the whole prompt."""
    parts = _TURN.split(prompt)
    if len(parts) < 3:
        return prompt
    turns = [(parts[i], parts[i + 1]) for i in range(1, len(parts) - 1, 2)]
    human = [body for speaker, body in turns if speaker == "Human"]
    return human[-1].strip() if human else prompt


def user_turns(prompt: str) -> str:
    """Everything the user said: the `Human:` turns of a dialogue joined, else the whole prompt."""
    parts = _TURN.split(prompt)
    if len(parts) < 3:
        return prompt
    return "\n".join(parts[i + 1] for i in range(1, len(parts) - 1, 2) if parts[i] == "Human")


def stable_fraction(*parts: str) -> float:
    """A number in [0, 1) fixed by `parts`: deterministic choices that do not depend on run order."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def stable_id(prefix: str, *parts: str) -> str:
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return f"{prefix}_{digest[:20]}"
