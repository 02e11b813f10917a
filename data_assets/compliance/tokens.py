"""Word tokens with their offsets, for the detectors that reason over words (people, places)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

# Letters with inner apostrophes or hyphens (O'Brien, Jean-Luc, Bielsko-Biała); digits
# and underscores end a word. A trailing possessive 's is split off in `tokenize`.
_WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")
_POSSESSIVE = ("'s", "’s", "'S")


class Token(NamedTuple):
    start: int
    end: int
    text: str
    lower: str
    initial: bool = False   # a single capital directly followed by a dot ("D." of "Ilse D. Marková")


# A possessive 's is not part of the word: the apostrophe joins only a continuation other than "s".
_WORD_NO_POSSESSIVE = re.compile(r"[^\W\d_]+(?:(?:-|['’](?![sS](?![^\W\d_])))[^\W\d_]+)*")


@lru_cache(maxsize=4)
def tokenize(text: str) -> tuple[Token, ...]:
    """Word tokens of `text`; cached, since the name and place detectors read the same text."""
    tokens = [Token(m.start(), m.end(), w, w.lower()) for m in _WORD_NO_POSSESSIVE.finditer(text)
              if (w := m.group()) not in ("s", "S") or m.start() == 0 or text[m.start() - 1] not in "'’"]
    if "." in text:
        # Initials: a single capital directly followed by a dot.
        tokens = [t._replace(initial=True) if len(t.text) == 1 and t.text.isupper() and text[t.end:t.end + 1] == "." else t
                  for t in tokens]
    return tuple(tokens)


def sentence_start(text: str, position: int) -> bool:
    """True when only spaces, quotes or brackets separate `position` from the text's start or
    from the end of the previous sentence (., !, ?, newline)."""
    i = position - 1
    while i >= 0 and text[i] in " \t\"'“‘([>*-":
        i -= 1
    return i < 0 or text[i] in ".!?\n"
