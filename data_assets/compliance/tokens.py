"""Word tokens with their offsets, for the detectors that reason over words (people, places)."""

from __future__ import annotations

import bisect
import re
from functools import lru_cache
from itertools import accumulate, compress, repeat
from operator import attrgetter, itemgetter
from typing import NamedTuple

# Letters with inner apostrophes or hyphens (O'Brien, Jean-Luc, Bielsko-Biała); digits
# and underscores end a word. A trailing possessive 's is split off in `tokenize`.
_WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")
_POSSESSIVE = ("'s", "’s", "'S")
# Kana, CJK ideographs and Hangul, as the inside of a character class: scripts whose writers
# put a number or a value right after a word, with no space ("电话13812345678", "密码是abc12345").
CJK_LETTERS = "\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af"


class Token(NamedTuple):
    start: int
    end: int
    text: str
    lower: str
    initial: bool = False   # a single capital directly followed by a dot ("D." of "Ilse D. Marková")


# A possessive 's is not part of the word: the apostrophe joins only a continuation other than "s".
_WORD_NO_POSSESSIVE = re.compile(r"[^\W\d_]+(?:(?:-|['’](?![sS](?![^\W\d_])))[^\W\d_]+)*")


# The same words as one split with a group: words and the gaps between them come back as one
# list of strings built in C (`[gap, word, gap, ..., word, gap]`), their offsets from the lengths,
# which costs far less than a match object per word.
_SPLIT = re.compile(f"({_WORD_NO_POSSESSIVE.pattern})")
# The same split for ASCII text, where a letter ([^\W\d_]) is A-Z or a-z and there is no ’: range
# tests instead of Unicode category lookups, a third faster.
_ASCII_SPLIT = re.compile(r"([A-Za-z]+(?:(?:-|'(?![sS](?![A-Za-z])))[A-Za-z]+)*)")
_DOT = re.compile(r"\.")
_new_tuple = tuple.__new__
_TEXT, _LOWER, _END = attrgetter("text"), attrgetter("lower"), attrgetter("end")
_S = frozenset({"s", "S"})


@lru_cache(maxsize=4)
def tokenize(text: str) -> tuple[Token, ...]:
    """Word tokens of `text`; cached, since the name and place detectors read the same text."""
    parts = (_ASCII_SPLIT if text.isascii() else _SPLIT).split(text)
    words = parts[1::2]
    offsets = list(accumulate(map(len, parts), initial=0))
    # Token(start, end, text, lower, initial=False) for every word, without a Python call per word.
    tokens = list(map(_new_tuple, repeat(Token), zip(offsets[1::2], offsets[2::2], words, map(str.lower, words), repeat(False))))
    if "s" in words or "S" in words:
        # The "s" of a possessive the word pattern split off ("Anna's", "Anna’s") is no word.
        for i in reversed([i for i in compress(range(len(words)), map(_S.__contains__, words)) if parts[2 * i][-1:] in ("'", "’")]):
            del tokens[i]
    if "." in text:
        # Initials: a single capital directly followed by a dot. Dots are few; look up the
        # token ending at each one instead of testing every token.
        ends = list(map(_END, tokens))
        for dot in _DOT.finditer(text):
            i = bisect.bisect_left(ends, dot.start())
            if i < len(tokens) and ends[i] == dot.start() and len(tokens[i].text) == 1 and tokens[i].text.isupper():
                tokens[i] = tokens[i]._replace(initial=True)
    return tuple(tokens)


@lru_cache(maxsize=4)
def capitalized_tokens(text: str) -> tuple[int, ...]:
    """Indexes of the tokens of `text` whose first letter is a capital: in cased text the only
    ones that can start a name or a place. Found in C, once for the detectors that share them."""
    tokens = tokenize(text)
    return tuple(compress(range(len(tokens)), map(str.isupper, map(itemgetter(0), map(_TEXT, tokens)))))


def lower_in(tokens: tuple[Token, ...], words: frozenset[str]) -> list[int]:
    """Indexes of the tokens whose lowercase form is one of `words`."""
    return list(compress(range(len(tokens)), map(words.__contains__, map(_LOWER, tokens))))


def sentence_start(text: str, position: int) -> bool:
    """True when only spaces, quotes or brackets separate `position` from the text's start or
    from the end of the previous sentence (., !, ?, newline)."""
    i = position - 1
    while i >= 0 and text[i] in " \t\"'“‘([>*-":
        i -= 1
    return i < 0 or text[i] in ".!?\n"


def occurrences(lower: str, words: tuple[str, ...]) -> list[int]:
    """Where each of `words` stands in `lower` (overlaps included), in order: substring searches
    in C, for the detectors that try a pattern only where its words stand."""
    positions = []
    for word in words:
        at = lower.find(word)
        while at != -1:
            positions.append(at)
            at = lower.find(word, at + 1)
    return sorted(positions)
