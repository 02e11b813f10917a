"""Word tokens with their offsets, for the detectors that reason over words (people, places)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

# Letters with inner apostrophes or hyphens (O'Brien, Jean-Luc, Kędzierzyn-Koźle); digits
# and underscores end a word. A trailing possessive 's is split off in `tokenize`.
_WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")
_POSSESSIVE = ("'s", "’s", "'S")


class Token(NamedTuple):
    start: int
    end: int
    text: str
    lower: str
    initial: bool = False   # a single capital directly followed by a dot ("D." of "Iva D. Grusová")


@lru_cache(maxsize=4)
def tokenize(text: str) -> tuple[Token, ...]:
    """Word tokens of `text`; cached, since the name and place detectors read the same text."""
    tokens: list[Token] = []
    for m in _WORD.finditer(text):
        start, end, word = m.start(), m.end(), m.group()
        if len(word) > 3 and word[-2:] in _POSSESSIVE:
            end -= 2
            word = word[:-2]
        initial = len(word) == 1 and word.isupper() and text[end:end + 1] == "."
        tokens.append(Token(start, end, word, word.lower(), initial))
    return tuple(tokens)


def sentence_start(text: str, position: int) -> bool:
    """True when only spaces, quotes or brackets separate `position` from the text's start or
    from the end of the previous sentence (., !, ?, newline)."""
    i = position - 1
    while i >= 0 and text[i] in " \t\"'“‘([>*-":
        i -= 1
    return i < 0 or text[i] in ".!?\n"
