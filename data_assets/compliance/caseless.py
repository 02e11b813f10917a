"""Case-insensitive patterns, matched faster on ASCII text.

CPython's `re` matches a case-insensitive pattern by lowercasing each character as it compares
it, which makes a cue pattern ("dear", "signed,", "lives in", ...) two to three times slower than
the same pattern without the flag. Over ASCII text (nearly every record) lowercasing keeps every
offset and is exact, so the pattern written in lowercase, without the flag, over the lowercased
text finds the same spans; other text goes to the pattern as written. Matches found the fast way
come from the lowercased text: use their positions and their truth, not their text.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator


class Caseless:
    """A drop-in for a compiled case-insensitive pattern whose letters are all lowercase."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        source = pattern.pattern.removeprefix("(?i)")
        # What is left once escapes (\\S, \\W, ...) and group names are taken out must hold no
        # capital letter and no other inline flag, or the two patterns would differ.
        bare = re.sub(r"\\.|\(\?P<\w+>|\(\?P=\w+\)", "", source)
        if not pattern.flags & re.IGNORECASE or re.search(r"\(\?[aiLmsux-]|[A-Z]", bare):
            raise ValueError(f"not a case-insensitive pattern written in lowercase: {pattern.pattern!r}")
        self.caseless = pattern
        self.cased = re.compile(source, pattern.flags & ~re.IGNORECASE)

    @property
    def pattern(self) -> str:
        return self.caseless.pattern

    def _fast(self, text: str, pos: int, endpos: int, lowered: str | None) -> str | None:
        """The lowercased text to match the fast way, or None to use the pattern as written. A
        window of a long text (`pos`, `endpos`) is not worth lowercasing whole for each search:
        the caller passes the text lowercased once (`lowered`) or the window is searched as is."""
        if not text.isascii():
            return None
        if lowered is not None:
            return lowered
        return text.lower() if pos == 0 and endpos >= len(text) else None

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize, lowered: str | None = None) -> re.Match[str] | None:
        fast = self._fast(text, pos, endpos, lowered)
        return self.caseless.search(text, pos, endpos) if fast is None else self.cased.search(fast, pos, endpos)

    def match(self, text: str, pos: int = 0, endpos: int = sys.maxsize, lowered: str | None = None) -> re.Match[str] | None:
        fast = self._fast(text, pos, endpos, lowered)
        return self.caseless.match(text, pos, endpos) if fast is None else self.cased.match(fast, pos, endpos)

    def finditer(self, text: str, pos: int = 0, endpos: int = sys.maxsize,
                 lowered: str | None = None) -> Iterator[re.Match[str]]:
        fast = self._fast(text, pos, endpos, lowered)
        return self.caseless.finditer(text, pos, endpos) if fast is None else self.cased.finditer(fast, pos, endpos)
