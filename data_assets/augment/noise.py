"""Noise a user really types, applied to instructions: typos, casing, missing punctuation.

Rule-based and deterministic: the random choices are seeded by the record id, so a re-run gives
the same text. Redaction placeholders (`[EMAIL]`, `[PERSON]`, ...) are never touched: they are
cut out before the noise is applied and put back verbatim.
"""

from __future__ import annotations

import hashlib
import random
import re

PLACEHOLDER = re.compile(r"\[[A-Z][A-Z0-9_]*\]")

# QWERTY neighbours: a slipped finger hits one of these instead of the intended key.
_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
ADJACENT: dict[str, str] = {}
for _r, _row in enumerate(_KEYBOARD_ROWS):
    for _c, _key in enumerate(_row):
        neighbours = []
        for _dr in (-1, 0, 1):
            rr = _r + _dr
            if 0 <= rr < len(_KEYBOARD_ROWS):
                for _dc in (-1, 0, 1):
                    cc = _c + _dc
                    if (_dr, _dc) != (0, 0) and 0 <= cc < len(_KEYBOARD_ROWS[rr]):
                        neighbours.append(_KEYBOARD_ROWS[rr][cc])
        ADJACENT[_key] = "".join(neighbours)

NOISE_VERSION = "keyboard-noise-v1"
_DROPPABLE_PUNCTUATION = ".,;:!?'\""


def rng_for(*parts: str) -> random.Random:
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def placeholders(text: str) -> list[str]:
    return PLACEHOLDER.findall(text)


def _typo(word: str, rng: random.Random) -> str:
    letters = [i for i, c in enumerate(word) if c.lower() in ADJACENT]
    if len(letters) < 3:
        return word
    i = rng.choice(letters[1:])
    kind = rng.random()
    if kind < 0.45:
        replacement = rng.choice(ADJACENT[word[i].lower()])
        return word[:i] + (replacement.upper() if word[i].isupper() else replacement) + word[i + 1:]
    if kind < 0.7 and i + 1 < len(word):
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if kind < 0.85:
        return word[:i] + word[i + 1:]
    return word[:i] + word[i] + word[i:]


def _noise_segment(segment: str, rng: random.Random, typo_rate: float, drop_punctuation: float) -> str:
    parts = re.split(r"(\s+)", segment)
    out = []
    for part in parts:
        if not part or part.isspace():
            out.append(part)
            continue
        if rng.random() < typo_rate:
            part = _typo(part, rng)
        if part[-1] in _DROPPABLE_PUNCTUATION and rng.random() < drop_punctuation:
            part = part[:-1]
        out.append(part)
    return "".join(out)


def add_noise(text: str, seed: str, typo_rate: float = 0.12, drop_punctuation: float = 0.6, casing: float = 0.5) -> str:
    """`text` as a hurried user would type it. At least one change is made whenever the text has a
    word long enough to mistype or a punctuation mark to drop."""
    if not text.strip():
        return text
    rng = rng_for(NOISE_VERSION, seed)
    pieces = PLACEHOLDER.split(text)
    kept = PLACEHOLDER.findall(text)
    noisy = [_noise_segment(p, rng, typo_rate, drop_punctuation) for p in pieces]
    casing_roll = rng.random()
    if casing_roll < casing / 2:
        noisy = [p.lower() for p in noisy]
    elif casing_roll < casing and noisy[0][:1].isupper():
        noisy[0] = noisy[0][:1].lower() + noisy[0][1:]
    result = "".join(p + (kept[i] if i < len(kept) else "") for i, p in enumerate(noisy))
    if result == text:
        # Rates are per word, so a short instruction may come through untouched: force one typo
        # into its longest word (if any word is long enough to mistype).
        target = max(range(len(pieces)), key=lambda i: len(pieces[i]))
        words = re.split(r"(\s+)", pieces[target])
        longest = max(range(len(words)), key=lambda i: len(words[i]))
        words[longest] = _typo(words[longest], rng)
        pieces = [*pieces[:target], "".join(words), *pieces[target + 1:]]
        result = "".join(p + (kept[i] if i < len(kept) else "") for i, p in enumerate(pieces))
    return result
