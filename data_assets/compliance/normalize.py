"""The view detectors read: disguises taken off, with a map back to the original characters.

PII is disguised, on purpose or by copy and paste, with characters a reader does not see or
reads as something else: a zero-width space inside an e-mail (`maria.lopez\u200b@gmail.com`),
no-break spaces between the digit groups of a phone number, full-width letters
(`ｊｏｈｎ＠ｅｘａｍｐｌｅ．ｃｏｍ`). Patterns written for plain text miss all of them. So detection
runs on a normalized view:
- NFKC, which folds full-width and other compatibility forms to their plain letters and digits;
- format characters (Unicode category Cf: zero-width space and joiners, soft hyphen, word
  joiner, bidirectional marks, BOM) removed;
- no-break and every other Unicode space (category Zs) read as an ASCII space;
- control characters (Cc, except tab, newline and carriage return) removed. The stage also
  removes them from its output (`control_characters`): NUL and friends break JSONL readers and
  tokenizers and are never content;
- a hyphen, en dash or minus sign between two digits read as "-" (`415–555–0142`, an SSN with
  no-break hyphens, as word processors and web pages write them);
- combining marks that NFKC leaves on a plain letter or digit removed: there is no such letter,
  so they only decorate it (struck-through `j̶o̶h̶n̶@example.com`).

Every character of the view remembers the original characters it came from, so a span found
in the view maps back to the original text, covering the hidden characters inside it too, and
redaction replaces the whole original span.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Characters that need work: anything outside printable ASCII except tab, newline and CR.
_NEEDS_WORK = re.compile(r"[^\t\n\r\x20-\x7e]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]+")
_KEPT_CONTROLS = frozenset("\t\n\r")


@dataclass(frozen=True)
class NormalizedText:
    """`text` is the view; `starts[i]`/`ends[i]` are the original offsets of view character i.
    `starts` is None when the view is the original text itself (the common case)."""

    original: str
    text: str
    starts: tuple[int, ...] | None = None
    ends: tuple[int, ...] | None = None

    @property
    def identity(self) -> bool:
        return self.starts is None

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original `[start, end)` of the view's `[start, end)`."""
        if self.starts is None or self.ends is None:
            return start, end
        if end <= start:
            position = self.starts[start] if start < len(self.starts) else len(self.original)
            return position, position
        return self.starts[start], self.ends[end - 1]

    def control_characters(self) -> list[tuple[int, int]]:
        """`control_characters(self.original)`, without a pass over a text that is its own view:
        the view drops every control character, so such a text holds none."""
        return [] if self.identity else control_characters(self.original)


def _kind(char: str) -> str:
    """drop | space | keep, for one original character."""
    if char in _KEPT_CONTROLS:
        return "keep"
    category = unicodedata.category(char)
    if category in ("Cf", "Cc"):
        return "drop"
    if category == "Zs" or category in ("Zl", "Zp"):
        return "space"
    return "keep"


# Characters the view removes or turns into a space: controls, format characters (Cf) and
# Unicode spaces (Zs, Zl, Zp). A text without any, already in NFKC (most non-ASCII text: accents,
# curly quotes, CJK), is its own view, found by two C-speed tests instead of a loop.
_HIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\xa0\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2"
    "\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u2064\u2066-\u206f\u3000\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
    # Combining marks (decoration on an ASCII base; a composed text holds none) and the dashes
    # folded between digits.
    "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f\u2010-\u2013\u2212]"
)
_NUMBER_DASHES = frozenset("\u2010\u2011\u2012\u2013\u2212")


def normalize(text: str) -> NormalizedText:
    """The detection view of `text` (see the module docstring)."""
    if not _NEEDS_WORK.search(text):
        return NormalizedText(text, text)
    if not _HIDDEN.search(text) and unicodedata.is_normalized("NFKC", text):
        return NormalizedText(text, text)
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        kind = _kind(char)
        if kind == "drop":
            i += 1
            continue
        if kind == "space":
            # Marks on a space decorate nothing a detector reads: the space stands for them too.
            j = i + 1
            while j < n and unicodedata.combining(text[j]):
                j += 1
            out.append(" ")
            starts.append(i)
            ends.append(j)
            i = j
            continue
        # A base character with its combining marks is normalized as one cluster, so a
        # decomposed "é" becomes one letter and the regexes see one word.
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        cluster = text[i:j]
        if char in _NUMBER_DASHES and 0 < i < n - 1 and text[i - 1].isdigit() and text[j:j + 1].isdigit():
            folded = "-"
        elif cluster.isascii():
            folded = cluster
        else:
            folded = unicodedata.normalize("NFKC", cluster)
            if char.isascii() and len(folded) > 1 and unicodedata.combining(folded[-1]):
                # No letter is this base with these marks: they decorate it.
                folded = "".join(c for c in folded if not unicodedata.combining(c))
        for piece in folded:
            out.append(piece)
            starts.append(i)
            ends.append(j)
        i = j
    view = "".join(out)
    if view == text:
        return NormalizedText(text, text)
    return NormalizedText(text, view, tuple(starts), tuple(ends))


def control_characters(text: str) -> list[tuple[int, int]]:
    """Runs of control characters (except tab, newline, CR) in `text`, as `[start, end)`."""
    if not _NEEDS_WORK.search(text):
        return []
    return [(m.start(), m.end()) for m in _CONTROL.finditer(text)]


def strip_control_characters(text: str) -> str:
    return _CONTROL.sub("", text) if _NEEDS_WORK.search(text) else text
